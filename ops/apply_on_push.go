package ops

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/gitsrc"
)

// Push-triggered sync (issue 12): a deployment registered with applyOn: push (set by cluster
// admins) is previewed and applied at every commit pushed to its branch that changes its
// inputs (sync.Inputs: the folder's files and every file its render reads), with the guards of
// a typed apply: the apply lock (Held), a pull request's hold (PullHeld), the render
// (RenderFailed), the policy (Policy), takeovers (Takeover) and other reconcilers (Reconciler:
// a push never forces). A commit is never applied twice (the registry's last sync), and an
// older commit never over a newer one (the branch must still point at it). The same operation
// serves the polling fallback (app/poll.go), which hands it each branch's tip.

// PushSync is a commit pushed to a branch, from a push event or found by the poller.
type PushSync struct {
	Branch string // the branch pushed (without refs/heads/)
	// Before and After are the commits the branch moved from and to. Before "" or zeros (a new
	// branch), or a commit Rigel cannot read, counts every deployment as changed. After "" with
	// SinceLastSync (the poller): the branch's tip, read from the git host.
	Before, After string
	// Forced says the push rewrote the branch: every deployment counts as changed.
	Forced bool
	// SinceLastSync (the poller) compares each deployment's inputs at After with those at its
	// last synced commit instead of Before (never synced: changed).
	SinceLastSync bool
	// Only judges these deployments; nil: every deployment of the repository that applies on
	// push.
	Only []string
	// Skip says whether the adapter judged dep at commit already (the poller: its memory, or
	// the apply check it set on the commit): such a deployment is left alone, without an
	// outcome. nil: none was.
	Skip func(ctx context.Context, dep, commit string) bool
}

// PushApplies is what a push did to the deployments of its repository that apply on push.
type PushApplies struct {
	Repo     *config.Repo // the registered repository; nil when the push is not to a registered repo's branch
	Outcomes []PushOutcome
}

// PushOutcome is what push-triggered sync did for one deployment.
type PushOutcome struct {
	Deployment config.Deployment
	Commit     string // the commit pushed

	// Done: the registry's last sync is already this commit (a redelivered push, or the
	// poller after the push's delivery). Nothing was done, nothing is said.
	Done bool
	// Superseded: the branch no longer points at the commit (a newer push is judged on its
	// own). Nothing was done, nothing is said.
	Superseded bool
	// Untouched: the push changes none of the deployment's inputs. Nothing was done, nothing
	// is said.
	Untouched bool
	// Busy (the poller only): another apply held the deployment's lock. Nothing was done,
	// nothing is said; the next poll tries again.
	Busy bool
	// Changed is the first input whose content the push changed; Because, when Changed is
	// "", why every input counts as changed (a force push, no earlier commit…).
	Changed, Because string

	Applied *Applied // set when it was applied (its reply shows the plan it applied)
	// Refused is why nothing was applied: a refusal (Held, PullHeld, RenderFailed, Policy,
	// Takeover, Reconciler…) or a failure (fetching, diffing, applying).
	Refused error
	// Fresh is the preview made to decide, when it was made and nothing was applied.
	Fresh *Preview
}

// Quiet says the outcome is nothing to tell anyone about.
func (o PushOutcome) Quiet() bool { return o.Done || o.Superseded || o.Untouched || o.Busy }

