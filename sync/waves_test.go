package sync

import (
	"context"
	"sort"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

func TestWaveOf(t *testing.T) {
	for _, tc := range []struct {
		ann  map[string]string
		wave int
		bad  bool
	}{
		{nil, 0, false},
		{map[string]string{AnnotationArgoSyncWave: "3"}, 3, false},
		{map[string]string{AnnotationArgoSyncWave: " -2 "}, -2, false},
		{map[string]string{AnnotationArgoSyncWave: "first"}, 0, true},
	} {
		w, bad := waveOf(tc.ann)
		if w != tc.wave || (bad != "") != tc.bad {
			t.Errorf("%v: wave %d %q", tc.ann, w, bad)
		}
	}
}

// creations records, in etcd order (resourceVersion), when the objects of a namespace are
// created and when each Deployment first became Current.
type creations struct {
	mu     gosync.Mutex
	events map[int64]string
}

func watchCreations(t *testing.T, ctx context.Context, ns string) *creations {
	t.Helper()
	c := &creations{events: map[int64]string{}}
	ctx, cancel := context.WithCancel(ctx)
	var wg gosync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	cs := theClient.Typed
	ws := map[string]func() (watch.Interface, error){
		"ConfigMap":  func() (watch.Interface, error) { return cs.CoreV1().ConfigMaps(ns).Watch(ctx, metav1.ListOptions{}) },
		"Deployment": func() (watch.Interface, error) { return cs.AppsV1().Deployments(ns).Watch(ctx, metav1.ListOptions{}) },
		"Job":        func() (watch.Interface, error) { return cs.BatchV1().Jobs(ns).Watch(ctx, metav1.ListOptions{}) },
	}
	for kind, start := range ws {
		w, err := start()
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer w.Stop()
			current := map[string]bool{}
			for {
				select {
				case <-ctx.Done():
					return
				case ev, ok := <-w.ResultChan():
					if !ok {
						return
					}
					m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(ev.Object)
					if err != nil {
						continue
					}
					u := &unstructured.Unstructured{Object: m}
					rv, _ := strconv.ParseInt(u.GetResourceVersion(), 10, 64)
					c.mu.Lock()
					switch ev.Type {
					case watch.Added:
						c.events[rv] = "create " + kind + "/" + u.GetName()
					case watch.Modified:
						if kind == "Deployment" && !current[u.GetName()] {
							u.SetKind("Deployment")
							u.SetAPIVersion("apps/v1")
							if r, err := status.Compute(u); err == nil && r.Status == status.CurrentStatus {
								current[u.GetName()] = true
								c.events[rv] = "healthy Deployment/" + u.GetName()
							}
						}
					}
					c.mu.Unlock()
				}
			}
		}()
	}
	return c
}

func (c *creations) order() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	rvs := make([]int64, 0, len(c.events))
	for rv := range c.events {
		rvs = append(rvs, rv)
	}
	sort.Slice(rvs, func(i, j int) bool { return rvs[i] < rvs[j] })
	out := make([]string, len(rvs))
	for i, rv := range rvs {
		out[i] = c.events[rv]
	}
	return out
}

func waveDeploy(ns, name, ann string) string {
	return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\n  annotations:\n" + ann +
		"spec:\n  replicas: 1\n  selector: {matchLabels: {app: " + name + "}}\n  template:\n    metadata: {labels: {app: " + name + "}}\n" +
		"    spec: {containers: [{name: c, image: nginx}]}\n"
}

func waveCM(ns, name, wave string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n  namespace: " + ns +
		"\n  annotations:\n    argocd.argoproj.io/sync-wave: \"" + wave + "\"\ndata:\n  v: \"1\"\n"
}

