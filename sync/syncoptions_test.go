package sync

import (
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestArgoOptionsOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		ann  map[string]string
		want *ArgoOptions
	}{
		{"none", map[string]string{"a": "b"}, nil},
		{"prune and delete", map[string]string{AnnotationArgoSyncOptions: "Prune=false, Delete=false"}, &ArgoOptions{NoPrune: true, NoDelete: true}},
		{"replace force ssa", map[string]string{AnnotationArgoSyncOptions: "Replace=true,Force=true,ServerSideApply=true"}, &ArgoOptions{Replace: true, Force: true, ServerSideApply: true}},
		{"force alone", map[string]string{AnnotationArgoSyncOptions: "Force=true"}, &ArgoOptions{Unknown: []string{AnnotationArgoSyncOptions + ": Force=true without Replace=true (Argo CD forces only a replace): applied as usual"}}},
		{"skip dry-run", map[string]string{AnnotationArgoSyncOptions: "SkipDryRunOnMissingResource=true"}, &ArgoOptions{SkipDryRun: true}},
		{"compare", map[string]string{AnnotationArgoCompareOptions: "IgnoreExtraneous,ServerSideDiff=true"}, &ArgoOptions{IgnoreExtraneous: true, Unknown: []string{AnnotationArgoCompareOptions + ": ServerSideDiff=true"}}},
		{"unknown", map[string]string{AnnotationArgoSyncOptions: "CreateNamespace=true,PruneLast=true,Prune=true"}, &ArgoOptions{Unknown: []string{AnnotationArgoSyncOptions + ": CreateNamespace=true", AnnotationArgoSyncOptions + ": PruneLast=true"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := argoOptionsOf(tc.ann, ""); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	if o := argoOptionsOf(nil, "bad wave"); o == nil || len(o.Unknown) != 1 {
		t.Errorf("a bad wave is listed: %+v", o)
	}
}

func optCM(ns, name, opts, extra string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n  namespace: " + ns +
		"\n  annotations:\n    argocd.argoproj.io/sync-options: \"" + opts + "\"\ndata:\n  v: \"" + extra + "\"\n"
}

// Replace=true updates the whole object with the preview's resourceVersion (fields another
// manager set are gone, and a change since the preview fails it); Force=true deletes and
// creates it again.
func TestSyncOptionsReplaceAndForce(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := newNamespace(t, "replace")
	prov := Provenance{Deployment: "rep", Path: "r", Commit: "c1"}
	cms := theClient.Typed.CoreV1().ConfigMaps(ns)
	for _, n := range []string{"rep", "force"} {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: n, Namespace: ns, Labels: map[string]string{"hand": "made"}}, Data: map[string]string{"v": "1"}}
		if _, err := cms.Create(ctx, cm, metav1.CreateOptions{FieldManager: "kubectl"}); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := cms.Get(ctx, "force", metav1.GetOptions{})
	in := objs(t, "r/all.yaml", optCM(ns, "rep", "Replace=true", "2"), optCM(ns, "force", "Replace=true,Force=true", "2"))
	p := mustDiff(t, e, ctx, in, prov)
	if p.Changes[0].Argo == nil || !p.Changes[0].Argo.Force || !p.Changes[1].Argo.Replaces() {
		t.Fatalf("options %+v %+v", p.Changes[0].Argo, p.Changes[1].Argo)
	}
	res := mustApply(t, e, ctx, p, ApplyOptions{Wait: 5 * time.Second})
	if res.Status != StatusSucceeded {
		t.Fatalf("apply %s %+v", res.Status, res.Objects)
	}
	rep, _ := cms.Get(ctx, "rep", metav1.GetOptions{})
	if rep.Labels["hand"] != "" || rep.Data["v"] != "2" {
		t.Errorf("replaced: labels %v data %v (a server-side apply keeps the other manager's label)", rep.Labels, rep.Data)
	}
	after, _ := cms.Get(ctx, "force", metav1.GetOptions{})
	if after.UID == before.UID || after.Data["v"] != "2" {
		t.Errorf("forced: uid %s→%s data %v", before.UID, after.UID, after.Data)
	}

	// A change since the preview: the replace fails, nothing is overwritten.
	p = mustDiff(t, e, ctx, objs(t, "r/all.yaml", optCM(ns, "rep", "Replace=true", "3")), prov)
	rep.Data["v"] = "by hand"
	if _, err := cms.Update(ctx, rep, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	res = mustApply(t, e, ctx, p, ApplyOptions{})
	if res.Status != StatusFailed || !strings.Contains(res.Objects[0].Message, "changed since the preview") {
		t.Errorf("stale replace: %s %+v", res.Status, res.Objects)
	}
	if got, _ := cms.Get(ctx, "rep", metav1.GetOptions{}); got.Data["v"] != "by hand" {
		t.Errorf("overwritten: %v", got.Data)
	}
}

// A custom resource of a kind the cluster does not know is refused in the preview, unless
// SkipDryRunOnMissingResource=true: then it is shown as sent, said.
func TestSyncOptionsSkipDryRun(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := newNamespace(t, "skipdry")
	cr := func(ann string) string {
		return "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: " + ns + "\n  annotations:\n    note: widget\n" + ann + "spec:\n  size: 1\n"
	}
	prov := Provenance{Deployment: "skip", Path: "s"}
	p := mustDiff(t, e, ctx, objs(t, "s/w.yaml", cr("")), prov)
	if p.Changes[0].Action != ActionError {
		t.Fatalf("without the option: %s", actions(p))
	}
	p = mustDiff(t, e, ctx, objs(t, "s/w.yaml", cr("    argocd.argoproj.io/sync-options: SkipDryRunOnMissingResource=true\n")), prov)
	if c := p.Changes[0]; c.Action != ActionCreate || !strings.Contains(c.Note, "SkipDryRunOnMissingResource=true") || !strings.Contains(c.Diff, "size: 1") {
		t.Fatalf("with the option: %s %q %q\n%s", c.Action, c.Note, c.Err, c.Diff)
	}
}

// An orphan whose live object says Prune=false, Delete=false or IgnoreExtraneous is kept by an
// apply that prunes, and the plan says why.
func TestSyncOptionsKeepOrphans(t *testing.T) {
	inv := newNamespace(t, "rigel")
	e := &Engine{Kube: cluster(t), Inventory: inv}
	ctx := testCtx(t)
	ns := newNamespace(t, "keep")
	dep := uniqueName("keep")
	prov := Provenance{Deployment: dep, Path: "k", Commit: "c1"}
	all := objs(t, "k/all.yaml", configMap(ns, "plain", map[string]string{"a": "b"}),
		optCM(ns, "noprune", "Prune=false", "1"), optCM(ns, "nodelete", "Delete=false", "1"),
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: "+ns+"\n  annotations:\n    argocd.argoproj.io/compare-options: IgnoreExtraneous\n")
	if res := mustApply(t, e, ctx, mustDiff(t, e, ctx, all, prov), ApplyOptions{}); res.Status != StatusSucceeded {
		t.Fatalf("apply %+v", res)
	}
	keep := objs(t, "k/all.yaml", configMap(ns, "other", map[string]string{"a": "b"}))
	p := mustDiff(t, e, ctx, keep, prov)
	want := "ConfigMap/" + ns + "/extra \"argocd.argoproj.io/compare-options IgnoreExtraneous: ignored, not pruned\"\n" +
		"ConfigMap/" + ns + "/nodelete \"argocd.argoproj.io/sync-options Delete=false: Rigel never deletes it\"\n" +
		"ConfigMap/" + ns + "/noprune \"argocd.argoproj.io/sync-options Prune=false: prune never deletes it\"\n" +
		"ConfigMap/" + ns + "/plain \"\"\n"
	if got := orphanRefs(p); got != want {
		t.Fatalf("orphans:\n%s\nwant:\n%s", got, want)
	}
	res := mustApply(t, e, ctx, p, ApplyOptions{Prune: true})
	if res.Status != StatusSucceeded {
		t.Fatalf("apply %+v", res)
	}
	for _, n := range []string{"extra", "nodelete", "noprune"} {
		if _, err := theClient.Typed.CoreV1().ConfigMaps(ns).Get(ctx, n, metav1.GetOptions{}); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	if _, err := theClient.Typed.CoreV1().ConfigMaps(ns).Get(ctx, "plain", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("plain was not pruned: %v", err)
	}
}