// ApplyOnPush applies, for a commit pushed to the branch of a registered repository, each of
// the repository's deployments registered with applyOn: push whose inputs it changes, as the
// package comment says (the poller: at the branch's tip). A push to another branch or to an
// unregistered repository does nothing. An error is returned only when the push could not be judged at all (the
// registry failed); each deployment's refusal or failure is its outcome.
func (s *Service) ApplyOnPush(ctx context.Context, call Call, push PushSync) (*PushApplies, error) {
	src, err := s.Registry.Load(ctx)
	if err != nil {
		return nil, err
	}
	out := &PushApplies{}
	entry := src.FindRepo(call.Repo.FullName())
	if entry == nil || entry.Branch != push.Branch || (push.After == "" && !push.SinceLastSync) {
		return out, nil
	}
	out.Repo = entry
	var deps []config.Deployment
	for _, d := range entry.Deployments {
		if d.ApplyOn == config.ApplyOnPush && (push.Only == nil || slices.Contains(push.Only, d.Name)) {
			deps = append(deps, d)
		}
	}
	if len(deps) == 0 {
		return out, nil
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	if push.After == "" { // the poller: the tip now
		tip, err := s.Fetch(ctx, call.Origin(), BranchTarget(entry.Branch))
		if err != nil {
			return nil, fmt.Errorf("failed to read the tip of %s of %s: %w", entry.Branch, entry.Repo, err)
		}
		push.After = tip.Commit
	}
	log := zerolog.Ctx(ctx)
	for _, d := range deps {
		if push.Skip != nil && push.Skip(ctx, d.Name, push.After) {
			continue
		}
		o := s.applyPushed(ctx, call, d, entry.Branch, push)
		ev := log.Info()
		if o.Refused != nil {
			ev = ev.AnErr("refused", o.Refused)
		}
		ev.Str("deployment", d.Name).Str("commit", push.After).Bool("applied", o.Applied != nil).Bool("done", o.Done).
			Bool("superseded", o.Superseded).Bool("untouched", o.Untouched).Str("changed", o.Changed).Str("because", o.Because).Msg("apply on push")
		out.Outcomes = append(out.Outcomes, o)
	}
	return out, nil
}

// applyPushed judges and applies one deployment at the pushed commit.
func (s *Service) applyPushed(ctx context.Context, call Call, dep config.Deployment, branch string, push PushSync) PushOutcome {
	out := PushOutcome{Deployment: dep, Commit: push.After}
	if dep.LastSync != nil && strings.EqualFold(dep.LastSync.Commit, push.After) {
		out.Done = true
		return out
	}
	o := call.Origin()
	tip, err := s.Fetch(ctx, o, BranchTarget(branch))
	if err != nil {
		out.Refused = err
		return out
	}
	if !strings.EqualFold(tip.Commit, push.After) {
		out.Superseded = true
		return out
	}
	before := push.Before
	if push.SinceLastSync {
		before = sinceCommit(dep)
	}
	if out.Changed, out.Because = s.pushTouches(ctx, o, dep, branch, before, push.Forced && !push.SinceLastSync, tip); out.Changed == "" && out.Because == "" {
		out.Untouched = true
		return out
	}
	ctx, release, err := s.lockForPush(ctx, dep.Name, call.Holder, !push.SinceLastSync)
	var held *Held
	if push.SinceLastSync && errors.As(err, &held) {
		out.Busy = true // a push being applied, or someone's apply: the next poll sees what it did
		return out
	}
	if err != nil {
		out.Refused = err
		return out
	}
	defer release()
	// Under the lock, the branch must still be at the commit: a newer push that waited for
	// this lock is applied by its own handling, and an older one never over it.
	if tip, err := s.Fetch(ctx, o, BranchTarget(branch)); err != nil {
		out.Refused = err
		return out
	} else if !strings.EqualFold(tip.Commit, push.After) {
		out.Superseded = true
		return out
	}
	// Under the lock, the registry says whether this commit was applied already (by another
	// replica's delivery of the same push, or the poller).
	src, err := s.Registry.Load(ctx)
	if err != nil {
		out.Refused = err
		return out
	}
	_, d := src.FindDeployment(dep.Name)
	switch {
	case d == nil || d.ApplyOn != config.ApplyOnPush:
		out.Untouched, out.Changed, out.Because = true, "", "" // removed, or no longer applied on push
		return out
	case d.LastSync != nil && strings.EqualFold(d.LastSync.Commit, push.After):
		out.Done = true
		return out
	}
	dep = *d
	if err := s.checkHold(ctx, call, dep.Name, "apply"); err != nil { // pull_holds.go
		out.Refused = err
		return out
	}
	out.Fresh, out.Applied, out.Refused = s.applyPushCommit(ctx, call, dep, branch, push.After)
	return out
}

// pushLockWait bounds how long a push waits for the apply lock another apply of its
// deployment holds (pushes in quick succession are applied one after the other, the older
// found superseded); at least minPushLockWait, else twice the apply's wait for health.
var minPushLockWait = 30 * time.Second

// pushLockRetry is the pause between two tries of the lock.
var pushLockRetry = time.Second

// lockForPush takes dep's apply lock; with wait, it waits while another apply holds it (a
// *Held once the wait is over).
func (s *Service) lockForPush(ctx context.Context, dep string, h Holder, wait bool) (context.Context, func(), error) {
	if s.Locker == nil {
		return nil, nil, errors.New("failed to lock the deployment: this Rigel has no Leases to lock with")
	}
	deadline := time.Now().Add(max(minPushLockWait, 2*s.ApplyWait))
	for {
		lctx, release, err := s.Locker.LockDeployment(ctx, dep, h)
		var held *Held
		if err == nil || !wait || !errors.As(err, &held) || time.Now().After(deadline) {
			return lctx, release, err
		}
		select {
		case <-ctx.Done():
			return nil, nil, err
		case <-time.After(pushLockRetry):
		}
	}
}

// applyPushCommit previews dep at commit (the branch's tip) and applies exactly that preview
// when no guard of an apply refuses it. The caller holds the deployment's lock.
func (s *Service) applyPushCommit(ctx context.Context, call Call, dep config.Deployment, branch, commit string) (*Preview, *Applied, error) {
	p, err := s.plan(ctx, call.Origin(), dep, BranchTarget(branch).At(commit))
	if err != nil {
		return nil, nil, err
	}
	if len(p.Plan.Violating()) > 0 {
		return p, nil, s.policyRefusal(p.Plan)
	}
	if len(TakenFrom(p.Plan)) > 0 {
		return p, nil, &Takeover{Plan: p.Plan}
	}
	if err := s.guardApply(p.Plan, false); err != nil {
		return p, nil, err
	}
	done, err := s.applyChecked(ctx, call, dep, p, commit, applyOpts{Kind: config.SyncKindPush})
	if err != nil {
		return p, nil, err
	}
	return nil, done, nil
}

// sinceCommit is the commit the poller compares a deployment's inputs with: its last sync's
// ("": never synced). After a rollback, the commit rolled back from (the sync before it): the
// poll does not undo a rollback, only a commit pushed after it does.
func sinceCommit(dep config.Deployment) string {
	switch {
	case dep.LastSync == nil:
		return ""
	case dep.LastSync.Kind == config.SyncKindRollback && len(dep.History) > 0:
		return dep.History[0].Commit
	}
	return dep.LastSync.Commit
}

// pushTouches says whether the push from before to after changes dep's inputs: the first
// input whose content differs (changed), or why every input counts as changed (why); both ""
// when none changed.
func (s *Service) pushTouches(ctx context.Context, o Origin, dep config.Deployment, branch, before string, forced bool, after *gitsrc.Snapshot) (changed, why string) {
	switch {
	case forced:
		return "", "a force push"
	case before == "" || strings.Trim(before, "0") == "":
		return "", "no earlier commit to compare with"
	case strings.EqualFold(before, after.Commit):
		return "", ""
	}
	old, err := s.Fetch(ctx, o, BranchTarget(branch).At(before))
	if err != nil {
		zerolog.Ctx(ctx).Info().Err(err).Str("before", before).Msg("the commit before the push cannot be read: every input counts as changed")
		return "", fmt.Sprintf("the commit before the push, %s, cannot be read", shortCommit(before))
	}
	inputs, errAfter := renderInputs(ctx, after, dep) // chart.go: with a chart's values files
	was, errBefore := renderInputs(ctx, old, dep)
	switch {
	case errAfter != nil && errBefore != nil:
		return "", "its folder renders at neither commit"
	case errAfter != nil:
		return "", "its folder no longer renders"
	case errBefore != nil:
		return "", "its folder did not render before"
	}
	all := map[string]bool{}
	for _, f := range append(inputs, was...) {
		all[f] = true
	}
	files := make([]string, 0, len(all))
	for f := range all {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		if treeEntry(after, f) != treeEntry(old, f) {
			return f, ""
		}
	}
	return "", ""
}

// treeEntry is what a tree holds at name, to compare: a file's content, a link's target, or
// nothing.
func treeEntry(fsys fs.FS, name string) string {
	if b, err := fs.ReadFile(fsys, name); err == nil {
		return "file\x00" + string(b)
	}
	if t, err := fs.ReadLink(fsys, name); err == nil {
		return "link\x00" + t
	}
	return "none"
}

// CommitCommentForge is what push-triggered sync's reports need from GitHub besides a Forge
// (issue 12): a comment on the pushed commit, where the deployment's report says (the
// default); githubclient.Installation implements it.
type CommitCommentForge interface {
	// CommitComment comments on commit sha of repo and returns the comment's id.
	CommitComment(ctx context.Context, repo Repo, sha, body string) (int64, error)
}
