package kube

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var leaseSeq int

// replicas returns Leases for each identity in a fresh namespace, with durations of 1 s.
func replicas(t *testing.T, ctx context.Context, identities ...string) []*Leases {
	t.Helper()
	leaseSeq++
	ns := fmt.Sprintf("leases-%d", leaseSeq)
	newNamespace(t, ctx, ns)
	out := make([]*Leases, len(identities))
	for i, id := range identities {
		out[i] = &Leases{Client: testClient.Typed, Namespace: ns, Identity: id, Duration: time.Second, RenewEvery: 200 * time.Millisecond}
	}
	return out
}

func TestLeaseAcquireAndContend(t *testing.T) {
	ctx := testCtx(t)
	r := replicas(t, ctx, "a", "b")
	held, err := r[0].Acquire(ctx, "rigel-deploy-web", map[string]string{"kind": "deploy"}, map[string]string{"command": "/rigel apply web"})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release(ctx)

	tests := []struct {
		name   string
		leases *Leases
	}{
		{"another replica is refused", r[1]},
		{"the holder itself is refused too: a lease is not re-entrant", r[0]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.leases.Acquire(ctx, "rigel-deploy-web", nil, nil)
			var he *HeldError
			if !errors.As(err, &he) {
				t.Fatalf("Acquire = %v, want a *HeldError", err)
			}
			if he.Lease.Holder != "a" || he.Lease.Annotations["command"] != "/rigel apply web" || he.Lease.Acquired.IsZero() {
				t.Fatalf("the refusal does not say who holds it and why: %+v", he.Lease)
			}
		})
	}
	t.Run("of many at once, one wins", func(t *testing.T) {
		many := replicas(t, ctx, "p", "q", "r", "s", "t")
		var wg gosync.WaitGroup
		wins := make(chan *Held, len(many))
		for _, l := range many {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h, err := l.Acquire(ctx, "contended", nil, nil)
				var he *HeldError
				switch {
				case err == nil:
					wins <- h
				case !errors.As(err, &he):
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		close(wins)
		n := 0
		for h := range wins {
			n++
			_ = h.Release(ctx)
		}
		if n != 1 {
			t.Fatalf("%d replicas hold the lease, want 1", n)
		}
	})
}

func TestLeaseRenewKeepsItHeld(t *testing.T) {
	ctx := testCtx(t)
	r := replicas(t, ctx, "a", "b")
	held, err := r[0].Acquire(ctx, "renewed", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release(ctx)
	first := held.Info().Renewed
	time.Sleep(2500 * time.Millisecond) // well past the 1 s duration: only renewal keeps it
	info, err := r[1].Get(ctx, "renewed")
	if err != nil {
		t.Fatal(err)
	}
	if !info.Renewed.After(first) || info.Expired(time.Now()) {
		t.Fatalf("the lease was not renewed: first %s, now %+v", first, info)
	}
	var he *HeldError
	if _, err := r[1].Acquire(ctx, "renewed", nil, nil); !errors.As(err, &he) {
		t.Fatalf("a renewed lease was taken over: %v", err)
	}
	if err := held.Annotate(map[string]string{"phase": "applying"}); err != nil {
		t.Fatal(err)
	}
	if info, _ := r[1].Get(ctx, "renewed"); info.Annotations["phase"] != "applying" {
		t.Fatalf("annotations = %v, want phase=applying", info.Annotations)
	}
	if held.Err() != nil {
		t.Fatalf("a renewed lease says it is lost: %v", held.Err())
	}
}

func TestLeaseRelease(t *testing.T) {
	ctx := testCtx(t)
	r := replicas(t, ctx, "a", "b")
	held, err := r[0].Acquire(ctx, "released", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := held.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r[0].Get(ctx, "released"); !apierrors.IsNotFound(err) {
		t.Fatalf("a released lease is still there: %v", err)
	}
	again, err := r[1].Acquire(ctx, "released", nil, nil)
	if err != nil {
		t.Fatalf("a released lease cannot be taken at once: %v", err)
	}
	if err := again.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := held.Release(ctx); err != nil {
		t.Fatalf("a second release failed: %v", err)
	}
}

func TestLeaseExpiryTakeover(t *testing.T) {
	ctx := testCtx(t)
	r := replicas(t, ctx, "dead", "b")
	held, err := r[0].Acquire(ctx, "orphan", nil, map[string]string{"command": "/rigel apply web"})
	if err != nil {
		t.Fatal(err)
	}
	held.Abandon() // the replica dies: no renewal, no release
	var he *HeldError
	if _, err := r[1].Acquire(ctx, "orphan", nil, nil); !errors.As(err, &he) {
		t.Fatalf("a fresh lease of a dead replica was taken before it expired: %v", err)
	}
	time.Sleep(1500 * time.Millisecond)
	taken, err := r[1].Acquire(ctx, "orphan", nil, map[string]string{"command": "/rigel apply web --again"})
	if err != nil {
		t.Fatalf("an expired lease was not taken over: %v", err)
	}
	defer taken.Release(ctx)
	info := taken.Info()
	if info.Holder != "b" || info.Annotations["command"] != "/rigel apply web --again" {
		t.Fatalf("after the takeover the lease says %+v", info)
	}
	t.Run("the old holder learns it lost the lease and its release leaves it alone", func(t *testing.T) {
		if err := held.Release(ctx); err != nil {
			t.Fatal(err)
		}
		if info, err := r[1].Get(ctx, "orphan"); err != nil || info.Holder != "b" {
			t.Fatalf("the old holder's release removed the new holder's lease: %+v %v", info, err)
		}
	})
}

func TestLeaseLostWhenTakenOver(t *testing.T) {
	ctx := testCtx(t)
	r := replicas(t, ctx, "slow", "b")
	// "slow" renews less often than its lease lasts, so it lapses between renewals.
	r[0].RenewEvery = 3 * time.Second
	held, err := r[0].Acquire(ctx, "lapsed", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release(ctx)
	time.Sleep(1500 * time.Millisecond)
	taken, err := r[1].Acquire(ctx, "lapsed", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Release(ctx)
	select {
	case <-held.Lost():
		if !errors.Is(held.Err(), ErrLeaseLost) {
			t.Fatalf("Err = %v, want ErrLeaseLost", held.Err())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the holder did not notice that its lease was taken over")
	}
}

func TestLeaseTakeOverOnce(t *testing.T) {
	ctx := testCtx(t)
	r := replicas(t, ctx, "dead", "s1", "s2", "s3")
	held, err := r[0].Acquire(ctx, "record", map[string]string{"rigel.dev/record": "command"}, map[string]string{"repo": "acme/shop"})
	if err != nil {
		t.Fatal(err)
	}
	held.Abandon()
	other, err := r[0].Acquire(ctx, "unrelated", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Release(ctx)
	list, err := r[1].List(ctx, "rigel.dev/record=command")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Name != "record" {
		t.Fatalf("List = %+v, want the one record", list)
	}
	var he *HeldError
	if _, err := r[1].TakeOver(ctx, list[0], nil); !errors.As(err, &he) {
		t.Fatalf("a lease that has not expired was taken over: %v", err)
	}
	time.Sleep(1500 * time.Millisecond)
	list, err = r[1].List(ctx, "rigel.dev/record=command")
	if err != nil {
		t.Fatal(err)
	}
	var wg gosync.WaitGroup
	wins := make(chan *Held, 3)
	for _, l := range r[1:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, err := l.TakeOver(ctx, list[0], map[string]string{"last-seen": "then"})
			var lost *HeldError
			switch {
			case err == nil:
				wins <- h
			case !errors.As(err, &lost):
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	close(wins)
	n := 0
	for h := range wins {
		n++
		info := h.Info()
		if info.Annotations["repo"] != "acme/shop" || info.Annotations["last-seen"] != "then" || info.Labels["rigel.dev/record"] != "command" {
			t.Errorf("the takeover dropped what the lease said: %+v", info)
		}
		if err := h.Release(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n != 1 {
		t.Fatalf("%d sweepers took the record over, want 1", n)
	}
	if _, err := testClient.Typed.CoordinationV1().Leases(r[0].Namespace).Get(ctx, "record", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the record is still there after its release: %v", err)
	}
}
