package sync

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

func TestApplyCRDAndCustomResource(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := newNamespace(t, "crd")
	group := uniqueName("shop") + ".example.com"
	prov := Provenance{Deployment: "shop", Path: "apps/shop/k8s", Commit: "abc"}
	in := objs(t, "apps/shop/k8s/all.yaml",
		"apiVersion: "+group+"/v1\nkind: Widget\nmetadata:\n  name: w1\n  namespace: "+ns+"\nspec:\n  color: red\n",
		crdYAML(group, "Widget", "widgets"),
	)
	p := mustDiff(t, e, ctx, in, prov)
	if got, want := actions(p), "CustomResourceDefinition/widgets."+group+" create\nWidget/"+ns+"/w1 create\n"; got != want {
		t.Fatalf("plan:\n%s\nwant:\n%s", got, want)
	}
	cr := p.Changes[1]
	if !strings.Contains(cr.Note, "kind Widget is defined by CustomResourceDefinition widgets."+group+" in this plan") ||
		!strings.Contains(cr.Note, "without server defaults") {
		t.Errorf("note %q", cr.Note)
	}
	if !strings.Contains(cr.Diff, "+  color: red") || strings.Contains(cr.Diff, "size") {
		t.Errorf("the CR should be shown as sent:\n%s", cr.Diff)
	}

	res := mustApply(t, e, ctx, p, ApplyOptions{Wait: 10 * time.Second})
	if res.Status != StatusSucceeded {
		t.Fatalf("apply: %+v", res)
	}
	for _, o := range res.Objects {
		if o.Action != ActionCreate || o.Health != "Current" {
			t.Errorf("%s: action %s health %s (%s)", o.Ref, o.Action, o.Health, o.Message)
		}
	}
	if res.Finished.Before(res.Started) {
		t.Errorf("finished before started")
	}

	w := live(t, ctx, cr.Ref)
	if got, _, _ := unstructuredInt(w.Object, "spec", "size"); got != 3 {
		t.Errorf("server default not applied: size %d", got)
	}
	ann := w.GetAnnotations()
	if ann[AnnotationSourceRepo] != "shop" || ann[AnnotationSourcePath] != "apps/shop/k8s" {
		t.Errorf("annotations %v", ann)
	}
	managers := map[string]string{}
	for _, mf := range w.GetManagedFields() {
		managers[mf.Manager] = string(mf.Operation)
	}
	if managers[FieldManager] != "Apply" {
		t.Errorf("managed fields %v, want rigel/Apply", managers)
	}

	// Now that the kind is known, the dry-run shows server defaults and nothing changes.
	p = mustDiff(t, e, ctx, in, prov)
	if c, u, n, f := p.Counts(); n != 2 {
		t.Fatalf("after apply: create %d update %d unchanged %d failed %d\n%s", c, u, n, f, actions(p))
	}
	res = mustApply(t, e, ctx, p, ApplyOptions{})
	for _, o := range res.Objects {
		if o.Action != ActionUnchanged || o.Health != "" {
			t.Errorf("%s: %s health %q", o.Ref, o.Action, o.Health)
		}
	}
}

func unstructuredInt(obj map[string]interface{}, fields ...string) (int64, bool, error) {
	var cur interface{} = obj
	for _, f := range fields {
		m, ok := cur.(map[string]interface{})
		if !ok {
			return 0, false, nil
		}
		cur = m[f]
	}
	n, ok := cur.(int64)
	return n, ok, nil
}

func TestApplyWaitsForHealth(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	if err := testenv.RunWorkloadStatus(wctx, theCluster.Config); err != nil {
		t.Fatal(err)
	}
	ns := newNamespace(t, "wait")
	deploy := func(name, extra string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\n" + extra +
			"spec:\n  replicas: 2\n  selector: {matchLabels: {app: " + name + "}}\n  template:\n    metadata: {labels: {app: " + name + "}}\n" +
			"    spec: {containers: [{name: c, image: nginx}]}\n"
	}
	prov := Provenance{Deployment: "wait", Path: "w"}

	healthy := objs(t, "w/d.yaml", deploy("healthy", ""), configMap(ns, "cfg", map[string]string{"a": "b"}))
	res := mustApply(t, e, ctx, mustDiff(t, e, ctx, healthy, prov), ApplyOptions{Wait: 20 * time.Second})
	if res.Status != StatusSucceeded {
		t.Fatalf("status %s: %+v", res.Status, res.Objects)
	}
	for _, o := range res.Objects {
		if o.Health != "Current" {
			t.Errorf("%s health %s (%s)", o.Ref, o.Health, o.Message)
		}
	}

	stuck := objs(t, "w/d.yaml", deploy("healthy", ""), deploy("stuck", "  annotations: {"+testenv.StuckAnnotation+": \"true\"}\n"))
	start := time.Now()
	res = mustApply(t, e, ctx, mustDiff(t, e, ctx, stuck, prov), ApplyOptions{Wait: 2 * time.Second})
	if took := time.Since(start); took < 2*time.Second || took > 10*time.Second {
		t.Errorf("waited %s for a 2s timeout", took)
	}
	if res.Status != StatusUnhealthy {
		t.Errorf("status %s, want Unhealthy", res.Status)
	}
	got := map[string]string{}
	for _, o := range res.Objects {
		got[o.Ref.Name] = o.Health
	}
	if got["healthy"] != "Current" || got["stuck"] != "InProgress" {
		t.Errorf("health %v", got)
	}

	// Without a wait nothing is polled.
	res = mustApply(t, e, ctx, mustDiff(t, e, ctx, healthy, prov), ApplyOptions{})
	if res.Status != StatusSucceeded || res.Objects[0].Health != "" {
		t.Errorf("no wait: %s %+v", res.Status, res.Objects)
	}
}

func TestApplyRejectsHandMadePlan(t *testing.T) {
	e := newEngine(t)
	p := &Plan{Deployment: "x", Changes: []Change{{Ref: Ref{Version: "v1", Kind: "ConfigMap", Namespace: "default", Name: "x"}, Action: ActionCreate}}}
	res := mustApply(t, e, testCtx(t), p, ApplyOptions{})
	if res.Status != StatusFailed || res.Objects[0].Action != ActionError {
		t.Errorf("%+v", res)
	}
	if _, err := e.Apply(testCtx(t), nil, ApplyOptions{}); err == nil {
		t.Error("nil plan accepted")
	}
}
