package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	gosync "sync"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/replica"
)

// Push-triggered sync (issue 12): a push to a registered repository's branch applies each
// deployment registered with applyOn: push whose inputs it changes (ops.ApplyOnPush). The
// outcome (applied; or refused, why, and the preview that decided) is posted where the
// deployment's report says: a comment on the pushed commit (the default) or on an issue, and
// the check run `rigel/apply: <deployment>` on the commit. The polling fallback (app/poll.go)
// hands PollPush each branch's tip when push deliveries were lost.

// applyOnPush applies the deployments p applies on push (only: these; nil: all) and reports
// each outcome that says something. poll: p is a tip the poller found (no push event), whose
// deployments are compared with their last synced commit.
func (r *Runner) applyOnPush(ctx context.Context, gh GitHub, p Push, only []string, poll bool, skip func(ctx context.Context, dep, commit string) bool) error {
	log := zerolog.Ctx(ctx)
	what := "apply on push of " + shortSHA(p.After)
	if poll {
		what = "apply on push (poll of " + p.Branch + ")"
	}
	oc := ops.Call{Repo: p.Repo, Author: p.Pusher, Forge: gh,
		Holder: ops.Holder{Repo: p.Repo.FullName(), Installation: p.Repo.Installation, Command: what, Delivery: p.DeliveryID}}
	res, err := r.Ops.ApplyOnPush(ctx, oc, ops.PushSync{Branch: p.Branch, Before: p.Before, After: p.After, Forced: p.Forced, SinceLastSync: poll, Only: only, Skip: skip})
	if err != nil {
		return fmt.Errorf("failed to %s: %w", what, err)
	}
	// An apply cut short (shutdown, a lost lock) is still reported.
	ctx, cancel := replyContext(ctx)
	defer cancel()
	var errs []error
	for _, o := range res.Outcomes {
		if !o.Superseded && !o.Busy && !retryable(o.Refused) {
			r.pushed.note(o.Deployment.Name, o.Commit)
		}
		if o.Quiet() {
			log.Info().Str("deployment", o.Deployment.Name).Bool("done", o.Done).Bool("superseded", o.Superseded).Bool("busy", o.Busy).Msg("nothing to apply on this push, nothing to say")
			continue
		}
		body, ck := renderPushOutcome(p.Repo.FullName(), p.Branch, o)
		r.setApplyCheck(ctx, gh, p.Repo, o.Commit, o.Deployment.Name, ck)
		if err := r.reportPush(ctx, gh, p.Repo, o, body); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// PollOptions say how PollPush recognises what was judged before.
type PollOptions struct {
	// AppID is Rigel's GitHub App (0 in token mode): only its apply check runs on a commit say
	// the commit was judged.
	AppID int64
}

// PollPush is the polling fallback's way in (app/poll.go): it reads the tip of branch of
// repo (from Rigel's git host only, as every fetch) and judges deps, the deployments of the
// repository that apply on push, at it. A deployment this replica already judged at the tip,
// or whose apply check (`rigel/apply: NAME`, set with every report) is on the tip already —
// the push was delivered to another replica, or judged before a restart —, is left alone; the
// others are applied as a push of the tip would apply them, compared with their last synced
// commit, and reported as a push is.
func (r *Runner) PollPush(ctx context.Context, gh GitHub, repo Repo, branch string, deps []string, opts PollOptions) error {
	skip := func(ctx context.Context, dep, tip string) bool {
		if r.pushed.tried(dep, tip) {
			return true
		}
		if r.applyChecked(ctx, gh, repo, tip, dep, opts.AppID) {
			zerolog.Ctx(ctx).Info().Str("deployment", dep).Str("commit", tip).Msg("poll: the tip was judged already (its apply check is set)")
			r.pushed.note(dep, tip)
			return true
		}
		return false
	}
	return r.applyOnPush(ctx, gh, Push{Repo: repo, Branch: branch}, deps, true, skip)
}

// The readers of apply checks (githubclient.Installation implements both).
type (
	checkRunReader interface {
		CheckRuns(ctx context.Context, repo Repo, sha, name string, appID int64) ([]githubclient.CheckRunState, error)
	}
	statusReader interface {
		Statuses(ctx context.Context, repo Repo, sha string) ([]CommitStatus, error)
	}
)

// applyChecked says whether the apply check of dep is on commit sha already: a check run of
// app appID (app mode), or a commit status of that name (token mode). When GitHub cannot
// say, it says no (the commit is judged, at worst reported twice).
func (r *Runner) applyChecked(ctx context.Context, gh GitHub, repo Repo, sha, dep string, appID int64) bool {
	name := applyCheckName(dep)
	log := zerolog.Ctx(ctx).With().Str("deployment", dep).Str("commit", sha).Logger()
	if r.CommitStatuses {
		sr, ok := gh.(statusReader)
		if !ok {
			return false
		}
		sts, err := sr.Statuses(ctx, repo, sha)
		if err != nil {
			log.Warn().Err(err).Msg("could not read the commit's statuses; judging it")
			return false
		}
		for _, st := range sts {
			if st.Context == name {
				return true
			}
		}
		return false
	}
	cr, ok := gh.(checkRunReader)
	if !ok {
		return false
	}
	runs, err := cr.CheckRuns(ctx, repo, sha, name, appID)
	if err != nil {
		log.Warn().Err(err).Msg("could not read the commit's check runs; judging it")
		return false
	}
	for _, run := range runs {
		if run.Name == name && (appID == 0 || run.AppID == appID) {
			return true
		}
	}
	return false
}

// retryable says a push's refusal may go away by itself (another apply held the lock, or
// Rigel failed): the poller judges the commit again.
func retryable(err error) bool {
	var held *replica.Held
	return err != nil && (!ops.IsRefusal(err) || errors.As(err, &held))
}

// reportPush posts a push's outcome where the deployment's report says.
func (r *Runner) reportPush(ctx context.Context, gh GitHub, repo Repo, o ops.PushOutcome, body string) error {
	if n := config.ReportIssue(o.Deployment.Report); n > 0 {
		for _, part := range splitComment(r.seal(Request{Repo: repo, Number: n}, body)) {
			if _, err := gh.Comment(ctx, repo, n, part); err != nil {
				return fmt.Errorf("failed to say on %s#%d what the push of %s did to %s: %w", repo.FullName(), n, shortSHA(o.Commit), o.Deployment.Name, err)
			}
		}
		return nil
	}
	cc, ok := gh.(ops.CommitCommentForge)
	if !ok {
		return fmt.Errorf("failed to comment on commit %s of %s: this GitHub client cannot comment on commits", shortSHA(o.Commit), repo.FullName())
	}
	for _, part := range splitComment(r.seal(Request{Repo: repo}, body)) {
		if _, err := cc.CommitComment(ctx, repo, o.Commit, part); err != nil {
			return fmt.Errorf("failed to comment on commit %s of %s what its push did to %s: %w", shortSHA(o.Commit), repo.FullName(), o.Deployment.Name, err)
		}
	}
	return nil
}

// renderPushOutcome is the report of one deployment's push-triggered sync and the apply check
// run on the pushed commit.
func renderPushOutcome(repo, branch string, o ops.PushOutcome) (string, applyCheck) {
	dep := o.Deployment.Name
	if o.Applied != nil {
		lead := fmt.Sprintf("**Pushed `%s` to %s: Rigel applied %s** (it applies on push; %s).", shortSHA(o.Commit), code(branch), code(dep), pushReason(o))
		return lead + blockSep + renderApplied(repo, o.Applied), appliedCheck(repo, o.Applied)
	}
	why, refused := refusal(o.Refused)
	if !refused {
		why = "Rigel could not apply it: " + mdText(o.Refused.Error())
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**Pushed `%s` to %s: Rigel did not apply %s** (it applies on push; %s). ", shortSHA(o.Commit), code(branch), code(dep), pushReason(o))
	b.WriteString(mergeWhy(why))
	if o.Fresh != nil {
		fmt.Fprintf(&b, "%s<details><summary>The preview of the pushed commit, what applying it would do</summary>\n\n%s\n\n</details>", blockSep, freshPlan(repo, o.Fresh))
	}
	next := fmt.Sprintf("fix it in git and push again: Rigel applies the next push that changes %s.", code(dep))
	if retryable(o.Refused) {
		next = fmt.Sprintf("nothing to fix in git: when polling is on (`RIGEL_POLL_INTERVAL`), Rigel tries this commit again at the next poll; else at the next push that changes %s.", code(dep))
	}
	fmt.Fprintf(&b, "%s**Next:** %s Or, in an issue of this repository, `/rigel sync %s` previews %s at its branch and `/rigel apply %s` then applies exactly that.", blockSep, next, dep, code(dep), dep)
	title := fmt.Sprintf("%s was not applied at %s", dep, shortSHA(o.Commit))
	return b.String(), applyCheck{Conclusion: githubclient.ConclusionFailure, Title: title, Summary: inert(b.String()), Annotations: mergeAnnotations(o.Refused)}
}

// pushReason says why the push concerned the deployment.
func pushReason(o ops.PushOutcome) string {
	if o.Changed != "" {
		return "the push changes " + code(o.Changed)
	}
	return mdText(o.Because) + ", so each of its inputs counts as changed"
}

// pushMemory is, per deployment, the commit this replica last judged it at (applied,
// refused, or untouched by the push): the poller does not judge it there again. It holds one
// entry per deployment.
type pushMemory struct {
	mu     gosync.Mutex
	judged map[string]string
}

func (m *pushMemory) note(dep, commit string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.judged == nil {
		m.judged = map[string]string{}
	}
	m.judged[dep] = commit
}

func (m *pushMemory) tried(dep, commit string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.judged[dep] == commit
}
