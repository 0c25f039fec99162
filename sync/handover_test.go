package sync

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v6/value"
)

// handOverDeployment is a Deployment with, when extra is set, a label and an env var that git
// later drops; annotations are added to its metadata.
func handOverDeployment(ns, name string, extra bool, annotations map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\n  namespace: %s\n  labels:\n    app: %s\n", name, ns, name)
	if extra {
		b.WriteString("    tier: old\n")
	}
	if len(annotations) > 0 {
		b.WriteString("  annotations:\n")
		for k, v := range annotations {
			fmt.Fprintf(&b, "    %s: %q\n", k, v)
		}
	}
	fmt.Fprintf(&b, "spec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: %s\n  template:\n    metadata:\n      labels:\n        app: %s\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n", name, name)
	b.WriteString("        env:\n        - name: MODE\n          value: prod\n")
	if extra {
		b.WriteString("        - name: DEBUG\n          value: \"1\"\n")
	}
	return b.String()
}

// liveNormalized is the live object as a preview compares it.
func liveNormalized(t *testing.T, ctx context.Context, r Ref) map[string]interface{} {
	t.Helper()
	obj := live(t, ctx, r).Object
	normalize(obj)
	return obj
}

func TestHandOverFromKubectlApply(t *testing.T) {
	e, ctx, ns, prov := handOverBed(t, "handover")
	dep := prov.Deployment
	ref := Ref{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: ns, Name: "web"}
	linked := map[string]string{AnnotationSourceRepo: dep, AnnotationSourcePath: prov.Path}

	// Created by client-side kubectl apply with the deployment's provenance (as /rigel link
	// leaves it): the preview shows its live values.
	kubectlApply(t, handOverDeployment(ns, "web", true, linked))
	before := liveNormalized(t, ctx, ref)
	git := objs(t, "apps/web/deploy.yaml", handOverDeployment(ns, "web", false, nil))

	p := mustDiff(t, e, ctx, git, prov)
	c := p.Changes[0]
	if c.Action != ActionUpdate || c.HandOver == nil || c.Unmanaged != nil {
		t.Fatalf("change %s, hand-over %+v, unmanaged %+v, err %s", c.Action, c.HandOver, c.Unmanaged, c.Err)
	}
	wantRemoved := []string{"metadata.labels.tier", "spec.template.spec.containers[name=web].env[name=DEBUG]"}
	if !reflect.DeepEqual(c.HandOver.Removed, wantRemoved) || !reflect.DeepEqual(c.HandOver.Managers, []string{"kubectl-client-side-apply"}) {
		t.Errorf("hand-over %+v, want removed %v", c.HandOver, wantRemoved)
	}
	for _, line := range []string{"-    tier: old", "-        - name: DEBUG"} {
		if !strings.Contains(c.Diff, line) {
			t.Errorf("the diff does not show %q:\n%s", line, c.Diff)
		}
	}
	for _, line := range strings.Split(c.Diff, "\n") {
		if strings.HasPrefix(line, "-") && !strings.HasPrefix(line, "---") &&
			!strings.Contains(line, "tier: old") && !strings.Contains(line, "DEBUG") && !strings.Contains(line, `value: "1"`) {
			t.Errorf("the diff removes a defaulted or kept field: %q\n%s", line, c.Diff)
		}
	}
	if !strings.Contains(c.HandOver.Note(), "hand-over from kubectl apply") {
		t.Errorf("note %q", c.HandOver.Note())
	}

	res := mustApply(t, e, ctx, p, ApplyOptions{})
	if res.Status != StatusSucceeded {
		t.Fatalf("apply: %+v", res.Objects)
	}
	after := liveNormalized(t, ctx, ref)
	// The apply produced exactly the preview: the diff of the live object before and after
	// is the previewed diff, line for line.
	got, err := unifiedDiff(ref, before, after)
	if err != nil {
		t.Fatal(err)
	}
	if got != c.Diff {
		t.Errorf("the apply did not produce the preview.\npreview:\n%s\napplied:\n%s", c.Diff, got)
	}
	u := live(t, ctx, ref)
	if _, ok := u.GetLabels()["tier"]; ok {
		t.Errorf("label tier still there: %v", u.GetLabels())
	}
	for _, mf := range u.GetManagedFields() {
		if mf.Manager == "kubectl-client-side-apply" {
			t.Errorf("kubectl-client-side-apply still manages fields: %+v", mf)
		}
	}
	p2 := mustDiff(t, e, ctx, git, prov)
	if c := p2.Changes[0]; c.Action != ActionUnchanged || c.HandOver != nil {
		t.Errorf("second preview: %s %+v\n%s", c.Action, c.HandOver, c.Diff)
	}
}