// Objects of several sync waves are applied lowest first, each wave (and its Sync hooks)
// awaited healthy before the next: the order of creation on the apiserver shows it.
func TestWavesApplyInOrder(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	if err := testenv.RunWorkloadStatus(wctx, theCluster.Config); err != nil {
		t.Fatal(err)
	}
	ns := newNamespace(t, "waves")
	prov := Provenance{Deployment: "waves", Path: "w", Commit: "c1"}
	in := objs(t, "w/all.yaml",
		waveCM(ns, "late", "1"),
		waveDeploy(ns, "web", "    argocd.argoproj.io/sync-wave: \"0\"\n"),
		waveCM(ns, "early", "-1"),
		hookJob(ns, "seed", "    argocd.argoproj.io/hook: Sync\n    argocd.argoproj.io/sync-wave: \"0\"\n"),
		hookJob(ns, "done", "    argocd.argoproj.io/hook: PostSync\n"),
	)
	p := mustDiff(t, e, ctx, in, prov)
	if got, want := actions(p), "ConfigMap/"+ns+"/early create\nDeployment/"+ns+"/web create\nConfigMap/"+ns+"/late create\n"; got != want {
		t.Fatalf("plan order:\n%s\nwant:\n%s", got, want)
	}
	if got := p.Waves(); len(got) != 3 || got[0] != -1 || got[2] != 1 {
		t.Fatalf("waves %v", got)
	}
	cr := watchCreations(t, ctx, ns)
	runJobController(t, ctx, ns, "late", func(string) (bool, bool) { return true, true })
	res := mustApply(t, e, ctx, p, ApplyOptions{Wait: 20 * time.Second, HookTimeout: 20 * time.Second})
	if res.Status != StatusSucceeded || res.Stopped != "" {
		t.Fatalf("apply: %s %q %+v", res.Status, res.Stopped, res.Objects)
	}
	want := []string{"create ConfigMap/early", "create Deployment/web", "create Job/seed", "healthy Deployment/web", "create ConfigMap/late", "create Job/done"}
	var got []string
	deadline := time.Now().Add(5 * time.Second)
	for {
		got = cr.order()
		if len(got) >= len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The Job seed runs in wave 0 beside web: created after it, and awaited with it.
	idx := map[string]int{}
	for i, g := range got {
		if _, ok := idx[g]; !ok {
			idx[g] = i
		}
	}
	for _, w := range want {
		if _, ok := idx[w]; !ok {
			t.Fatalf("%s never seen; order:\n%s", w, strings.Join(got, "\n"))
		}
	}
	for _, pair := range [][2]string{
		{"create ConfigMap/early", "create Deployment/web"},
		{"create Deployment/web", "create Job/seed"},
		{"healthy Deployment/web", "create ConfigMap/late"},
		{"create Job/seed", "create ConfigMap/late"},
		{"create ConfigMap/late", "create Job/done"},
	} {
		if idx[pair[0]] > idx[pair[1]] {
			t.Errorf("%s after %s; order:\n%s", pair[0], pair[1], strings.Join(got, "\n"))
		}
	}
}

// A wave that does not become healthy stops the apply: the later waves are not applied (said
// per object and in Result.Stopped) and the SyncFail hooks run.
func TestWavesStopAtAnUnhealthyWave(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := newNamespace(t, "wavestop")
	prov := Provenance{Deployment: "wavestop", Path: "w", Commit: "c1"}
	in := objs(t, "w/all.yaml",
		waveDeploy(ns, "stuck", "    argocd.argoproj.io/sync-wave: \"0\"\n    "+testenv.StuckAnnotation+": \"true\"\n"),
		waveCM(ns, "late", "5"),
		hookJob(ns, "late-hook", "    argocd.argoproj.io/hook: Sync\n    argocd.argoproj.io/sync-wave: \"5\"\n"),
		hookJob(ns, "cleanup", "    argocd.argoproj.io/hook: SyncFail\n"),
	)
	p := mustDiff(t, e, ctx, in, prov)
	runJobController(t, ctx, ns, "late", func(string) (bool, bool) { return true, true })
	res := mustApply(t, e, ctx, p, ApplyOptions{Wait: 2 * time.Second, HookTimeout: 20 * time.Second})
	if res.Status != StatusFailed {
		t.Errorf("status %s, want Failed (a wave not applied)", res.Status)
	}
	if want := "stopped at wave 0: wave 0 did not become healthy within 2s; waves 5 not applied"; res.Stopped != want {
		t.Errorf("stopped %q, want %q", res.Stopped, want)
	}
	for _, o := range res.Objects {
		if o.Ref.Name == "late" && (o.Action != ActionError || !strings.Contains(o.Message, "not applied (wave 5)")) {
			t.Errorf("late: %s %q", o.Action, o.Message)
		}
	}
	if _, err := theClient.Typed.CoreV1().ConfigMaps(ns).Get(ctx, "late", metav1.GetOptions{}); err == nil {
		t.Errorf("the ConfigMap of wave 5 was created")
	}
	if got, want := hookSummary(res), "sync Job/late-hook Skipped []\npost Job/ Skipped []\nfail Job/cleanup Succeeded []\n"; !strings.Contains(got, "sync Job/late-hook Skipped") || !strings.Contains(got, "fail Job/cleanup Succeeded") {
		t.Errorf("hooks:\n%s\nwant like:\n%s", got, want)
	}
}

// The plan's digest covers the order: moving an object to another wave changes it.
func TestWavesDigest(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := newNamespace(t, "wavedigest")
	prov := Provenance{Deployment: "wd", Path: "w", Commit: "c1"}
	a := mustDiff(t, e, ctx, objs(t, "w/a.yaml", waveCM(ns, "a", "0"), waveCM(ns, "b", "1")), prov)
	b := mustDiff(t, e, ctx, objs(t, "w/a.yaml", waveCM(ns, "a", "1"), waveCM(ns, "b", "0")), prov)
	if a.Digest == b.Digest {
		t.Errorf("swapping the waves kept the digest")
	}
	if a.Changes[0].Ref.Name != "a" || b.Changes[0].Ref.Name != "b" {
		t.Errorf("order: %s / %s", actions(a), actions(b))
	}
}
