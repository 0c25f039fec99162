package sync

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLimiterBoundsAndCounts(t *testing.T) {
	l := NewLimiter(2)
	release := make(chan struct{})
	var started gosync.WaitGroup
	var done gosync.WaitGroup
	var now, most atomic.Int64
	for i := 0; i < 5; i++ {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			_ = l.Do(context.Background(), func() {
				n := now.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				<-release
				now.Add(-1)
			})
		}()
	}
	started.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for (l.InFlight() != 2 || l.Waiting() != 3) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if l.InFlight() != 2 || l.Waiting() != 3 {
		t.Fatalf("in flight %d, waiting %d; want 2 and 3", l.InFlight(), l.Waiting())
	}
	// One more, whose context ends while it waits: it gives up, and f never runs.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	ran := false
	if err := l.Do(ctx, func() { ran = true }); !errors.Is(err, context.DeadlineExceeded) || ran {
		t.Fatalf("Do with an ended context = %v (ran %v), want DeadlineExceeded and not run", err, ran)
	}
	close(release)
	done.Wait()
	if most.Load() != 2 {
		t.Errorf("at most %d at once, want 2", most.Load())
	}
	if l.InFlight() != 0 || l.Waiting() != 0 {
		t.Errorf("after all: in flight %d, waiting %d; want 0 and 0", l.InFlight(), l.Waiting())
	}
	var none *Limiter
	if err := none.Do(context.Background(), func() { ran = true }); err != nil || !ran || none.Size() != 0 {
		t.Errorf("a nil Limiter: err %v, ran %v, size %d; want it to run f and bound nothing", err, ran, none.Size())
	}
}

// TestLimiterAcrossDiffs: two previews running at once, each allowed 32 requests in flight
// (Engine.Concurrency), on Engines sharing one Limiter of 4 — as two `/rigel diff --all` of
// the bot do — never have more than 4 requests in flight at the apiserver together, counted at
// the HTTP transport. Without the Limiter the same two previews go past 4 (the count can fail).
func TestLimiterAcrossDiffs(t *testing.T) {
	ctx := testCtx(t)
	ns := newNamespace(t, "limiter")
	counting, counter := countingEngine(t, "", 32)
	kc := counting.Kube
	docs := func(prefix string) []Object {
		var ds []string
		for i := 0; i < 40; i++ {
			ds = append(ds, fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s-%02d\n  namespace: %s\ndata:\n  i: %q\n", prefix, i, ns, fmt.Sprint(i)))
		}
		return objs(t, prefix+".yaml", ds...)
	}
	a, b := docs("a"), docs("b")
	both := func(limiter *Limiter) int64 {
		t.Helper()
		counter.most.Store(0)
		var g gosync.WaitGroup
		errs := make([]error, 2)
		for i, o := range [][]Object{a, b} {
			g.Add(1)
			go func() {
				defer g.Done()
				e := &Engine{Kube: kc, Concurrency: 32, Limiter: limiter}
				var p *Plan
				p, errs[i] = e.Diff(ctx, o, Provenance{Deployment: fmt.Sprint("d", i), Path: "p", Commit: "c"})
				if errs[i] == nil && len(p.Changes) != 40 {
					errs[i] = fmt.Errorf("%d changes, want 40", len(p.Changes))
				}
			}()
		}
		g.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		return counter.most.Load()
	}
	// warm discovery, so that both runs below count only the previews' requests
	if _, err := (&Engine{Kube: kc}).Diff(ctx, a[:1], Provenance{Deployment: "warm", Path: "p", Commit: "c"}); err != nil {
		t.Fatal(err)
	}
	limiter := NewLimiter(4)
	most := both(limiter)
	t.Logf("with a shared Limiter of 4: at most %d in flight", most)
	if most > 4 || most < 2 {
		t.Errorf("with a shared Limiter of 4: at most %d requests in flight at once, want 2…4", most)
	}
	if limiter.InFlight() != 0 || limiter.Waiting() != 0 {
		t.Errorf("after the previews: %d in flight, %d waiting; want 0", limiter.InFlight(), limiter.Waiting())
	}
	most = both(nil)
	t.Logf("without a Limiter: at most %d in flight", most)
	if most <= 4 {
		t.Errorf("without a Limiter: at most %d requests in flight at once; the test needs more than 4 to show the bound", most)
	}
}
