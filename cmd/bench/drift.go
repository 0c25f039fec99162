package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing/fstest"
	"time"

	"k8s.io/client-go/rest"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/gitsrc"
	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
)

// The drift sweep figure (issue 12): the leader's sweep (ops.Service.SweepDrift, in this
// process, as the wiring (app/drift.go) sets it up: 8 workers sharing one bound of 32
// requests in flight, an Engine keeping inventories) of 200 applied deployments × 10
// ConfigMaps, all in sync, against the floor of the same 2000 bare server-side-apply dry-runs
// at concurrency 32 (one process); and the most requests the sweep had in flight at the
// apiserver at once (goal: never more than 32). BENCH_DRIFT_CPUPROFILE=FILE writes a CPU
// profile of the sweeps (this process only; the apiserver's time is not in it).
const (
	driftDeployments = 200
	driftObjects     = 10
	driftWorkers     = 8 // app/drift.go's driftWorkers
	driftRuns        = 3
	driftNS          = "bench-drift"
	driftCommit      = "0123456789abcdef0123456789abcdef01234567"
)

// memSource serves one commit from memory (no git server: the figure is the cluster's).
type memSource struct{ fs fstest.MapFS }

func (m memSource) Fetch(context.Context, gitsrc.FetchRequest) (*gitsrc.Snapshot, error) {
	return &gitsrc.Snapshot{Commit: driftCommit, FS: m.fs}, nil
}
func (m memSource) Push(context.Context, gitsrc.PushRequest) (gitsrc.PushResult, error) {
	return gitsrc.PushResult{}, fmt.Errorf("the bench pushes nothing")
}
func (m memSource) Host() gitsrc.Host { return gitsrc.Host{} }

// inFlight counts the requests in flight through it, and the most at once.
type inFlight struct {
	next      http.RoundTripper
	now, most atomic.Int64
	mu        gosync.Mutex
	kinds     map[string]int // requests by kind (requestKind), for the figure's breakdown
}

// count adds r to the breakdown of requests by kind.
func (f *inFlight) count(r *http.Request) {
	k := requestKind(r)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.kinds == nil {
		f.kinds = map[string]int{}
	}
	f.kinds[k]++
}

// reset forgets the breakdown and returns it.
func (f *inFlight) reset() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := f.kinds
	f.kinds = nil
	return k
}

// requestKind names a request for the breakdown: dry-run apply, GET, LIST.
func requestKind(r *http.Request) string {
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPatch && q.Get("dryRun") != "":
		return "dry-run"
	case r.Method == http.MethodGet && q.Has("limit"): // Rigel's LISTs are paged
		return "list"
	case r.Method == http.MethodGet:
		return "get"
	}
	return strings.ToLower(r.Method)
}

func (f *inFlight) RoundTrip(r *http.Request) (*http.Response, error) {
	f.count(r)
	n := f.now.Add(1)
	defer f.now.Add(-1)
	for m := f.most.Load(); n > m && !f.most.CompareAndSwap(m, n); m = f.most.Load() {
	}
	return f.next.RoundTrip(r)
}

