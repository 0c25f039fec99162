package ops

import (
	"context"
	"fmt"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// Drift (issue 12): a change a new apply of a deployment's last synced commit would make to
// the cluster — someone edited or deleted an applied object by hand. Drift detection
// re-previews; it never applies.

// The states of a drift check (DriftReport.State).
const (
	DriftInSync   = "in-sync"       // a new apply would change nothing
	DriftDrifted  = "drifted"       // a new apply would create or update objects
	DriftRender   = "render-failed" // the last synced commit no longer renders (a problem, not drift)
	DriftPolicy   = "policy"        // the policy now refuses objects of it (a problem, not drift)
	DriftRejected = "rejected"      // the apiserver refuses objects in dry-run (a problem, not drift)
	DriftFailed   = "failed"        // the check itself failed (git, the cluster): nothing is known
)

// DriftReport is what re-previewing one applied deployment at its last synced commit found.
type DriftReport struct {
	Deployment string
	Repo       string
	Commit     string    // the last synced commit, re-previewed
	CheckedAt  time.Time // when the check finished
	State      string    // DriftInSync, DriftDrifted, DriftRender, DriftPolicy, DriftRejected, DriftFailed, DriftSkipped
	// Create and Update count the objects a new apply would create and update.
	Create, Update int
	// Refused counts the objects the policy refuses, Rejected those the apiserver refuses.
	Refused, Rejected int
	// Problem says why the state is not DriftInSync or DriftDrifted (a *RenderFailed, the
	// failure); nil otherwise.
	Problem error
	// Plan is the preview made (nil when it could not be made): its Changes show the drift.
	Plan *sync.Plan
	// Applying is the apply that was running, for State DriftSkipped (drift_lock.go); its
	// fields come from a Lease: quote them where shown.
	Applying *Held
	// Previous is the last report that checked, for State DriftSkipped (nil when none).
	Previous *DriftReport
}

// Drifted says a new apply would change the cluster.
func (r *DriftReport) Drifted() bool { return r.State == DriftDrifted }

// NotApplied refuses a drift check of a deployment that was never applied successfully:
// there is no commit to compare the cluster with.
type NotApplied struct{ Deployment string }

func (e *NotApplied) Error() string {
	return fmt.Sprintf("deployment %s has no successful sync to compare the cluster with", e.Deployment)
}

// Refused marks NotApplied as a refusal.
func (e *NotApplied) Refused() {}

// DriftObserver learns drift checks' results, for the metric rigel_deployment_drift
// (metrics.Metrics implements it); a Service.Observer that implements it is told.
type DriftObserver interface {
	Drifted(deployment string, drifted bool)
}

// DriftCheckable says whether dep has a sync to check for drift: its last sync applied a commit
// (Succeeded or Unhealthy: the objects were applied; Failed may have applied part of them).
func DriftCheckable(dep config.Deployment) bool {
	ls := dep.LastSync
	return ls != nil && ls.Commit != "" && ls.Status != sync.StatusFailed
}

// Drift re-previews dep of repo (cloned through o) at its last synced commit and tells what a
// new apply would change. Nothing is applied and no lock is taken. A commit that no longer
// renders, objects the policy or the apiserver refuse are reported as such (a problem to
// fix), never as drift; a fetch or diff that fails is DriftFailed with the error returned too.
func (s *Service) Drift(ctx context.Context, o Origin, repo config.Repo, dep config.Deployment) (*DriftReport, error) {
	r, err := s.driftIn(ctx, o, repo, dep, nil)
	if r != nil {
		s.observeDrift(dep.Name, r.Drifted())
	}
	return r, err
}

// driftIn is Drift within a sweep whose previews share their reads (sw, nil: none).
func (s *Service) driftIn(ctx context.Context, o Origin, repo config.Repo, dep config.Deployment, sw *sync.Sweep) (*DriftReport, error) {
	if !DriftCheckable(dep) {
		return nil, &NotApplied{Deployment: dep.Name}
	}
	commit := dep.LastSync.Commit
	r := &DriftReport{Deployment: dep.Name, Repo: repo.Repo, Commit: commit}
	p, err := s.planIn(ctx, o, dep, BranchTarget(repo.Branch).At(commit), sw)
	r.CheckedAt = time.Now()
	switch {
	case IsRefusal(err): // a *RenderFailed
		r.State, r.Problem = DriftRender, err
	case err != nil:
		r.State, r.Problem = DriftFailed, err
	}
	if err != nil {
		return r, err
	}
	r.Plan = p.Plan
	for _, c := range p.Plan.Changes {
		switch {
		case len(c.Violations) > 0:
			r.Refused++
		case c.Action == sync.ActionCreate:
			r.Create++
		case c.Action == sync.ActionUpdate:
			r.Update++
		case c.Action == sync.ActionError:
			r.Rejected++
		}
	}
	switch {
	case r.Refused > 0:
		r.State = DriftPolicy
	case r.Rejected > 0:
		r.State = DriftRejected
	case r.Create+r.Update > 0:
		r.State = DriftDrifted
	default:
		r.State = DriftInSync
	}
	return r, nil // the caller tells the metric, once what it shows is decided (Drift, sweepOne)
}

func (s *Service) observeDrift(deployment string, drifted bool) {
	if o, ok := s.Observer.(DriftObserver); ok {
		o.Drifted(deployment, drifted)
	}
}