func TestHandOverOfUnmanagedObjectNamesFieldsOnly(t *testing.T) {
	e, ctx, ns, prov := handOverBed(t, "handover-u")
	ref := Ref{Version: "v1", Kind: "ConfigMap", Namespace: ns, Name: "conf"}
	kubectlApply(t, configMap(ns, "conf", map[string]string{"color": "blue", "secretish": "s3cr3t-value"}))
	git := objs(t, "apps/web/cm.yaml", configMap(ns, "conf", map[string]string{"color": "green"}))

	p := mustDiff(t, e, ctx, git, prov)
	c := p.Changes[0]
	if c.HandOver == nil || c.Unmanaged == nil || len(c.HandOver.Removed) != 0 || c.HandOver.Unnamed != 1 {
		t.Fatalf("change %s %+v %+v", c.Action, c.HandOver, c.Unmanaged)
	}
	if strings.Contains(c.Diff, "s3cr3t") || strings.Contains(c.HandOver.Note(), "secretish") {
		t.Errorf("a live value of an unmanaged object shows:\n%s", c.Diff)
	}
	if res := mustApply(t, e, ctx, p, ApplyOptions{}); res.Status != StatusSucceeded {
		t.Fatalf("apply: %+v", res.Objects)
	}
	data := live(t, ctx, ref).Object["data"]
	if !reflect.DeepEqual(data, map[string]interface{}{"color": "green"}) {
		t.Errorf("data after apply: %v", data)
	}
}

func TestHandOverRefusedWhenObjectChangedSincePreview(t *testing.T) {
	e, ctx, ns, prov := handOverBed(t, "handover-c")
	ref := Ref{Version: "v1", Kind: "ConfigMap", Namespace: ns, Name: "conf"}
	kubectlApply(t, configMap(ns, "conf", map[string]string{"a": "1", "b": "2"}))
	git := objs(t, "apps/web/cm.yaml", configMap(ns, "conf", map[string]string{"a": "1"}))
	p := mustDiff(t, e, ctx, git, prov)
	if p.Changes[0].HandOver == nil {
		t.Fatalf("no hand-over: %+v", p.Changes[0])
	}
	d1 := p.Digest
	kubectlApply(t, configMap(ns, "conf", map[string]string{"a": "1", "b": "2", "c": "3"}))
	if d2 := mustDiff(t, e, ctx, git, prov).Digest; d2 == d1 {
		t.Error("the digest did not change with the object")
	}
	res := mustApply(t, e, ctx, p, ApplyOptions{})
	if o := res.Objects[0]; o.Action != ActionError || !strings.Contains(o.Message, "changed since the preview") {
		t.Errorf("stale hand-over applied: %+v", o)
	}
	if data := live(t, ctx, ref).Object["data"]; !reflect.DeepEqual(data, map[string]interface{}{"a": "1", "b": "2", "c": "3"}) {
		t.Errorf("data after a refused apply: %v", data)
	}
}

