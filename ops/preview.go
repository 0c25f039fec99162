package ops

import (
	"context"
	"fmt"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/policy"
	"github.com/rigel-gitops/rigel/sync"
)

// Preview is a plan of a deployment, and the target it was made at. Its Plan's Commit and
// Digest (PlanID) are what Apply needs to apply exactly it.
type Preview struct {
	Plan   *sync.Plan
	Target Target // what was asked for (a branch, a PR head); Plan.Commit is the commit rendered
	// Hold is the pull request's hold on the deployment this sync took or kept (pull_holds.go);
	// nil outside a pull request, for a diff, or when the sync armed nothing.
	Hold *PullHold
	// Prunes: the deployment says prune: true, so every apply of it deletes the plan's orphans
	// (sync.Plan.Orphans); otherwise only an apply asked with prune does.
	Prunes bool

	// Rollback (issue 12, rollback.go): what a rollback preview goes back from and to; nil
	// for any other preview.
	Rollback *RollbackOf

	// Lookups (issue 13) are the templates of a chart deployment that call Helm's lookup,
	// which answers nothing in Rigel's render (sync.ChartLookups): a preview says so
	// (sync.LookupNote). Empty for any other folder.
	Lookups []string
}

// ID is the identity an apply of this preview gives.
func (p *Preview) ID() PlanID {
	return PlanID{Deployment: p.Plan.Deployment, Commit: p.Plan.Commit, Digest: p.Plan.Digest, Rollback: p.Rollback != nil}
}

// PlanID identifies a previewed plan: the deployment, the commit rendered and the digest of
// the plan. An apply applies only a fresh plan with this identity. A comment's hidden marker
// or the body of an HTTP request is its encoding.
type PlanID struct {
	Deployment string
	Commit     string // "": the tip of the target when applied
	Digest     string
	// Rollback (issue 12, rollback.go): the preview of a rollback, applied at Commit (which
	// must still be in the deployment's history) instead of the branch's tip, and recorded
	// as a rollback.
	Rollback bool
}

// PreviewRequest is what to preview besides the deployment.
type PreviewRequest struct {
	At   Target // the commit: a branch's tip, a pull request's head, an exact commit
	Verb string // what was asked ("diff", "sync"), for a refusal to name
	// Arm says the preview arms an apply (a sync): refused while another pull request holds
	// the deployment, and in a pull request it holds the deployment for it (pull_holds.go).
	Arm bool
}

// Origin is the repository of the call, cloned with its installation's credentials.
func (c Call) Origin() Origin {
	o := Origin{Repo: c.Repo.FullName(), CloneURL: c.Repo.CloneURL}
	if c.Forge != nil {
		o.Creds = c.Forge.GitCredentials
	}
	return o
}

// Preview renders dep at req.At of the call's repository and diffs it with the cluster. In a
// pull request from a fork, it first refuses (*ForkPreview) someone the settings do not let
// preview it, before anything is fetched. What the deployment's policy refuses is recorded on
// the plan and never sent to the cluster.
func (s *Service) Preview(ctx context.Context, call Call, dep config.Deployment, req PreviewRequest) (*Preview, error) {
	if err := s.checkForkPreview(ctx, call, req.Verb); err != nil {
		return nil, err
	}
	return s.previewAdmitted(ctx, call, dep, req)
}

// previewAdmitted is Preview once the fork gate let the call through (PreviewEach asks it
// once for all its deployments).
func (s *Service) previewAdmitted(ctx context.Context, call Call, dep config.Deployment, req PreviewRequest) (*Preview, error) {
	if !req.Arm {
		return s.plan(ctx, call.Origin(), dep, req.At)
	}
	return s.armedPreview(ctx, call, dep, req) // pull_holds.go
}

// plan renders and diffs one deployment of o at a target (or at an exact commit).
func (s *Service) plan(ctx context.Context, o Origin, dep config.Deployment, t Target) (*Preview, error) {
	return s.planIn(ctx, o, dep, t, nil)
}

// planIn is plan within a drift sweep (sw, nil: none), whose previews share their reads
// (sync.Sweep, drift_sweep.go).
func (s *Service) planIn(ctx context.Context, o Origin, dep config.Deployment, t Target, sw *sync.Sweep) (*Preview, error) {
	snap, err := s.Fetch(ctx, o, t)
	if err != nil {
		return nil, err
	}
	objs, err := s.render(ctx, snap, dep) // chart.go: a chart renders with the deployment's settings
	if err != nil {
		return nil, &RenderFailed{Folder: dep.Path, At: t, Commit: snap.Commit, Err: err}
	}
	start := time.Now()
	// The policy is checked on the rendered objects before anything reaches the apiserver:
	// what it refuses is neither dry-run nor read.
	plan, err := s.Planner.DiffWith(ctx, objs, sync.Provenance{Deployment: dep.Name, Path: dep.Path, Commit: snap.Commit},
		sync.DiffOptions{Refuse: refuseByPolicy(s.PolicyOf(dep)), KeepOrphan: keepByPolicy(s.PolicyOf(dep)), Sweep: sw,
			Namespace: releaseNamespace(snap, dep)}) // chart.go
	s.observeDiff(dep.Name, start)
	if f := inventoryForbidden(err); f != nil { // refusals_inventory.go
		return nil, f
	}
	if err != nil {
		return nil, fmt.Errorf("failed to diff %s at %s: %w", dep.Name, shortCommit(snap.Commit), err)
	}
	plan.Deployment, plan.Path, plan.Commit = dep.Name, dep.Path, snap.Commit
	s.checkPolicy(dep, plan)
	if err := s.markOwners(ctx, plan); err != nil {
		return nil, err
	}
	return &Preview{Plan: plan, Target: t, Prunes: dep.Prune, Lookups: sync.ChartLookups(snap, dep.Path)}, nil
}

// refuseByPolicy is the DiffOptions.Refuse of a policy.
func refuseByPolicy(pol config.Policy) func(sync.Change) []sync.Violation {
	return func(c sync.Change) []sync.Violation { return policy.Violations(pol, c) }
}

// shortCommit is the 7-character form of a commit, for errors and logs.
func shortCommit(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
