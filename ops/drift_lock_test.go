package ops

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// The fake locker looks at its locks as replica.Leases does (ApplyLooker).
func (l *fakeLocker) RunningApplies(context.Context) (map[string]*Held, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]*Held{}
	for dep, h := range l.held {
		out[dep] = &Held{Deployment: dep, Command: h.Command, Replica: "rigel-1", Since: time.Now()}
	}
	return out, nil
}

func (l *fakeLocker) ApplyRunning(ctx context.Context, deployment string) (*Held, error) {
	running, _ := l.RunningApplies(ctx)
	return running[deployment], nil
}

var _ ApplyLooker = (*fakeLocker)(nil)

// TestSweepDriftSkipsRunningApplies: a deployment whose apply lock is held when the sweep
// starts is not checked (no diff), and one whose lock is taken during its check is not
// reported drifted: the board says "skipped" with the apply and the last real report, the
// metric keeps what that report said, the tracking issue (Each) is not told, and the
// next sweep, once the lock is released, checks it again. Nothing takes the lock.
func TestSweepDriftSkipsRunningApplies(t *testing.T) {
	ctx := context.Background()
	e := newPlanEnv(t, nil)
	obs := &driftObserver{}
	e.svc.Observer = obs
	if _, err := e.svc.Registry.Update(ctx, func(s *config.Sources) error {
		return s.SetLastSync("web", config.LastSync{Commit: e.main, Status: sync.StatusSucceeded, Time: time.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	e.pl.changes = map[string]func(*sync.Change){"a": unchanged}
	board := &DriftBoard{}
	var each, diffs atomic.Int32
	ap := &applyingPlanner{fakePlanner: e.pl}
	e.svc.Planner = &countingDiffs{Planner: ap, n: &diffs}
	sw := DriftSweep{
		Origin: func(_ context.Context, r config.Repo) (Origin, error) { return Origin{Repo: r.Repo}, nil },
		Board:  board,
		Each:   func(context.Context, config.Repo, config.Deployment, *DriftReport) { each.Add(1) },
	}
	sweep := func() *DriftReport {
		t.Helper()
		if _, err := e.svc.SweepDrift(ctx, sw); err != nil {
			t.Fatal(err)
		}
		return board.Get("web")
	}
	if r := sweep(); r == nil || r.State != DriftInSync || each.Load() != 1 {
		t.Fatalf("first sweep: %+v, Each %d; want in sync, told", r, each.Load())
	}

	// An apply holds the lock as the sweep starts.
	_, release, err := e.lk.LockDeployment(ctx, "web", Holder{Command: "/rigel apply web"})
	if err != nil {
		t.Fatal(err)
	}
	before := diffs.Load()
	r := sweep()
	if r == nil || r.State != DriftSkipped || r.Applying == nil || r.Applying.Command != "/rigel apply web" || r.Previous == nil || r.Previous.State != DriftInSync {
		t.Fatalf("sweep during an apply: %+v; want skipped, naming the apply and the last check", r)
	}
	if diffs.Load() != before || each.Load() != 1 {
		t.Errorf("sweep during an apply: %d diffs, Each told %d times; want none", diffs.Load()-before, each.Load()-1)
	}
	release()

	// The lock is taken while web is re-previewed, and the cluster changes (every object a
	// create): not drift of the old commit.
	e.pl.changes = map[string]func(*sync.Change){}
	var rel func()
	ap.during = func() {
		_, rel, err = e.lk.LockDeployment(ctx, "web", Holder{Command: "/rigel apply web"})
		if err != nil {
			t.Error(err)
		}
	}
	if r := sweep(); r == nil || r.State != DriftSkipped || r.Previous == nil || r.Previous.State != DriftInSync || obs.drifted["web"] || each.Load() != 1 {
		t.Fatalf("apply started during the check: %+v, metric %v, Each %d; want skipped, metric 0, Each not told", r, obs.drifted["web"], each.Load())
	}
	rel()
	ap.during = nil
	if r := sweep(); r == nil || r.State != DriftDrifted || !obs.drifted["web"] || each.Load() != 2 {
		t.Fatalf("no apply running: %+v, metric %v; want drifted", r, obs.drifted["web"])
	}
	if len(e.lk.held) != 0 {
		t.Errorf("locks left held: %v", e.lk.held)
	}
}

// countingDiffs counts the diffs of a Planner.
type countingDiffs struct {
	Planner
	n *atomic.Int32
}

func (p *countingDiffs) DiffWith(ctx context.Context, objs []sync.Object, prov sync.Provenance, opts sync.DiffOptions) (*sync.Plan, error) {
	p.n.Add(1)
	return p.Planner.DiffWith(ctx, objs, prov, opts)
}
