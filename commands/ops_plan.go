package commands

import (
	"context"
	"fmt"
	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/words"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/policy"
	"github.com/rigel-gitops/rigel/sync"
)

// The plan operations: preview and apply-exactly-what-was-previewed, shared by the commands
// and the HTTP API.

// preview is a plan and what it was made from.
type preview struct {
	Plan   *sync.Plan
	Target target
}

// plan renders and diffs one deployment of o at a target (or at an exact commit).
func (r *Runner) plan(ctx context.Context, o Origin, dep config.Deployment, t target, h Hints) (*preview, error) {
	snap, err := r.Fetch(ctx, o, t)
	if err != nil {
		return nil, err
	}
	objs, err := sync.Render(ctx, snap, dep.Path)
	if err != nil {
		return nil, renderError(dep.Path, t, snap.Commit, err, h)
	}
	start := time.Now()
	// The policy is checked on the rendered objects before anything reaches the apiserver:
	// what it refuses is neither dry-run nor read.
	plan, err := r.Planner.DiffWith(ctx, objs, sync.Provenance{Deployment: dep.Name, Path: dep.Path, Commit: snap.Commit},
		sync.DiffOptions{Refuse: refuseByPolicy(r.PolicyOf(dep))})
	r.observeDiff(dep.Name, start)
	if err != nil {
		return nil, fmt.Errorf("failed to diff %s at %s: %w", dep.Name, shortSHA(snap.Commit), err)
	}
	plan.Deployment, plan.Path, plan.Commit = dep.Name, dep.Path, snap.Commit
	policy.Check(r.PolicyOf(dep), plan)
	if err := r.markOwners(ctx, plan); err != nil {
		return nil, err
	}
	return &preview{Plan: plan, Target: t}, nil
}

// Preview renders dep at the tip of branch of o and diffs it with the cluster. The plan's
// Commit and Digest are what ApplyPreviewed needs to apply exactly it.
func (r *Runner) Preview(ctx context.Context, o Origin, dep config.Deployment, branch string, h Hints) (*sync.Plan, error) {
	p, err := r.plan(ctx, o, dep, ops.BranchTarget(branch), h)
	if err != nil {
		return nil, err
	}
	return p.Plan, nil
}

// StaleError refuses an apply: what was previewed is no longer what applying would do (the
// branch moved on, or the folder or the cluster changed). Nothing was applied. It unwraps to
// the *fault.Invalid that says so.
type StaleError struct{ err *fault.Invalid }

func (e *StaleError) Error() string { return e.err.Msg }

// Unwrap is the refusal as a *fault.Invalid.
func (e *StaleError) Unwrap() error { return e.err }

func staleErrorf(format string, args ...any) error {
	return &StaleError{err: &fault.Invalid{Msg: fmt.Sprintf(format, args...)}}
}

// Applied is the outcome of applying a previewed plan.
type Applied struct {
	Plan      *sync.Plan
	Result    *sync.Result
	LastSync  config.LastSync // what was recorded in the registry
	RecordErr error           // the apply happened, but recording it in the registry failed

	pv *preview
}

// ApplyRequest is what an apply needs besides the deployment: the preview it applies and its
// options. It travels as a value from the way in (comment, HTTP API) down to guardApply.
type ApplyRequest struct {
	Commit string // the previewed commit; empty for the tip of the branch
	Digest string // the previewed plan's digest: a fresh plan must have it
	Force  bool   // also take over objects another reconciler (Argo CD, Flux) manages; never overrides a policy
}

// ApplyPreviewed applies dep at req.Commit of branch of o exactly as previewed: only when the
// branch still points at req.Commit (any commit when empty) and a fresh diff has the previewed
// digest; else it applies nothing and returns a *StaleError. Applies of one deployment never
// run at once.
func (r *Runner) ApplyPreviewed(ctx context.Context, o Origin, dep config.Deployment, branch string, req ApplyRequest, h Hints) (*Applied, error) {
	ctx, release, err := r.lockDeployment(ctx, dep.Name, Holder{Command: "apply " + dep.Name + " (HTTP API)"})
	if err != nil {
		return nil, err
	}
	defer release()
	return r.applyPinned(ctx, nil, o, dep, ops.BranchTarget(branch), req, h)
}

