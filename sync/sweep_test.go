package sync

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/rigel-gitops/rigel/kube"
)

// countingTransport counts the requests through it by kind, and the most in flight at once.
type countingTransport struct {
	next                   http.RoundTripper
	now, most              atomic.Int64
	dryRuns, gets, lists   atomic.Int64
	selectorLists, applies atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	n := c.now.Add(1)
	defer c.now.Add(-1)
	for m := c.most.Load(); n > m && !c.most.CompareAndSwap(m, n); m = c.most.Load() {
	}
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPatch && q.Get("dryRun") != "":
		c.dryRuns.Add(1)
	case r.Method == http.MethodPatch:
		c.applies.Add(1)
	case r.Method == http.MethodGet && q.Has("limit"):
		c.lists.Add(1)
		if q.Get("labelSelector") != "" {
			c.selectorLists.Add(1)
		}
	case r.Method == http.MethodGet:
		c.gets.Add(1)
	}
	return c.next.RoundTrip(r)
}

// countingEngine is an engine on the test cluster whose requests go through a counter.
func countingEngine(t *testing.T, inventory string, concurrency int) (*Engine, *countingTransport) {
	t.Helper()
	cluster(t)
	counter := &countingTransport{}
	cfg := rest.CopyConfig(theCluster.Config)
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { counter.next = rt; return counter }
	kc, err := kube.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &Engine{Kube: kc, Inventory: inventory, Concurrency: concurrency}, counter
}

// sweepFixture applies deployments × objects ConfigMaps (each deployment its own objects, all
// in namespace ns, inventories in inv) and returns each deployment's objects and provenance.
func sweepFixture(t *testing.T, ctx context.Context, e *Engine, ns string, deployments, objects int) ([][]Object, []Provenance) {
	t.Helper()
	var all [][]Object
	var provs []Provenance
	for d := 0; d < deployments; d++ {
		var docs []string
		for i := 0; i < objects; i++ {
			docs = append(docs, configMap(ns, fmt.Sprintf("d%d-cm%d", d, i), map[string]string{"k": fmt.Sprintf("v%d", i)}))
		}
		prov := Provenance{Deployment: uniqueName(fmt.Sprintf("d%d", d)), Path: fmt.Sprintf("d%d", d), Commit: "c1"}
		o := objs(t, fmt.Sprintf("d%d/all.yaml", d), docs...)
		if res := mustApply(t, e, ctx, mustDiff(t, e, ctx, o, prov), ApplyOptions{}); res.Status != StatusSucceeded {
			t.Fatalf("apply %s: %+v", prov.Deployment, res)
		}
		all = append(all, o)
		provs = append(provs, prov)
	}
	return all, provs
}

// A sweep's previews are the previews without it (same actions, diffs, orphans and digests),
// read each resource and namespace once (not once per deployment), and see a hand edit made
// after the shared LIST: both a field Rigel applies (drift) and one it does not (no drift).
func TestSweepSharesReadsAndStaysExact(t *testing.T) {
	inv := newNamespace(t, "rigel")
	ns := newNamespace(t, "sweep")
	ctx := testCtx(t)
	plain := &Engine{Kube: cluster(t), Inventory: inv}
	objects, provs := sweepFixture(t, ctx, plain, ns, 4, 9)
	// An orphan of deployment 0: applied, then no longer rendered.
	extra := objs(t, "d0/extra.yaml", configMap(ns, "d0-gone", map[string]string{"k": "gone"}))
	mustApply(t, plain, ctx, mustDiff(t, plain, ctx, append(append([]Object(nil), objects[0]...), extra...), provs[0]), ApplyOptions{})

	e, counter := countingEngine(t, inv, 32)
	sw := NewSweep(32)
	diff := func(eng *Engine, d int, sweep *Sweep) *Plan {
		t.Helper()
		p, err := eng.DiffWith(ctx, objects[d], provs[d], DiffOptions{Sweep: sweep})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Deployment 0 makes the shared LISTs; then hand edits, after them, of deployment 1's
	// objects: a field Rigel applies (k), and one it does not (touched).
	first := diff(e, 0, sw)
	lists := counter.lists.Load()
	edit := func(name string, f func(data map[string]string)) {
		c, err := theClient.Typed.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		f(c.Data)
		if _, err := theClient.Typed.CoreV1().ConfigMaps(ns).Update(ctx, c, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	edit("d1-cm0", func(d map[string]string) { d["k"] = "edited by hand" })
	edit("d1-cm1", func(d map[string]string) { d["touched"] = "not Rigel's field" })
	gets := counter.gets.Load()
	swept := []*Plan{first}
	for d := 1; d < len(objects); d++ {
		swept = append(swept, diff(e, d, sw))
	}
	if got := counter.lists.Load(); got != lists {
		t.Errorf("the later previews of the sweep made %d LISTs, want 0 (shared)", got-lists)
	}
	// The two edited objects changed since the shared LIST: each is read again (GET), and only
	// they are (the parents of deployments 1-3 are in the shared LIST of parents).
	if got := counter.gets.Load() - gets; got != 2 {
		t.Errorf("%d GETs after the edits, want 2 (the two edited objects)", got)
	}
	for d := range objects {
		want := diff(plain, d, nil)
		got := swept[d]
		if actions(got) != actions(want) || orphanRefs(got) != orphanRefs(want) || got.Digest != want.Digest {
			t.Errorf("deployment %d: with the sweep\n%s%s%s\nwithout\n%s%s%s", d, actions(got), orphanRefs(got), got.Digest, actions(want), orphanRefs(want), want.Digest)
		}
		for i := range got.Changes {
			if got.Changes[i].Diff != want.Changes[i].Diff {
				t.Errorf("%s: diff with the sweep\n%s\nwithout\n%s", got.Changes[i].Ref, got.Changes[i].Diff, want.Changes[i].Diff)
			}
		}
	}
	if got := actions(swept[1]); !strings.Contains(got, "d1-cm0 update") || strings.Contains(got, "d1-cm1 update") {
		t.Errorf("deployment 1 after the hand edits:\n%s want d1-cm0 updated (drift) and d1-cm1 unchanged", got)
	}
	if got := orphanRefs(swept[0]); !strings.Contains(got, "d0-gone") {
		t.Errorf("orphans of deployment 0 with the sweep: %q, want d0-gone", got)
	}
}

// The previews sharing a Sweep never have more requests in flight together than its bound,
// whatever each Engine's Concurrency.
func TestSweepBoundsRequestsInFlight(t *testing.T) {
	inv := newNamespace(t, "rigel")
	ns := newNamespace(t, "sweep-bound")
	ctx := testCtx(t)
	objects, provs := sweepFixture(t, ctx, &Engine{Kube: cluster(t), Inventory: inv}, ns, 6, 10)
	e, counter := countingEngine(t, inv, 32)
	const bound = 3
	sw := NewSweep(bound)
	errs := make(chan error, len(objects))
	for d := range objects {
		go func() {
			_, err := e.DiffWith(ctx, objects[d], provs[d], DiffOptions{Sweep: sw})
			errs <- err
		}()
	}
	for range objects {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if most := counter.most.Load(); most > bound || most < 2 {
		t.Errorf("at most %d requests in flight, want between 2 and %d", most, bound)
	}
	if got, want := counter.dryRuns.Load(), int64(len(objects)*10); got != want {
		t.Errorf("%d dry-runs, want %d", got, want)
	}
}
