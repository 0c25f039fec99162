package ops

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// countingPlanner is a fakePlanner that records the most diffs it had in flight at once.
type countingPlanner struct {
	*fakePlanner
	now, most atomic.Int32
}

func (p *countingPlanner) DiffWith(ctx context.Context, objs []sync.Object, prov sync.Provenance, opts sync.DiffOptions) (*sync.Plan, error) {
	n := p.now.Add(1)
	defer p.now.Add(-1)
	for {
		m := p.most.Load()
		if n <= m || p.most.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(5 * time.Millisecond)
	return p.fakePlanner.DiffWith(ctx, objs, prov, opts)
}

// TestSweepDrift: the sweep checks every applied deployment (never one not applied), at most
// Workers at once, keeps each report on the board, tells Each, and forgets on the board a
// deployment no longer registered.
func TestSweepDrift(t *testing.T) {
	ctx := context.Background()
	e := newPlanEnv(t, map[string]string{"app/cm.yaml": cmIn("a", "shop")})
	cp := &countingPlanner{fakePlanner: e.pl}
	e.svc.Planner = cp
	obs := &driftObserver{}
	e.svc.Observer = obs
	applied := []string{"web"}
	for _, name := range []string{"api", "db", "cache", "queue", "front"} {
		e.register(t, "acme/"+name, config.Deployment{Name: name, Path: "app"})
		applied = append(applied, name)
	}
	e.register(t, "acme/never", config.Deployment{Name: "never", Path: "app"})
	if _, err := e.svc.Registry.Update(ctx, func(s *config.Sources) error {
		for _, name := range applied {
			if err := s.SetLastSync(name, config.LastSync{Commit: e.main, Status: sync.StatusSucceeded, Time: time.Now()}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	e.pl.changes = map[string]func(*sync.Change){"a": unchanged}
	board := &DriftBoard{}
	board.Put(&DriftReport{Deployment: "gone", State: DriftDrifted})
	var each atomic.Int32
	sw := DriftSweep{
		Origin:  func(_ context.Context, r config.Repo) (Origin, error) { return Origin{Repo: r.Repo}, nil },
		Workers: 2,
		Board:   board,
		Each:    func(context.Context, config.Repo, config.Deployment, *DriftReport) { each.Add(1) },
	}
	reports, err := e.svc.SweepDrift(ctx, sw)
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) != len(applied) || int(each.Load()) != len(applied) {
		t.Fatalf("%d reports, Each told %d times; want %d", len(reports), each.Load(), len(applied))
	}
	all := board.All()
	if len(all) != len(applied) || all["never"] != nil || all["gone"] != nil {
		t.Fatalf("board = %v; want the %d applied deployments only", all, len(applied))
	}
	for _, name := range applied {
		if r := all[name]; r == nil || r.State != DriftInSync {
			t.Errorf("%s: %+v, want in sync", name, r)
		}
	}
	if most := cp.most.Load(); most > 2 || most < 1 {
		t.Errorf("%d diffs in flight at once, want at most the 2 workers", most)
	}
	if told, ok := obs.drifted["gone"]; !ok || told {
		t.Errorf("the forgotten deployment's metric: %v %v, want set to false", told, ok)
	}

	// A hand edit of web: the next sweep reports it, and only it.
	e.pl.changes["a"] = func(c *sync.Change) {
		if c.Ref.Name == "a" {
			c.Action = sync.ActionUpdate
		}
	}
	sw.Workers = 1
	if _, err := e.svc.SweepDrift(ctx, sw); err != nil {
		t.Fatal(err)
	}
	if r := board.Get("web"); r == nil || !r.Drifted() || r.Update != 1 || !obs.drifted["web"] {
		t.Fatalf("web after a hand edit: %+v (metric %v), want drifted", r, obs.drifted["web"])
	}
	if len(e.pl.applied) != 0 {
		t.Errorf("the sweep applied %d plans", len(e.pl.applied))
	}
}

// TestStopDrift: a replica that stops leading forgets its reports and sets their metric to 0.
func TestStopDrift(t *testing.T) {
	svc, _, _, _ := newTestService(t)
	obs := &driftObserver{}
	svc.Observer = obs
	b := &DriftBoard{}
	b.Put(&DriftReport{Deployment: "web", State: DriftDrifted})
	obs.Drifted("web", true)
	svc.StopDrift(b)
	if len(b.All()) != 0 || obs.drifted["web"] {
		t.Fatalf("board %v, metric %v after stopping: want empty and 0", b.All(), obs.drifted["web"])
	}
	svc.StopDrift(nil) // drift detection off: nothing to do
}

// applyingPlanner is a fakePlanner whose diffs see an apply recorded meanwhile (during).
type applyingPlanner struct {
	*fakePlanner
	during func()
}

func (p *applyingPlanner) DiffWith(ctx context.Context, objs []sync.Object, prov sync.Provenance, opts sync.DiffOptions) (*sync.Plan, error) {
	if p.during != nil {
		p.during()
	}
	return p.fakePlanner.DiffWith(ctx, objs, prov, opts)
}

// TestSweepDriftAppliedMeanwhile: a check that compared the old commit with a cluster an
// apply changed during the check reports nothing (the next sweep checks the new commit).
func TestSweepDriftAppliedMeanwhile(t *testing.T) {
	ctx := context.Background()
	e := newPlanEnv(t, nil)
	obs := &driftObserver{}
	e.svc.Observer = obs
	setSync := func(at time.Time) {
		if _, err := e.svc.Registry.Update(ctx, func(s *config.Sources) error {
			return s.SetLastSync("web", config.LastSync{Commit: e.main, Status: sync.StatusSucceeded, Time: at})
		}); err != nil {
			t.Fatal(err)
		}
	}
	setSync(time.Now().Add(-time.Hour))
	ap := &applyingPlanner{fakePlanner: e.pl, during: func() { setSync(time.Now()) }} // every object is a create: drift
	e.svc.Planner = ap
	board := &DriftBoard{}
	sw := DriftSweep{Origin: func(_ context.Context, r config.Repo) (Origin, error) { return Origin{Repo: r.Repo}, nil }, Board: board}
	reports, err := e.svc.SweepDrift(ctx, sw)
	if err != nil || len(reports) != 0 || board.Get("web") != nil || obs.drifted["web"] {
		t.Fatalf("applied meanwhile: reports %v, err %v, board %v, metric %v; want nothing", reports, err, board.Get("web"), obs.drifted["web"])
	}
	ap.during = nil // no apply during the next check: the drift is real
	if reports, err := e.svc.SweepDrift(ctx, sw); err != nil || len(reports) != 1 || !board.Get("web").Drifted() || !obs.drifted["web"] {
		t.Fatalf("no apply meanwhile: reports %v, err %v; want web drifted", reports, err)
	}
}