func TestRemoveFieldsByPath(t *testing.T) {
	obj := map[string]interface{}{
		"metadata": map[string]interface{}{"labels": map[string]interface{}{"a": "1", "b": "2"}},
		"spec": map[string]interface{}{
			"containers": []interface{}{
				map[string]interface{}{"name": "web", "env": []interface{}{
					map[string]interface{}{"name": "A", "value": "1"},
					map[string]interface{}{"name": "B", "value": "2"},
				}},
			},
			"finalizers": []interface{}{"x", "y"},
			"ports":      []interface{}{map[string]interface{}{"containerPort": int64(80), "protocol": "TCP"}},
		},
	}
	s := &fieldpath.Set{}
	s.Insert(fieldpath.MakePathOrDie("metadata", "labels", "b"))
	s.Insert(fieldpath.MakePathOrDie("spec", "containers", fieldpath.KeyByFields("name", "web"), "env", fieldpath.KeyByFields("name", "A")))
	s.Insert(fieldpath.MakePathOrDie("spec", "finalizers", value.NewValueInterface("x")))
	s.Insert(fieldpath.MakePathOrDie("spec", "ports", fieldpath.KeyByFields("containerPort", 80, "protocol", "TCP")))
	s.Insert(fieldpath.MakePathOrDie("spec", "missing", "deep"))
	removeFields(obj, s)
	want := map[string]interface{}{
		"metadata": map[string]interface{}{"labels": map[string]interface{}{"a": "1"}},
		"spec": map[string]interface{}{
			"containers": []interface{}{
				map[string]interface{}{"name": "web", "env": []interface{}{
					map[string]interface{}{"name": "B", "value": "2"},
				}},
			},
			"finalizers": []interface{}{"y"},
			"ports":      []interface{}{},
		},
	}
	if !reflect.DeepEqual(obj, want) {
		t.Errorf("got %v\nwant %v", obj, want)
	}
}

func TestHandoverOfManagers(t *testing.T) {
	entry := func(manager, op, sub, fields string) interface{} {
		var fs map[string]interface{}
		if err := json.Unmarshal([]byte(fields), &fs); err != nil {
			t.Fatal(err)
		}
		e := map[string]interface{}{"manager": manager, "operation": op, "apiVersion": "v1", "fieldsType": "FieldsV1", "fieldsV1": fs}
		if sub != "" {
			e["subresource"] = sub
		}
		return e
	}
	data := `{"f:data":{".":{},"f:a":{}}}`
	owningLA := `{"f:data":{"f:a":{}},"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}}}}`
	tests := []struct {
		name        string
		lastApplied bool
		entries     []interface{}
		want        []string // managers handed over; nil: none
	}{
		{"Rigel's apply only", false, []interface{}{entry("rigel", "Apply", "", data)}, nil},
		{"client-side kubectl apply", true, []interface{}{entry("kubectl-client-side-apply", "Update", "", owningLA)}, []string{"kubectl-client-side-apply"}},
		{"an old kubectl", false, []interface{}{entry("kubectl", "Update", "", data), entry("rigel", "Apply", "", data)}, []string{"kubectl"}},
		{"another manager owning the annotation", true, []interface{}{entry("ci-bot", "Update", "", owningLA)}, []string{"ci-bot"}},
		{"kubectl edit, not owning the annotation", true, []interface{}{entry("kubectl-edit", "Update", "", data)}, nil},
		{"a status writer", false, []interface{}{entry("kubectl", "Update", "status", data)}, nil},
		{"a server-side apply by kubectl", false, []interface{}{entry("kubectl", "Apply", "", data)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md := map[string]interface{}{"name": "x", "resourceVersion": "7", "managedFields": tt.entries}
			if tt.lastApplied {
				md["annotations"] = map[string]interface{}{lastAppliedAnnotation: "{}"}
			}
			h := handoverOf(map[string]interface{}{"metadata": md})
			switch {
			case tt.want == nil && h != nil:
				t.Errorf("hand-over of %v", h.managers)
			case tt.want != nil && (h == nil || !reflect.DeepEqual(h.managers, tt.want)):
				t.Errorf("hand-over %+v, want managers %v", h, tt.want)
			case h != nil && (!strings.Contains(string(h.patch), `"/metadata/resourceVersion","value":"7"`) || h.after == nil || h.othersBefore == nil):
				t.Errorf("patch %s, after %v", h.patch, h.after)
			}
		})
	}
}

