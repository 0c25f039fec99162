package app

import (
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
)

// TestDriftLoopSettings: RIGEL_DRIFT_INTERVAL 0 starts no loop; otherwise all the sweep's
// requests in flight share one bound, RIGEL_DIFF_CONCURRENCY (ops.DriftSweep.InFlight, which
// sync.Sweep enforces: TestSweepBoundsRequestsInFlight), no diff has more on its own, and the
// service gets the board list and the API read; the sweep's requests also pass the commands'
// one limiter (sync.Limiter, issue 14), so a sweep and commands together stay within the setting.
func TestDriftLoopSettings(t *testing.T) {
	if l := newDriftLoop(&config.Settings{DiffConcurrency: 32}, nil, &ops.Service{}, nil, nil); l != nil {
		t.Fatal("a drift loop with RIGEL_DRIFT_INTERVAL 0")
	}
	for _, conc := range []int{1, 2, 3, 4, 7, 32} {
		shared := sync.NewLimiter(conc) // the commands' one bound (apiserverLimiter), which the sweep shares
		svc := &ops.Service{Planner: &sync.Engine{Limiter: shared}}
		l := newDriftLoop(&config.Settings{DiffConcurrency: conc, DriftInterval: time.Minute}, nil, svc, nil, nil)
		per := l.svc.Planner.(*sync.Engine).Concurrency
		if l.sweep.Workers < 1 || per < 1 || per > conc || l.sweep.InFlight != conc {
			t.Errorf("RIGEL_DIFF_CONCURRENCY %d: %d workers, %d requests each, %d in flight in all", conc, l.sweep.Workers, per, l.sweep.InFlight)
		}
		if got := l.svc.Planner.(*sync.Engine).Limiter; got != shared {
			t.Errorf("RIGEL_DIFF_CONCURRENCY %d: the sweep's engine has limiter %p, want the commands' %p", conc, got, shared)
		}
		if svc.Drifts == nil || l.sweep.Board != svc.Drifts || l.svc.Drifts != svc.Drifts {
			t.Errorf("the sweep's board is not the service's")
		}
	}
}

// TestJitter: the drift interval varies by at most ±10%.
func TestJitter(t *testing.T) {
	seen := map[time.Duration]bool{}
	for range 1000 {
		d := jitter(10 * time.Minute)
		if d < 9*time.Minute || d > 11*time.Minute {
			t.Fatalf("jitter(10m) = %v", d)
		}
		seen[d] = true
	}
	if len(seen) < 100 {
		t.Fatalf("jitter(10m) took only %d values in 1000 draws", len(seen))
	}
}
