package sync

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestApplySetIDAsKubectl(t *testing.T) {
	// kubectl apply --applyset=configmap/rigel-applyset-web -n rigel labels with this id
	// (k8s.io/kubectl/pkg/cmd/apply/applyset.go: base64url(sha256("name.ns.ConfigMap.")));
	// the value was computed independently: printf 'rigel-applyset-web.rigel.ConfigMap.' |
	// sha256sum | xxd -r -p | basenc --base64url | tr -d =
	if got, want := ApplySetID("rigel-applyset-web", "rigel"), "applyset-gDlF6L_a861WeD65bLE46ZmFlGbud84TPWytq0jwc-g-v1"; got != want {
		t.Errorf("id %s, want %s", got, want)
	}
	if ApplySetID("a", "b") == ApplySetID("a", "c") {
		t.Error("the namespace is not part of the id")
	}
}

// orphanRefs is "Ref keep" per orphan of a plan.
func orphanRefs(p *Plan) string {
	var b strings.Builder
	for _, o := range p.Orphans {
		fmt.Fprintf(&b, "%s %q\n", o.Ref, o.Keep)
	}
	return b.String()
}

func prunedRefs(r *Result) string {
	var b strings.Builder
	for _, o := range r.Pruned {
		fmt.Fprintf(&b, "%s %s\n", o.Ref, o.Action)
	}
	return b.String()
}

