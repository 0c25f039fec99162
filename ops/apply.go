package ops

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// ApplyRequest is what an apply needs besides who asks and the deployment: the preview it
// applies, where, and its options. It travels as a value from the way in (a comment, the HTTP
// API) down to the guards.
type ApplyRequest struct {
	Plan PlanID // the preview to apply: a fresh plan must have its digest, at its commit ("": the tip of At)
	// Find, when set, finds the preview to apply once the deployment's lock is held (a
	// conversation's markers), instead of Plan; its error (a refusal: nothing armed) is returned.
	Find  func(ctx context.Context) (PlanID, error)
	At    Target // the branch the deployment follows; in a pull request the gates read its head
	Force bool   // also take over objects another reconciler (Argo CD, Flux) manages; never overrides a policy
	// Prune also deletes the previewed orphans of the deployment's inventory (sync.Plan.Orphans)
	// once the rest applied healthily (always so when the deployment says prune: true).
	Prune bool
	// Kind is what the registry records the sync as (config.SyncKind*: "" a command or the
	// API, "rollback", "merge", "push").
	Kind string
}

// applyOpts are the options of an apply that reach applyPinned and applyChecked.
type applyOpts struct {
	Force bool   // ApplyRequest.Force
	Prune bool   // ApplyRequest.Prune
	Kind  string // ApplyRequest.Kind
}

// Applied is the outcome of applying a previewed plan.
type Applied struct {
	Plan      *sync.Plan
	Target    Target // what was applied (a branch, a PR head); Plan.Commit is the commit
	Result    *sync.Result
	LastSync  config.LastSync // what was recorded in the registry
	RecordErr error           // the apply happened, but recording it in the registry failed
}

// Apply applies dep exactly as previewed. It takes the deployment's apply lock (a *Held when
// another apply holds it), refuses while another pull request holds the deployment
// (*PullHeld, pull_holds.go), finds the preview (req.Find or req.Plan), and in a pull request
// checks its gates (*PullNotOpen, *ForkApply, *NotReady). It then applies only when the target
// still points at the previewed commit and a fresh plan has the previewed digest (*Stale),
// breaks no policy (*Policy), takes no object from another registered deployment (*Takeover)
// and, unless forced, none another reconciler manages (*Reconciler). It waits for health and
// records the sync in the registry. An apply cut short returns an *Interrupted, after
// recording it.
func (s *Service) Apply(ctx context.Context, call Call, dep config.Deployment, req ApplyRequest) (*Applied, error) {
	if s.Locker == nil {
		return nil, errors.New("failed to lock the deployment: this Rigel has no Leases to lock with")
	}
	ctx, release, err := s.Locker.LockDeployment(ctx, dep.Name, call.Holder)
	if err != nil {
		return nil, err
	}
	defer release()
	if err := s.checkHold(ctx, call, dep.Name, "apply"); err != nil { // pull_holds.go
		return nil, err
	}
	id := req.Plan
	if req.Find != nil {
		if id, err = req.Find(ctx); err != nil {
			return nil, err
		}
	}
	kind, now := req.Kind, Target{}
	if id.Rollback { // rollback.go: the pinned commit of the history, not the branch's tip
		kind = config.SyncKindRollback
		now, err = s.rollbackHead(ctx, call, dep, req.At, id)
	} else {
		now, err = s.gatedHead(ctx, call, req.At.Branch, id.Commit) // in a PR: its gates, for the previewed commit
	}
	if err != nil {
		return nil, err
	}
	return s.applyPinned(ctx, call, dep, now, id, applyOpts{Force: req.Force, Prune: req.Prune, Kind: kind})
}