func driftBench(c *testenv.Cluster, self string) error {
	ctx := context.Background()
	for _, ns := range []string{driftNS, driftNS + "-rigel"} {
		if err := c.CreateNamespace(ns); err != nil {
			return err
		}
	}
	counter := &inFlight{}
	cfg := rest.CopyConfig(c.Config)
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { counter.next = rt; return counter }
	kc, err := kube.New(cfg)
	if err != nil {
		return err
	}
	files := fstest.MapFS{}
	for i := 0; i < driftDeployments*driftObjects; i++ { // the floor's objects (floor.go), OBJECTS=2000
		y := fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%03d\n  namespace: %s\n  labels:\n    app: bench\ndata:\n  index: %q\n  payload: %q\n",
			i, driftNS, strconv.Itoa(i), fmt.Sprintf("value-%d-abcdefghijklmnopqrstuvwxyz", i))
		files[fmt.Sprintf("d%03d/cm-%03d.yaml", i/driftObjects, i)] = &fstest.MapFile{Data: []byte(y), Mode: 0o644}
	}
	registry := config.NewRegistry(kc.Typed, driftNS+"-rigel")
	engine := &sync.Engine{Kube: kc, Concurrency: concurrency, Inventory: driftNS + "-rigel"} // app.planner
	svc := &ops.Service{Registry: registry, Source: memSource{files}, Planner: engine, Workloads: kc}
	fmt.Printf("applying %d deployments × %d ConfigMaps…\n", driftDeployments, driftObjects)
	repo := config.Repo{Repo: "acme/bench", Branch: "main", CloneURL: "https://github.com/acme/bench.git"}
	snap := &gitsrc.Snapshot{Commit: driftCommit, FS: files}
	for d := 0; d < driftDeployments; d++ {
		dep := config.Deployment{Name: fmt.Sprintf("d%03d", d), Path: fmt.Sprintf("d%03d", d)}
		objs, err := sync.Render(ctx, snap, dep.Path)
		if err != nil {
			return err
		}
		plan, err := engine.DiffWith(ctx, objs, sync.Provenance{Deployment: dep.Name, Path: dep.Path, Commit: driftCommit}, sync.DiffOptions{})
		if err != nil {
			return err
		}
		if _, err := engine.Apply(ctx, plan, sync.ApplyOptions{}); err != nil {
			return err
		}
		dep.LastSync = &config.LastSync{Commit: driftCommit, Status: sync.StatusSucceeded, Time: time.Now()}
		if _, err := registry.Update(ctx, func(s *config.Sources) error { return s.AddDeployment(repo, dep) }); err != nil {
			return err
		}
	}
	sweep := ops.DriftSweep{Origin: func(context.Context, config.Repo) (ops.Origin, error) { return ops.Origin{Repo: repo.Repo}, nil }, Workers: driftWorkers, InFlight: concurrency}
	var walls []time.Duration
	counter.most.Store(0)
	counter.reset()
	if p := os.Getenv("BENCH_DRIFT_CPUPROFILE"); p != "" { // where the sweep's time goes in this process
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	for i := 0; i < driftRuns; i++ {
		start := time.Now()
		reports, err := svc.SweepDrift(ctx, sweep)
		walls = append(walls, time.Since(start))
		if err != nil {
			return err
		}
		if len(reports) != driftDeployments {
			return fmt.Errorf("the sweep checked %d deployments, want %d", len(reports), driftDeployments)
		}
		for _, r := range reports {
			if r.State != ops.DriftInSync {
				return fmt.Errorf("deployment %s is %s right after its apply, want in sync", r.Deployment, r.State)
			}
		}
	}
	kinds := counter.reset()
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	sweepWall := walls[len(walls)/2]
	floorWall, err := floorMedian(c, self, driftNS, driftDeployments*driftObjects, driftRuns)
	if err != nil {
		return err
	}
	fmt.Printf("drift sweep of %d deployments × %d objects (in sync): %v (median of %d); floor (%d bare SSA dry-runs, concurrency %d, one process): %v\n",
		driftDeployments, driftObjects, sweepWall.Round(time.Millisecond), driftRuns, driftDeployments*driftObjects, concurrency, floorWall.Round(time.Millisecond))
	fmt.Printf("drift sweep: %.2fx the floor (goal ≤ 2x); at most %d requests in flight at the apiserver (goal ≤ %d)\n",
		float64(sweepWall)/float64(floorWall), counter.most.Load(), concurrency)
	var names []string
	for k := range kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	var parts []string
	for _, k := range names {
		parts = append(parts, fmt.Sprintf("%s %d", k, kinds[k]/driftRuns))
	}
	fmt.Printf("drift sweep: requests per sweep: %s\n", strings.Join(parts, ", "))
	return nil
}

// driftMain is `bench drift`: only the drift sweep figure, on a cluster of its own.
func driftMain() int {
	return alone("drift", func(c *testenv.Cluster, _, self, _ string) error { return driftBench(c, self) })
}