func TestInventoryOrphansAndPrune(t *testing.T) {
	inv := newNamespace(t, "rigel")
	e := &Engine{Kube: cluster(t), Inventory: inv}
	ctx := testCtx(t)
	ns := newNamespace(t, "inv")
	other := newNamespace(t, "inv-other")
	dep := uniqueName("shop")
	prov := Provenance{Deployment: dep, Path: "apps/shop", Commit: "c1"}
	cm := func(name string) string { return configMap(ns, name, map[string]string{"k": name}) }

	three := objs(t, "apps/shop/all.yaml", cm("a"), cm("b"), cm("c"))
	p := mustDiff(t, e, ctx, three, prov)
	if len(p.Orphans) != 0 {
		t.Fatalf("orphans before any apply: %s", orphanRefs(p))
	}
	if res := mustApply(t, e, ctx, p, ApplyOptions{}); res.Status != StatusSucceeded {
		t.Fatalf("apply: %+v", res)
	}

	// The parent, as KEP-3659 wants it, and its members.
	parent, err := theClient.Typed.CoreV1().ConfigMaps(inv).Get(ctx, InventoryName(dep), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	id := ApplySetID(InventoryName(dep), inv)
	if parent.Labels[LabelApplySetID] != id {
		t.Errorf("parent labels %v, want id %s", parent.Labels, id)
	}
	if got := parent.Annotations[AnnotationApplySetGroupKinds]; got != "ConfigMap" {
		t.Errorf("group-kinds %q", got)
	}
	if got := parent.Annotations[AnnotationApplySetNamespaces]; got != ns {
		t.Errorf("additional-namespaces %q, want %q", got, ns)
	}
	if got := parent.Annotations[AnnotationApplySetTooling]; !strings.HasPrefix(got, "rigel/") {
		t.Errorf("tooling %q", got)
	}
	for _, n := range []string{"a", "b", "c"} {
		if got := live(t, ctx, Ref{Version: "v1", Kind: "ConfigMap", Namespace: ns, Name: n}).GetLabels()[LabelApplySetPartOf]; got != id {
			t.Errorf("%s part-of %q", n, got)
		}
	}

	// Look-alikes outside the inventory: the same name elsewhere with this deployment's
	// provenance, one labelled part of another set, and one labelled part of this set by hand
	// (its provenance names another deployment).
	for _, la := range []struct{ ns, name, partOf, repo string }{{other, "c", "", dep}, {ns, "d", ApplySetID("x", inv), dep}, {ns, "e", id, "someone-else"}} {
		c := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: la.name, Namespace: la.ns,
			Annotations: map[string]string{AnnotationSourceRepo: la.repo}}}
		if la.partOf != "" {
			c.Labels = map[string]string{LabelApplySetPartOf: la.partOf}
		}
		if _, err := theClient.Typed.CoreV1().ConfigMaps(la.ns).Create(ctx, c, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	// c is deleted from the folder: the plan lists it as an orphan, and the digest covers it.
	two := objs(t, "apps/shop/all.yaml", cm("a"), cm("b"))
	p = mustDiff(t, e, ctx, two, prov)
	if got, want := orphanRefs(p), "ConfigMap/"+ns+"/c \"\"\n"; got != want {
		t.Fatalf("orphans:\n%s\nwant:\n%s", got, want)
	}
	if c, u, n, f := p.Counts(); n != 2 || c+u+f != 0 {
		t.Errorf("counts %d %d %d %d", c, u, n, f)
	}
	before := p.Digest
	touch(t, ctx, ns, "c")
	p = mustDiff(t, e, ctx, two, prov)
	if p.Digest == before {
		t.Error("the digest does not cover the orphan's state")
	}

	// Without prune: kept, nothing said of it in Pruned, still in the inventory.
	res := mustApply(t, e, ctx, p, ApplyOptions{})
	if res.Status != StatusSucceeded || len(res.Pruned) != 0 {
		t.Fatalf("apply without prune: %s %s", res.Status, prunedRefs(res))
	}
	live(t, ctx, Ref{Version: "v1", Kind: "ConfigMap", Namespace: ns, Name: "c"})
	p = mustDiff(t, e, ctx, two, prov)
	if len(p.Orphans) != 1 {
		t.Fatalf("after an apply without prune: %s", orphanRefs(p))
	}

	// A plan whose orphan changed since: not deleted.
	stale := p
	touch(t, ctx, ns, "c")
	res = mustApply(t, e, ctx, stale, ApplyOptions{Prune: true})
	if res.Status != StatusFailed || len(res.Pruned) != 1 || res.Pruned[0].Action != ActionError ||
		!strings.Contains(res.Pruned[0].Message, "changed since the preview") {
		t.Fatalf("stale prune: %s %+v", res.Status, res.Pruned)
	}
	live(t, ctx, Ref{Version: "v1", Kind: "ConfigMap", Namespace: ns, Name: "c"})

	// With prune: c is deleted, the look-alikes survive, the inventory no longer holds it.
	p = mustDiff(t, e, ctx, two, prov)
	res = mustApply(t, e, ctx, p, ApplyOptions{Prune: true})
	if got, want := prunedRefs(res), "ConfigMap/"+ns+"/c delete\n"; res.Status != StatusSucceeded || got != want {
		t.Fatalf("prune: %s\n%s\nwant:\n%s", res.Status, got, want)
	}
	if _, err := theClient.Typed.CoreV1().ConfigMaps(ns).Get(ctx, "c", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("c still there: %v", err)
	}
	for _, la := range [][2]string{{other, "c"}, {ns, "d"}, {ns, "e"}} {
		if _, err := theClient.Typed.CoreV1().ConfigMaps(la[0]).Get(ctx, la[1], metav1.GetOptions{}); err != nil {
			t.Errorf("look-alike %s/%s: %v", la[0], la[1], err)
		}
	}
	if p = mustDiff(t, e, ctx, two, prov); len(p.Orphans) != 0 {
		t.Errorf("orphans after prune: %s", orphanRefs(p))
	}
}

func TestPruneKeepsWhatThePolicyKeepsAndWaitsForHealth(t *testing.T) {
	inv := newNamespace(t, "rigel")
	e := &Engine{Kube: cluster(t), Inventory: inv}
	ctx := testCtx(t)
	nsName := uniqueName("pruned-ns")
	dep := uniqueName("keep")
	prov := Provenance{Deployment: dep, Path: "k"}
	all := objs(t, "k/all.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+nsName+"\n",
		configMap(nsName, "cx", nil), configMap(nsName, "cy", nil))
	if res := mustApply(t, e, ctx, mustDiff(t, e, ctx, all, prov), ApplyOptions{}); res.Status != StatusSucceeded {
		t.Fatalf("apply: %+v", res)
	}
	keepClusterScoped := DiffOptions{KeepOrphan: func(o Orphan) string {
		if o.ClusterScoped {
			return "cluster-scoped objects are not allowed"
		}
		return ""
	}}

	// A failed apply prunes nothing.
	bad := objs(t, "k/all.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cx\n  namespace: "+nsName+"\ndata: {\"bad key!\": v}\n")
	p, err := e.DiffWith(ctx, bad, prov, keepClusterScoped)
	if err != nil {
		t.Fatal(err)
	}
	res := mustApply(t, e, ctx, p, ApplyOptions{Prune: true})
	if res.Status != StatusFailed || len(res.Pruned) != 2 || res.Pruned[0].Action != ActionKeep {
		t.Fatalf("failed apply pruned: %s %+v", res.Status, res.Pruned)
	}

	only := objs(t, "k/all.yaml", configMap(nsName, "cx", nil))
	p, err = e.DiffWith(ctx, only, prov, keepClusterScoped)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := orphanRefs(p), "Namespace/"+nsName+" \"cluster-scoped objects are not allowed\"\nConfigMap/"+nsName+"/cy \"\"\n"; got != want {
		t.Fatalf("orphans:\n%s\nwant:\n%s", got, want)
	}
	res = mustApply(t, e, ctx, p, ApplyOptions{Prune: true})
	if got, want := prunedRefs(res), "ConfigMap/"+nsName+"/cy delete\nNamespace/"+nsName+" keep\n"; got != want {
		t.Fatalf("pruned:\n%s\nwant:\n%s", got, want)
	}
	live(t, ctx, Ref{Version: "v1", Kind: "Namespace", Name: nsName})
}

// touch changes a ConfigMap by hand.
func touch(t *testing.T, ctx context.Context, ns, name string) {
	t.Helper()
	c, err := theClient.Typed.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Data == nil {
		c.Data = map[string]string{}
	}
	c.Data["touched"] += "x"
	if _, err := theClient.Typed.CoreV1().ConfigMaps(ns).Update(ctx, c, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// Objects applied before inventories existed (provenance annotations only) join the inventory
// at the next apply: the preview shows the label added, and once applied they are members
// (and orphans when their file goes).
func TestInventoryMigratesProvenance(t *testing.T) {
	inv := newNamespace(t, "rigel")
	ctx := testCtx(t)
	ns := newNamespace(t, "migrate")
	dep := uniqueName("old")
	prov := Provenance{Deployment: dep, Path: "o"}
	two := objs(t, "o/all.yaml", configMap(ns, "a", nil), configMap(ns, "b", nil))
	before := &Engine{Kube: cluster(t)} // a Rigel without inventories
	if res := mustApply(t, before, ctx, mustDiff(t, before, ctx, two, prov), ApplyOptions{}); res.Status != StatusSucceeded {
		t.Fatalf("apply: %+v", res)
	}

	e := &Engine{Kube: cluster(t), Inventory: inv}
	p := mustDiff(t, e, ctx, two, prov)
	if got, want := actions(p), "ConfigMap/"+ns+"/a update\nConfigMap/"+ns+"/b update\n"; got != want {
		t.Fatalf("plan:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(p.Changes[0].Diff, "+    "+LabelApplySetPartOf+": "+e.inventoryID(dep)) {
		t.Errorf("the diff does not show the label added:\n%s", p.Changes[0].Diff)
	}
	if len(p.Orphans) != 0 {
		t.Errorf("orphans before the inventory exists: %s", orphanRefs(p))
	}
	mustApply(t, e, ctx, p, ApplyOptions{})
	one := objs(t, "o/all.yaml", configMap(ns, "a", nil))
	if got, want := orphanRefs(mustDiff(t, e, ctx, one, prov)), "ConfigMap/"+ns+"/b \"\"\n"; got != want {
		t.Errorf("orphans:\n%s\nwant:\n%s", got, want)
	}
}

func TestForgetInventory(t *testing.T) {
	inv := newNamespace(t, "rigel")
	e := &Engine{Kube: cluster(t), Inventory: inv}
	ctx := testCtx(t)
	ns := newNamespace(t, "forget")
	dep := uniqueName("shop")
	prov := Provenance{Deployment: dep, Path: "apps/shop", Commit: "c1"}
	p := mustDiff(t, e, ctx, objs(t, "apps/shop/a.yaml", configMap(ns, "a", map[string]string{"k": "v"})), prov)
	if res := mustApply(t, e, ctx, p, ApplyOptions{}); res.Status != StatusSucceeded {
		t.Fatalf("apply: %+v", res)
	}
	got, err := e.ForgetInventory(ctx, dep)
	if err != nil || got != InventoryName(dep) {
		t.Fatalf("ForgetInventory = %q, %v", got, err)
	}
	cms := theClient.Typed.CoreV1().ConfigMaps
	if _, err := cms(inv).Get(ctx, InventoryName(dep), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the parent after ForgetInventory: %v", err)
	}
	if _, err := cms(ns).Get(ctx, "a", metav1.GetOptions{}); err != nil {
		t.Errorf("the member after ForgetInventory: %v", err)
	}
	if got, err := e.ForgetInventory(ctx, dep); got != "" || err != nil {
		t.Errorf("ForgetInventory again = %q, %v", got, err)
	}

	// A ConfigMap of that name that is not the deployment's inventory stays.
	other := uniqueName("other")
	if _, err := cms(inv).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: InventoryName(other), Namespace: inv}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ForgetInventory(ctx, other); err == nil || !strings.Contains(err.Error(), "is not the inventory") {
		t.Errorf("ForgetInventory of a look-alike: %v", err)
	}
	if _, err := cms(inv).Get(ctx, InventoryName(other), metav1.GetOptions{}); err != nil {
		t.Errorf("the look-alike: %v", err)
	}
	if got, err := (&Engine{Kube: theClient}).ForgetInventory(ctx, dep); got != "" || err != nil {
		t.Errorf("an Engine without inventories: %q, %v", got, err)
	}
}
