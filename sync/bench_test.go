package sync

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"golang.org/x/sync/errgroup"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

const benchObjects = 200

// benchConfigMaps returns the benchmark's folder: 200 small ConfigMaps in ns.
func benchConfigMaps(ns string) []Object {
	out := make([]Object, benchObjects)
	for i := range out {
		out[i] = Object{Source: "bench/cms.yaml", Obj: &unstructured.Unstructured{Object: map[string]interface{}{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]interface{}{"name": fmt.Sprintf("cm-%03d", i), "namespace": ns,
				"labels": map[string]interface{}{"app": "bench"}},
			"data": map[string]interface{}{"index": strconv.Itoa(i), "payload": fmt.Sprintf("value-%d-abcdefghijklmnopqrstuvwxyz", i)},
		}}}
	}
	return out
}

// BenchmarkDiff200 previews a folder of 200 ConfigMaps: "create" when none exists yet (a diff
// text for each), "unchanged" once they are applied.
func BenchmarkDiff200(b *testing.B) {
	e := newEngine(b)
	ctx := context.Background()
	prov := Provenance{Deployment: "bench", Path: "bench", Commit: "c"}
	b.Run("create", func(b *testing.B) {
		in := benchConfigMaps(newNamespace(b, "bench-create"))
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			p, err := e.Diff(ctx, in, prov)
			if err != nil {
				b.Fatal(err)
			}
			if c, _, _, _ := p.Counts(); c != benchObjects {
				b.Fatalf("%d creates", c)
			}
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		in := benchConfigMaps(newNamespace(b, "bench-unchanged"))
		p, err := e.Diff(ctx, in, prov)
		if err != nil {
			b.Fatal(err)
		}
		if r, err := e.Apply(ctx, p, ApplyOptions{}); err != nil || r.Status != StatusSucceeded {
			b.Fatalf("apply: %v %+v", err, r)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			p, err := e.Diff(ctx, in, prov)
			if err != nil {
				b.Fatal(err)
			}
			if _, _, n, _ := p.Counts(); n != benchObjects {
				b.Fatalf("%d unchanged", n)
			}
		}
	})
}

// BenchmarkDryRunFloor200 is the floor BenchmarkDiff200 is measured against: the same 200
// objects sent as bare server-side-apply dry-run requests with the same concurrency, nothing
// else (no live read, no comparison, no diff text). "create" sends them to an empty
// namespace, "existing" to a namespace where they are applied already (the apiserver merges
// with the live objects, which costs more).
func BenchmarkDryRunFloor200(b *testing.B) {
	e := newEngine(b)
	ctx := context.Background()
	floor := func(b *testing.B, ns string) {
		res := e.Kube.Dynamic.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace(ns)
		in := benchConfigMaps(ns)
		bodies := make([][]byte, len(in))
		for i, o := range in {
			bodies[i], _ = json.Marshal(o.Obj.Object)
		}
		force := true
		b.ResetTimer()
		for n := 0; n < b.N; n++ {
			g, gctx := errgroup.WithContext(ctx)
			g.SetLimit(e.limit())
			for i := range in {
				g.Go(func() error {
					_, err := res.Patch(gctx, in[i].Obj.GetName(), types.ApplyPatchType, bodies[i],
						metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}, FieldManager: FieldManager, Force: &force})
					return err
				})
			}
			if err := g.Wait(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("create", func(b *testing.B) { floor(b, newNamespace(b, "floor-create")) })
	b.Run("existing", func(b *testing.B) {
		ns := newNamespace(b, "floor-existing")
		p, err := e.Diff(ctx, benchConfigMaps(ns), Provenance{Deployment: "bench", Path: "bench", Commit: "c"})
		if err != nil {
			b.Fatal(err)
		}
		if r, err := e.Apply(ctx, p, ApplyOptions{}); err != nil || r.Status != StatusSucceeded {
			b.Fatalf("apply: %v %+v", err, r)
		}
		floor(b, ns)
	})
}

// BenchmarkApply200 applies the 200 ConfigMaps (changed each round) without waiting.
func BenchmarkApply200(b *testing.B) {
	e := newEngine(b)
	ctx := context.Background()
	in := benchConfigMaps(newNamespace(b, "bench-apply"))
	prov := Provenance{Deployment: "bench", Path: "bench", Commit: "c"}
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		for _, o := range in {
			o.Obj.Object["data"].(map[string]interface{})["round"] = strconv.Itoa(n)
		}
		p, err := e.Diff(ctx, in, prov)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		r, err := e.Apply(ctx, p, ApplyOptions{})
		if err != nil || r.Status != StatusSucceeded {
			b.Fatalf("apply: %v %+v", err, r)
		}
	}
}