// A field both Rigel's earlier apply (before hand-overs) and client-side kubectl apply own:
// the dry-run alone keeps it (kubectl owns it too), the migration makes the apply remove it.
// And a kubectl apply after Rigel's that changed nothing owns only its annotation: the
// dry-run removes the field by itself, and the hand-over names nothing more.
func TestHandOverOfFieldsRigelOwnedToo(t *testing.T) {
	e := &Engine{Kube: cluster(t), Inventory: newNamespace(t, "rigel")}
	ctx := testCtx(t)
	dep := uniqueName("web")
	prov := Provenance{Deployment: dep, Path: "apps/web", Commit: "c1"}
	tests := []struct {
		name        string
		kubectlLast bool // kubectl applies after Rigel, rather than before
		wantRemoved []string
	}{
		{"kubectl first, then Rigel without a hand-over", false, []string{"data.b"}},
		{"Rigel first, then kubectl with the same values", true, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := newNamespace(t, "handover-both")
			ref := Ref{Version: "v1", Kind: "ConfigMap", Namespace: ns, Name: "conf"}
			two := configMap(ns, "conf", map[string]string{"a": "1", "b": "2"})
			if !tt.kubectlLast {
				kubectlApply(t, two)
			}
			// Rigel's apply as it was before hand-overs: a server-side apply alone.
			p := mustDiff(t, e, ctx, objs(t, "apps/web/cm.yaml", two), prov)
			body, err := json.Marshal(p.Changes[0].Desired().Object)
			if err != nil {
				t.Fatal(err)
			}
			m, err := theClient.Mapping(schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.apply(ctx, m, ns, "conf", body, false); err != nil {
				t.Fatal(err)
			}
			if tt.kubectlLast {
				kubectlApply(t, two)
			}
			before := liveNormalized(t, ctx, ref)

			git := objs(t, "apps/web/cm.yaml", configMap(ns, "conf", map[string]string{"a": "1"}))
			p = mustDiff(t, e, ctx, git, prov)
			c := p.Changes[0]
			if c.HandOver == nil || !reflect.DeepEqual(c.HandOver.Removed, tt.wantRemoved) || !strings.Contains(c.Diff, `-  b: "2"`) {
				t.Fatalf("change %s %+v:\n%s", c.Action, c.HandOver, c.Diff)
			}
			if res := mustApply(t, e, ctx, p, ApplyOptions{}); res.Status != StatusSucceeded {
				t.Fatalf("apply: %+v", res.Objects)
			}
			got, err := unifiedDiff(ref, before, liveNormalized(t, ctx, ref))
			if err != nil {
				t.Fatal(err)
			}
			if got != c.Diff {
				t.Errorf("the apply did not produce the preview.\npreview:\n%s\napplied:\n%s", c.Diff, got)
			}
		})
	}
}

// handOverBed is what each hand-over test starts from: an engine keeping inventories, a
// namespace of its own (named after prefix) and the provenance of a new deployment.
func handOverBed(t *testing.T, prefix string) (*Engine, context.Context, string, Provenance) {
	t.Helper()
	e := &Engine{Kube: cluster(t), Inventory: newNamespace(t, "rigel")}
	return e, testCtx(t), newNamespace(t, prefix), Provenance{Deployment: uniqueName("web"), Path: "apps/web", Commit: "c1"}
}

// kubectlApply is the real kubectl's client-side apply of manifest on the test cluster.
func kubectlApply(t *testing.T, manifest string, args ...string) {
	t.Helper()
	theCluster.KubectlApply(t, manifest, args...)
}