// applyPinned applies the plan of dep at id.Commit (the tip of now when empty) if now still
// points at it and the fresh plan's digest is id.Digest, waits for health and records the
// sync. The caller holds the deployment's lock.
func (s *Service) applyPinned(ctx context.Context, call Call, dep config.Deployment, now Target, id PlanID, opts applyOpts) (*Applied, error) {
	log := zerolog.Ctx(ctx)
	o := call.Origin()
	commit := id.Commit
	if now.Commit == "" { // a branch: learn where it points now
		snap, err := s.Fetch(ctx, o, now)
		if err != nil {
			return nil, err
		}
		now.Commit = snap.Commit
	}
	if commit == "" {
		commit = now.Commit
	}
	if now.Commit != commit {
		return nil, &Stale{Deployment: dep.Name, Commit: commit, Now: now, Why: StaleCommit}
	}
	p, err := s.plan(ctx, o, dep, now.At(commit))
	if err != nil {
		return nil, err
	}
	// What breaks the policy, or would take an object from another registered deployment, is
	// refused first: whether or not the cluster changed since the preview (refused objects are
	// not read, so the digest changes when the policy does), a new preview would not make it
	// applicable.
	if len(p.Plan.Violating()) > 0 {
		return nil, s.policyRefusal(p.Plan)
	}
	if len(TakenFrom(p.Plan)) > 0 {
		return nil, &Takeover{Plan: p.Plan}
	}
	if p.Plan.Digest != id.Digest {
		log.Info().Str("armed", id.Digest).Str("now", p.Plan.Digest).Msg("stale plan refused")
		return nil, &Stale{Deployment: dep.Name, Commit: commit, Now: now, Why: StaleDigest, Digest: id.Digest, NowDigest: p.Plan.Digest}
	}
	if err := s.guardApply(p.Plan, opts.Force); err != nil {
		return nil, err
	}
	return s.applyChecked(ctx, call, dep, p, commit, opts)
}

// applyChecked applies a plan every guard let through (at commit), waits for health and
// records the sync as opts.Kind; with opts.Prune (or the deployment's prune: true) it deletes
// the plan's orphans after a healthy apply. The caller holds the deployment's lock.
func (s *Service) applyChecked(ctx context.Context, call Call, dep config.Deployment, p *Preview, commit string, opts applyOpts) (*Applied, error) {
	log := zerolog.Ctx(ctx)
	start := time.Now()
	if call.Record != nil {
		call.Record.NoteApplying(ctx, dep.Name, commit)
	}
	ev := applyNotification(NotifyApplying, call, dep, p, commit, opts) // notify.go
	s.notify(ctx, ev)
	res, err := s.Planner.Apply(ctx, p.Plan, sync.ApplyOptions{Wait: s.ApplyWait, Prune: prunes(dep, opts.Prune), HookTimeout: s.HookTimeout})
	if stopped := s.interrupted(ctx, dep.Name, commit, opts.Kind, res, err); stopped != nil {
		s.notifyApplyDone(ctx, ev, nil, stopped)
		return nil, stopped
	}
	if err != nil {
		err = fmt.Errorf("failed to apply %s at %s: %w", dep.Name, shortCommit(commit), err)
		s.notifyApplyDone(ctx, ev, nil, err)
		return nil, err
	}
	s.notifyApplyDone(ctx, ev, res, nil)
	s.observeApply(dep.Name, start, res.Status, res.Finished)
	out := &Applied{Plan: p.Plan, Target: p.Target, Result: res,
		LastSync: config.LastSync{Commit: commit, Time: res.Finished.UTC().Truncate(time.Second), Status: res.Status, Message: ResultMessage(res), Kind: opts.Kind}}
	record := func(keep int) error {
		_, err := s.Registry.Update(ctx, func(src *config.Sources) error { return src.SetLastSyncKeeping(dep.Name, out.LastSync, keep) })
		return err
	}
	err = record(s.syncHistory())
	if full := (*config.RegistryFull)(nil); errors.As(err, &full) && s.syncHistory() > 1 {
		// The apply happened: its record is not lost to a full registry while this
		// deployment's own older history can make room (issue 14).
		log.Warn().Err(err).Msg("the registry is full: recording the sync with one earlier sync kept for this deployment")
		err = record(1)
	}
	if err != nil {
		log.Error().Err(err).Msg("failed to record the sync")
		out.RecordErr = fmt.Errorf("failed to record the sync in %s: %w", config.SourcesConfigMap, err)
	}
	return out, nil
}

// guardApply refuses to apply a plan that breaks the policy (*Policy), or (without force)
// that takes objects from another reconciler (*Reconciler).
func (s *Service) guardApply(plan *sync.Plan, force bool) error {
	if len(plan.Violating()) > 0 {
		return s.policyRefusal(plan)
	}
	if !force && len(plan.Reconciled()) > 0 {
		return &Reconciler{Plan: plan}
	}
	return nil
}

func (s *Service) policyRefusal(plan *sync.Plan) error {
	ns := ""
	if s.Registry != nil {
		ns = s.Registry.Namespace()
	}
	return &Policy{Plan: plan, Namespace: ns}
}

// ResultMessage is the one-line summary of an apply kept in the registry.
func ResultMessage(res *sync.Result) string {
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
	return fmt.Sprintf("%d created, %d changed, %d unchanged, %d failed", created, updated, unchanged, failed) + prunedNote(res) + hooksNote(res)
}
