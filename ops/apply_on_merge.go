package ops

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// Apply on merge (issue 11): a deployment registered with applyOn: merge is applied when the
// merge commit of a pull request is pushed to the branch it follows, if and only if the merge
// commit's render and the live state still have the digest of the preview the pull request
// armed last, and that preview's commit (the head merged) is approved as the trust rules say.
// Otherwise nothing is applied and the outcome carries a fresh preview of the merge commit.

// MergePush is a push to a branch that may be the merge of a pull request.
type MergePush struct {
	Branch        string // the branch pushed (without refs/heads/)
	Before, After string // the commits the branch moved from and to
	// Find finds the preview the pull request armed last for a deployment (the markers of
	// Rigel's comments in its conversation): a zero PlanID when it armed none.
	Find func(ctx context.Context, pull int, deployment string) (PlanID, error)
}

// MergeApplies is what a push did: the pull request it merged, and one outcome per deployment
// of the repository that applies on merge.
type MergeApplies struct {
	Repo     *config.Repo // the registered repository; nil when the push is not to a registered repo's branch
	Pull     *MergedPull  // nil: not the merge of a pull request (a direct push); nothing was applied
	Outcomes []MergeOutcome
}

// MergeOutcome is what apply on merge did for one deployment.
type MergeOutcome struct {
	Deployment config.Deployment
	Armed      PlanID   // the preview the pull request armed last (zero: none)
	Applied    *Applied // set when it was applied
	// Done says the push was handled before: the registry's last sync is already this merge
	// commit (a redelivered push). Nothing was done, nothing is said.
	Done bool
	// UpToDate says the merge commit changes nothing in the cluster (it was applied from the
	// pull request before the merge, or by someone else): nothing to apply.
	UpToDate bool
	// Untouched says the pull request armed no preview of the deployment and its merge renders
	// the deployment as the commit before it did: the merge is none of the deployment's
	// business. Nothing was done, nothing is said.
	Untouched bool
	// Refused is why nothing was applied: a refusal (NotArmedAtMerge, NotReady, Stale, Policy,
	// Takeover, Reconciler, PullHeld, ForkApply, RenderFailed…) or a failure.
	Refused error
	// Fresh is the preview of the merge commit made to decide, when nothing was applied
	// (nil when it could not be made: a render error, or a refusal before it).
	Fresh *Preview
}

