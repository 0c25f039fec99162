package replica

import (
	"context"
	"fmt"
	"os"
	gosync "sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/kube"
)

// The holds of pull requests against a real apiserver (started once, by the first test that
// needs it): create-if-absent and resourceVersion-checked deletes are the apiserver's.

var (
	realOnce    gosync.Once
	realCluster *testenv.Cluster
	realClient  kubernetes.Interface
	realErr     error
	realSeq     int
)

func TestMain(m *testing.M) {
	code := m.Run()
	if realCluster != nil {
		realCluster.Stop()
	}
	os.Exit(code)
}

// realLeases is the Leases of replica identity on a real apiserver, in a namespace of its own
// for each call with a new ns ("" : a fresh one).
func realLeases(t *testing.T, ns string, identity string) (*Leases, string) {
	t.Helper()
	realOnce.Do(func() {
		if realCluster, realErr = testenv.StartCluster(); realErr == nil {
			realClient, realErr = kubernetes.NewForConfig(realCluster.Config)
		}
	})
	if realErr != nil {
		t.Fatal(realErr)
	}
	if ns == "" {
		realSeq++
		ns = fmt.Sprintf("holds-%d", realSeq)
		if err := realCluster.CreateNamespace(ns); err != nil {
			t.Fatal(err)
		}
	}
	return New(&kube.Leases{Client: realClient, Namespace: ns, Identity: identity, Duration: time.Second}, testMarkerKey), ns
}

func holdCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestPullHoldLifecycle: a PR takes a hold; another PR gets the first's hold back and changes
// nothing; the hold is seen from another replica, survives as a Lease without renewal, is
// listed, and is given back only by its own PR (or broken by an operator).
func TestPullHoldLifecycle(t *testing.T) {
	ctx := holdCtx(t)
	a, ns := realLeases(t, "", "rigel-a")
	b, _ := realLeases(t, ns, "rigel-b") // another replica, same namespace
	since := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	one := PullHold{Deployment: "web", Repo: "acme/shop", Number: 1, Author: "alice", Since: since}

	got, err := a.TakePullHold(ctx, one)
	if err != nil || got != one {
		t.Fatalf("TakePullHold(#1) = %+v, %v; want the hold taken as given", got, err)
	}
	again, err := a.TakePullHold(ctx, PullHold{Deployment: "web", Repo: "acme/shop", Number: 1, Author: "bob"})
	if err != nil || again != one {
		t.Fatalf("re-taking by #1 = %+v, %v; want the first hold kept (%+v)", again, err, one)
	}
	two := PullHold{Deployment: "web", Repo: "acme/shop", Number: 2, Author: "carol"}
	other, err := b.TakePullHold(ctx, two)
	if err != nil || other != one || other.HeldBy("acme/shop", 2) {
		t.Fatalf("TakePullHold(#2) = %+v, %v; want #1's hold, unchanged", other, err)
	}
	seen, err := b.PullHoldOf(ctx, "web")
	if err != nil || seen == nil || *seen != one {
		t.Fatalf("PullHoldOf from replica b = %+v, %v; want %+v", seen, err, one)
	}
	lease, err := realClient.CoordinationV1().Leases(ns).Get(ctx, "rigel-pr-hold-web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if lease.Labels[labelKind] != "pull-hold" || lease.Spec.LeaseDurationSeconds != nil || lease.Spec.RenewTime != nil || *lease.Spec.HolderIdentity != "acme/shop#1" {
		t.Errorf("the hold's Lease = labels %v, spec %+v; want label pull-hold, holder acme/shop#1, no duration or renewal", lease.Labels, lease.Spec)
	}
	if _, err := a.TakePullHold(ctx, PullHold{Deployment: "api", Repo: "acme/shop", Number: 2, Author: "carol", Since: since}); err != nil {
		t.Fatal(err)
	}
	list, err := b.PullHolds(ctx)
	if err != nil || len(list) != 2 || list[0].Deployment != "api" || list[0].Number != 2 || list[1] != one {
		t.Fatalf("PullHolds = %+v, %v; want api by #2 and web by #1", list, err)
	}

	if ok, err := b.ReleasePullHold(ctx, "web", two); err != nil || ok {
		t.Fatalf("ReleasePullHold(web) by #2 = %v, %v; want false: it is #1's", ok, err)
	}
	if h, _ := a.PullHoldOf(ctx, "web"); h == nil || *h != one {
		t.Fatalf("after #2's release the hold is %+v; want #1's still", h)
	}
	if ok, err := b.ReleasePullHold(ctx, "web", one); err != nil || !ok {
		t.Fatalf("ReleasePullHold(web) by #1 = %v, %v; want true", ok, err)
	}
	if h, err := a.PullHoldOf(ctx, "web"); err != nil || h != nil {
		t.Fatalf("after the release PullHoldOf = %+v, %v; want none", h, err)
	}
	if ok, err := a.ReleasePullHold(ctx, "web", one); err != nil || ok {
		t.Fatalf("releasing again = %v, %v; want false, nothing changed", ok, err)
	}
	if ok, err := a.ReleasePullHold(ctx, "api", PullHold{}); err != nil || !ok {
		t.Fatalf("breaking api's hold = %v, %v; want true", ok, err)
	}
	if list, _ := a.PullHolds(ctx); len(list) != 0 {
		t.Fatalf("holds left: %+v", list)
	}
}

// TestPullHoldRace: PRs racing for one deployment from several replicas: exactly one wins, and
// every other learns the winner.
func TestPullHoldRace(t *testing.T) {
	ctx := holdCtx(t)
	_, ns := realLeases(t, "", "rigel-0")
	const n = 6
	var wg gosync.WaitGroup
	got := make([]PullHold, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		l, _ := realLeases(t, ns, fmt.Sprintf("rigel-%d", i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = l.TakePullHold(ctx, PullHold{Deployment: "web", Repo: "acme/shop", Number: i + 1, Author: "u"})
		}()
	}
	wg.Wait()
	winner := 0
	for i := 0; i < n; i++ {
		if errs[i] != nil {
			t.Fatalf("PR #%d: %v", i+1, errs[i])
		}
		if got[i].HeldBy("acme/shop", i+1) {
			winner = i + 1
		}
	}
	stored, err := realLeasesMust(t, ns).PullHoldOf(ctx, "web")
	if err != nil || stored == nil {
		t.Fatalf("no hold stored: %v", err)
	}
	for i := 0; i < n; i++ {
		if got[i].Number != stored.Number {
			t.Errorf("PR #%d learned the hold is #%d's, the cluster says #%d's", i+1, got[i].Number, stored.Number)
		}
	}
	if winner == 0 || winner != stored.Number {
		t.Fatalf("winner %d, stored #%d: want exactly the stored PR to have won", winner, stored.Number)
	}
}

func realLeasesMust(t *testing.T, ns string) *Leases {
	l, _ := realLeases(t, ns, "rigel-reader")
	return l
}

// TestPullHoldWithoutLeases: a Rigel without Leases holds nothing and cannot take a hold.
func TestPullHoldWithoutLeases(t *testing.T) {
	var l *Leases
	ctx := context.Background()
	if h, err := l.PullHoldOf(ctx, "web"); h != nil || err != nil {
		t.Errorf("PullHoldOf = %v, %v", h, err)
	}
	if _, err := l.TakePullHold(ctx, PullHold{Deployment: "web", Repo: "a/b", Number: 1}); err == nil {
		t.Error("TakePullHold without Leases succeeded")
	}
}