// applyPinned applies the plan of dep at req.Commit (the tip of now when empty) if now still
// points at it and the fresh plan's digest is req.Digest, waits for health and records the
// sync. The caller holds the deployment's lock; rec (nil: none) is told when objects are sent.
func (r *Runner) applyPinned(ctx context.Context, rec ops.Recorder, o Origin, dep config.Deployment, now target, req ApplyRequest, h Hints) (*Applied, error) {
	log := zerolog.Ctx(ctx)
	commit, digest := req.Commit, req.Digest
	if now.Commit == "" { // a branch: learn where it points now
		snap, err := r.Fetch(ctx, o, now)
		if err != nil {
			return nil, err
		}
		now.Commit = snap.Commit
	}
	if commit == "" {
		commit = now.Commit
	}
	if now.Commit != commit {
		return nil, staleErrorf("the preview of `%s` was for `%s`, but %s is now `%s`. Nothing was applied. Run %s to preview the new commit.", dep.Name, shortSHA(commit), words.Label(now), shortSHA(now.Commit), h.Preview(dep.Name))
	}
	p, err := r.plan(ctx, o, dep, now.At(commit), h)
	if err != nil {
		return nil, err
	}
	// What breaks the policy, or would take an object from another registered deployment, is
	// refused first: whether or not the cluster changed since the preview (refused objects are
	// not read, so the digest changes when the policy does), a new preview would not make it
	// applicable.
	if len(p.Plan.Violating()) > 0 {
		return nil, policyRefusal(p.Plan, r.Registry.Namespace(), h)
	}
	if err := takeoverRefusal(p.Plan, h); err != nil {
		return nil, err
	}
	if p.Plan.Digest != digest {
		log.Info().Str("armed", digest).Str("now", p.Plan.Digest).Msg("stale plan refused")
		return nil, staleErrorf("the cluster or the folder changed since the preview of `%s` at `%s`, so that preview no longer shows what would happen. Nothing was applied. Run %s to preview again.", dep.Name, shortSHA(commit), h.Preview(dep.Name))
	}
	if err := r.guardApply(p.Plan, req.Force, h); err != nil {
		return nil, err
	}
	start := time.Now()
	if rec != nil {
		rec.NoteApplying(ctx, dep.Name, commit)
	}
	res, err := r.Planner.Apply(ctx, p.Plan, sync.ApplyOptions{Wait: r.ApplyWait})
	if stopped := r.interruptedApply(ctx, dep.Name, commit, res, err); stopped != nil {
		return nil, stopped
	}
	if err != nil {
		return nil, fmt.Errorf("failed to apply %s at %s: %w", dep.Name, shortSHA(commit), err)
	}
	r.observeApply(dep.Name, start, res.Status, res.Finished)
	out := &Applied{Plan: p.Plan, Result: res, pv: p,
		LastSync: config.LastSync{Commit: commit, Time: res.Finished.UTC().Truncate(time.Second), Status: res.Status, Message: resultMessage(res)}}
	if _, err := r.Registry.Update(ctx, func(s *config.Sources) error { return s.SetLastSync(dep.Name, out.LastSync) }); err != nil {
		log.Error().Err(err).Msg("failed to record the sync")
		out.RecordErr = fmt.Errorf("failed to record the sync in %s: %w", config.SourcesConfigMap, err)
	}
	return out, nil
}

// resultMessage is the one-line summary kept in the registry.
func resultMessage(res *sync.Result) string {
	var created, updated, unchanged, failed int
	for _, o := range res.Objects {
		switch o.Action {
		case sync.ActionCreate:
			created++
		case sync.ActionUpdate:
			updated++
		case sync.ActionUnchanged:
			unchanged++
		default:
			failed++
		}
	}
	return fmt.Sprintf("%d created, %d changed, %d unchanged, %d failed", created, updated, unchanged, failed)
}