// ApplyOnMerge applies, for a push to the branch of a registered repository that merged a
// pull request, each deployment of the repository registered with applyOn: merge, as the
// package comment says. A direct push, a push to another branch or to an unregistered
// repository applies nothing. An error is returned only when the push could not be judged
// at all (the registry or GitHub failed); each deployment's refusal or failure is its outcome.
func (s *Service) ApplyOnMerge(ctx context.Context, call Call, push MergePush) (*MergeApplies, error) {
	log := zerolog.Ctx(ctx)
	src, err := s.Registry.Load(ctx)
	if err != nil {
		return nil, err
	}
	out := &MergeApplies{}
	entry := src.FindRepo(call.Repo.FullName())
	if entry == nil || entry.Branch != push.Branch || push.After == "" {
		return out, nil
	}
	out.Repo = entry
	var deps []config.Deployment
	for _, d := range entry.Deployments {
		if d.ApplyOn == config.ApplyOnMerge {
			deps = append(deps, d)
		}
	}
	if len(deps) == 0 {
		return out, nil
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	pull, err := call.Forge.MergedPull(ctx, call.Repo, push.Branch, push.After)
	if err != nil {
		return nil, fmt.Errorf("failed to find the pull request merged as %s: %w", shortCommit(push.After), err)
	}
	if pull == nil {
		log.Info().Str("commit", push.After).Msg("a push that merged no pull request: nothing applied on merge")
		return out, nil
	}
	out.Pull = pull
	call.Number, call.IsPR = pull.Number, true
	for _, d := range deps {
		o := s.applyMerged(ctx, call, d, entry.Branch, pull, push)
		if o.Refused != nil {
			log.Info().Err(o.Refused).Str("deployment", d.Name).Int("pull", pull.Number).Msg("not applied on merge")
		}
		out.Outcomes = append(out.Outcomes, o)
	}
	return out, nil
}

// applyMerged judges and applies one deployment on the merge of pull.
func (s *Service) applyMerged(ctx context.Context, call Call, dep config.Deployment, branch string, pull *MergedPull, push MergePush) MergeOutcome {
	out := MergeOutcome{Deployment: dep}
	if s.Locker == nil {
		out.Refused = errors.New("failed to lock the deployment: this Rigel has no Leases to lock with")
		return out
	}
	ctx, release, err := s.Locker.LockDeployment(ctx, dep.Name, call.Holder)
	if err != nil {
		out.Refused = err
		return out
	}
	defer release()
	// Under the lock, the registry says whether this push was applied already.
	src, err := s.Registry.Load(ctx)
	if err != nil {
		out.Refused = err
		return out
	}
	if _, d := src.FindDeployment(dep.Name); d != nil && d.LastSync != nil && strings.EqualFold(d.LastSync.Commit, push.After) {
		out.Done = true
		return out
	}
	if err := s.checkHold(ctx, call, dep.Name, "apply"); err != nil {
		out.Refused = err
		return out
	}
	id, err := push.Find(ctx, pull.Number, dep.Name)
	if err != nil {
		out.Refused = err
		return out
	}
	out.Armed = id
	if id.Digest == "" && s.rendersSame(ctx, call.Origin(), dep, branch, push.Before, push.After) {
		out.Untouched = true
		return out
	}
	if !s.Access.AllowForkApply && !strings.EqualFold(pull.HeadRepo, call.Repo.FullName()) {
		out.Refused = &ForkApply{Pull: pull.Number, Repo: call.Repo.FullName(), HeadRepo: pull.HeadRepo}
		return out
	}
	out.Fresh, out.Applied, out.UpToDate, out.Refused = s.applyMergeCommit(ctx, call, dep, branch, pull, push, id)
	return out
}

// applyMergeCommit plans the merge commit, and applies it if the pull request armed and
// approved exactly that plan. It returns the plan made (when one was), what was applied,
// whether there was nothing to apply, and the refusal.
func (s *Service) applyMergeCommit(ctx context.Context, call Call, dep config.Deployment, branch string, pull *MergedPull, push MergePush, id PlanID) (*Preview, *Applied, bool, error) {
	o := call.Origin()
	// The branch must still be at the merge: an older merge is never applied over a newer one
	// (the newer push is judged on its own).
	snap, err := s.Fetch(ctx, o, BranchTarget(branch))
	if err != nil {
		return nil, nil, false, err
	}
	now := BranchTarget(branch).At(snap.Commit)
	if !strings.EqualFold(snap.Commit, push.After) {
		fresh, _ := s.plan(ctx, o, dep, BranchTarget(branch).At(push.After)) // what the merge would do, for the comment
		return fresh, nil, false, &Stale{Deployment: dep.Name, Commit: push.After, Now: now, Why: StaleCommit}
	}
	// The plan of the merge commit, with the digest it would have at the commit previewed:
	// equal to the armed digest exactly when the merge renders the same objects and the
	// cluster did not change since the preview (sync's digest also covers the commit).
	digestAt := id.Commit
	if digestAt == "" {
		digestAt = push.After
	}
	p, err := s.planDigestAt(ctx, o, dep, now, digestAt)
	if err != nil {
		return nil, nil, false, err
	}
	switch {
	case id.Digest == "":
		return p, nil, false, &NotArmedAtMerge{Deployment: dep.Name, Pull: pull.Number, Head: pull.HeadSHA}
	case !strings.EqualFold(id.Commit, pull.HeadSHA):
		return p, nil, false, &NotArmedAtMerge{Deployment: dep.Name, Pull: pull.Number, Head: pull.HeadSHA, Armed: id.Commit}
	}
	missing, err := approvalGate(ctx, call, id.Commit)
	if err != nil {
		return p, nil, false, err
	}
	if len(missing) > 0 {
		return p, nil, false, &NotReady{Pull: pull.Number, Missing: missing}
	}
	if len(p.Plan.Violating()) > 0 {
		return p, nil, false, s.policyRefusal(p.Plan)
	}
	if len(TakenFrom(p.Plan)) > 0 {
		return p, nil, false, &Takeover{Plan: p.Plan}
	}
	if p.Plan.Digest != id.Digest {
		if noChanges(p.Plan) {
			return p, nil, true, nil
		}
		zerolog.Ctx(ctx).Info().Str("armed", id.Digest).Str("now", p.Plan.Digest).Msg("merge commit's plan differs from the approved preview")
		return p, nil, false, &Stale{Deployment: dep.Name, Commit: id.Commit, Now: now, Why: StaleDigest, Digest: id.Digest, NowDigest: p.Plan.Digest}
	}
	if err := s.guardApply(p.Plan, false); err != nil {
		return p, nil, false, err
	}
	done, err := s.applyChecked(ctx, call, dep, p, push.After, applyOpts{Kind: config.SyncKindMerge})
	return p, done, false, err
}

// planDigestAt is plan at t, with the digest computed as at commit digestAt (the objects and
// the live state are those of t.Commit; Plan.Commit stays t.Commit).
func (s *Service) planDigestAt(ctx context.Context, o Origin, dep config.Deployment, t Target, digestAt string) (*Preview, error) {
	planner := s.Planner
	s2 := *s
	s2.Planner = digestAtPlanner{Planner: planner, commit: digestAt}
	return s2.plan(ctx, o, dep, t)
}

// digestAtPlanner diffs with the provenance's commit replaced by commit, so the digest is that
// of the same objects and live state at commit.
type digestAtPlanner struct {
	Planner
	commit string
}

func (p digestAtPlanner) DiffWith(ctx context.Context, objs []sync.Object, prov sync.Provenance, opts sync.DiffOptions) (*sync.Plan, error) {
	rendered := prov.Commit
	prov.Commit = p.commit
	plan, err := p.Planner.DiffWith(ctx, objs, prov, opts)
	if plan != nil {
		plan.Commit = rendered
	}
	return plan, err
}

// noChanges says a plan would change nothing in the cluster.
func noChanges(p *sync.Plan) bool {
	create, update, _, failed := p.Counts()
	return create+update+failed == 0 && len(p.Violating()) == 0
}

// rendersSame says dep renders the same objects at commits before and after of branch (false
// when before is not a commit, or either does not render: the caller then judges the merge).
func (s *Service) rendersSame(ctx context.Context, o Origin, dep config.Deployment, branch, before, after string) bool {
	if before == "" || strings.Trim(before, "0") == "" {
		return false
	}
	var rendered [2][]sync.Object
	for i, commit := range []string{before, after} {
		snap, err := s.Fetch(ctx, o, BranchTarget(branch).At(commit))
		if err != nil {
			return false
		}
		if rendered[i], err = s.render(ctx, snap, dep); err != nil { // chart.go
			return false
		}
	}
	if len(rendered[0]) != len(rendered[1]) {
		return false
	}
	for i := range rendered[0] {
		a, b := rendered[0][i], rendered[1][i]
		if a.Source != b.Source || !reflect.DeepEqual(a.Obj.Object, b.Obj.Object) {
			return false
		}
	}
	return true
}
