package sync

import (
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Diff tells, per object, which other reconciler manages the live object (read by GET and by
// LIST), and whether the kind is cluster-scoped.
func TestDiffReconcilersAndScope(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	for _, n := range []int{1, listThreshold + 1} { // GET, then LIST
		t.Run(fmt.Sprintf("%d objects", n), func(t *testing.T) {
			ns := newNamespace(t, "owners")
			cms := theClient.Typed.CoreV1().ConfigMaps(ns)
			// a-0 is Argo CD's by label; f-0 is Flux's by field manager only; p-0 is nobody's.
			argo := fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a-0","namespace":%q,"labels":{"argocd.argoproj.io/instance":"shop"}}}`, ns)
			if _, err := cms.Patch(ctx, "a-0", types.ApplyPatchType, []byte(argo), metav1.PatchOptions{FieldManager: "argocd-controller"}); err != nil {
				t.Fatal(err)
			}
			flux := fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"f-0","namespace":%q},"data":{"k":"v"}}`, ns)
			if _, err := cms.Patch(ctx, "f-0", types.ApplyPatchType, []byte(flux), metav1.PatchOptions{FieldManager: "kustomize-controller"}); err != nil {
				t.Fatal(err)
			}
			var docs []string
			for _, name := range []string{"a-0", "f-0", "p-0"} {
				docs = append(docs, configMap(ns, name, map[string]string{"k": "v"}))
			}
			for i := 1; i < n; i++ {
				docs = append(docs, configMap(ns, fmt.Sprintf("p-%d", i), nil))
			}
			docs = append(docs, "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: "+ns+"-reader\n  namespace: "+ns+"\nrules: []\n")
			p := mustDiff(t, e, ctx, objs(t, "cm.yaml", docs...), Provenance{Deployment: "owners", Path: "k8s", Commit: "c1"})
			got := map[string]string{}
			for _, c := range p.Changes {
				if c.ManagedBy != nil {
					got[c.Ref.Name] = c.ManagedBy.String()
				}
				wantScope := c.Ref.Kind == "ClusterRole"
				if c.ClusterScoped != wantScope {
					t.Errorf("%s: ClusterScoped = %v, want %v", c.Ref, c.ClusterScoped, wantScope)
				}
			}
			want := map[string]string{"a-0": "Argo CD Application shop", "f-0": "Flux (field manager kustomize-controller)"}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("reconcilers = %v, want %v", got, want)
			}
			if len(p.Reconciled()) != 2 {
				t.Fatalf("Reconciled() = %d changes, want 2", len(p.Reconciled()))
			}
		})
	}
}
