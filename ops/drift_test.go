package ops

import (
	"context"
	"errors"
	gosync "sync"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/gitsrc"
	"github.com/rigel-gitops/rigel/sync"
)

// driftObserver records what drift checks told the metric.
type driftObserver struct {
	mu      gosync.Mutex
	drifted map[string]bool
}

func (o *driftObserver) Diffed(string, time.Duration)                     {}
func (o *driftObserver) Applied(string, time.Duration, string, time.Time) {}
func (o *driftObserver) Forgot(string)                                    {}
func (o *driftObserver) Drifted(deployment string, drifted bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.drifted == nil {
		o.drifted = map[string]bool{}
	}
	o.drifted[deployment] = drifted
}

// driftEnv is planEnv with web applied at commit synced of main, and main moved on since.
func driftEnv(t *testing.T, files map[string]string) (*planEnv, string, *driftObserver) {
	t.Helper()
	e := newPlanEnv(t, files)
	synced := e.main
	e.main = e.src.commit("refs/heads/main", map[string]string{"app/cm.yaml": cmIn("later", "shop")})
	obs := &driftObserver{}
	e.svc.Observer = obs
	e.dep.LastSync = &config.LastSync{Commit: synced, Status: sync.StatusSucceeded, Time: time.Now()}
	return e, synced, obs
}

func unchanged(c *sync.Change) { c.Action = sync.ActionUnchanged }

// TestDrift: a re-preview of the last synced commit tells drift (creates and updates a new
// apply would make) from a cluster in sync, and a problem of the commit (render, policy, the
// apiserver refusing an object) from drift; nothing is ever applied.
func TestDrift(t *testing.T) {
	twoCMs := map[string]string{"app/a.yaml": cmIn("a", "shop"), "app/b.yaml": cmIn("b", "shop")}
	tests := []struct {
		name    string
		files   map[string]string
		changes map[string]func(*sync.Change)
		status  string // of the last sync; "": Succeeded
		want    DriftReport
		refusal bool // Drift's error is a refusal
	}{
		{name: "in sync", files: twoCMs, changes: map[string]func(*sync.Change){"a": unchanged, "b": unchanged},
			want: DriftReport{State: DriftInSync}},
		{name: "edited by hand", files: twoCMs, changes: map[string]func(*sync.Change){"a": unchanged, "b": func(c *sync.Change) { c.Action = sync.ActionUpdate }},
			want: DriftReport{State: DriftDrifted, Update: 1}},
		{name: "deleted by hand", files: twoCMs, changes: map[string]func(*sync.Change){"a": unchanged},
			want: DriftReport{State: DriftDrifted, Create: 1}},
		{name: "unhealthy sync is checked too", files: twoCMs, status: sync.StatusUnhealthy, changes: map[string]func(*sync.Change){"a": unchanged},
			want: DriftReport{State: DriftDrifted, Create: 1}},
		{name: "policy refuses an object now", files: map[string]string{"app/a.yaml": cmIn("a", "shop"), "app/s.yaml": cmIn("s", "kube-system")},
			changes: map[string]func(*sync.Change){"a": unchanged},
			want:    DriftReport{State: DriftPolicy, Refused: 1}},
		{name: "apiserver refuses an object", files: twoCMs, changes: map[string]func(*sync.Change){"a": unchanged, "b": func(c *sync.Change) { c.Action = sync.ActionError }},
			want: DriftReport{State: DriftRejected, Rejected: 1}},
		{name: "commit does not render", files: map[string]string{"app/a.yaml": "kind: [\n"},
			want: DriftReport{State: DriftRender}, refusal: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, synced, obs := driftEnv(t, tc.files)
			e.pl.changes = tc.changes
			if tc.status != "" {
				e.dep.LastSync.Status = tc.status
			}
			r, err := e.svc.Drift(context.Background(), Origin{Repo: "acme/web"}, config.Repo{Repo: "acme/web", Branch: "main"}, e.dep)
			if tc.refusal != IsRefusal(err) || (!tc.refusal && err != nil) {
				t.Fatalf("err = %v, want a refusal: %v", err, tc.refusal)
			}
			if r == nil || r.State != tc.want.State || r.Create != tc.want.Create || r.Update != tc.want.Update ||
				r.Refused != tc.want.Refused || r.Rejected != tc.want.Rejected {
				t.Fatalf("report = %+v, want %+v", r, tc.want)
			}
			if r.Deployment != "web" || r.Repo != "acme/web" || r.Commit != synced || r.CheckedAt.IsZero() {
				t.Errorf("report names %s of %s at %s (checked %v), want web of acme/web at %s", r.Deployment, r.Repo, r.Commit, r.CheckedAt, synced)
			}
			if (r.Problem != nil) != (tc.want.State == DriftRender) {
				t.Errorf("problem = %v", r.Problem)
			}
			if tc.want.State != DriftRender && (r.Plan == nil || r.Plan.Commit != synced) {
				t.Errorf("plan = %+v, want one of %s", r.Plan, synced)
			}
			if got := e.src.fetches[len(e.src.fetches)-1]; got.Commit != synced || got.Ref != "refs/heads/main" {
				t.Errorf("fetched %s@%s, want the last synced commit %s of main, not its tip", got.Ref, got.Commit, synced)
			}
			if len(e.pl.applied) != 0 {
				t.Errorf("drift detection applied %d plans", len(e.pl.applied))
			}
			if got, told := obs.drifted["web"]; !told || got != r.Drifted() {
				t.Errorf("metric told %v (%v), want %v", got, told, r.Drifted())
			}
		})
	}
}

// TestDriftNotApplied: a deployment never synced, or whose last sync failed, has no commit
// to compare the cluster with: refused, nothing fetched.
func TestDriftNotApplied(t *testing.T) {
	for name, ls := range map[string]*config.LastSync{
		"never synced": nil,
		"sync failed":  {Commit: "abc", Status: sync.StatusFailed},
		"no commit":    {Status: sync.StatusSucceeded},
	} {
		t.Run(name, func(t *testing.T) {
			e := newPlanEnv(t, nil)
			e.dep.LastSync = ls
			r, err := e.svc.Drift(context.Background(), Origin{Repo: "acme/web"}, config.Repo{Repo: "acme/web", Branch: "main"}, e.dep)
			var na *NotApplied
			if r != nil || !errors.As(err, &na) || !IsRefusal(err) || na.Deployment != "web" {
				t.Fatalf("Drift = %+v, %v; want *NotApplied", r, err)
			}
			if len(e.src.fetches) != 0 {
				t.Errorf("fetched %v", e.src.fetches)
			}
		})
	}
}

// TestDriftFetchFails: a commit git cannot bring is a failure (DriftFailed), not drift.
func TestDriftFetchFails(t *testing.T) {
	e, _, obs := driftEnv(t, nil)
	e.dep.LastSync.Commit = "0123456789012345678901234567890123456789"
	r, err := e.svc.Drift(context.Background(), Origin{Repo: "acme/web"}, config.Repo{Repo: "acme/web", Branch: "main"}, e.dep)
	var missing *gitsrc.CommitMissingError
	if err == nil || IsRefusal(err) || !errors.As(err, &missing) || r == nil || r.State != DriftFailed || r.Drifted() {
		t.Fatalf("Drift = %+v, %v; want DriftFailed with the fetch's error", r, err)
	}
	if obs.drifted["web"] {
		t.Error("a failed check set the metric to drifted")
	}
}
