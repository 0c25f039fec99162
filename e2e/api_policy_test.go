package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/rigel-gitops/rigel/config"
)

// TestAPIPolicyAndOtherReconcilers: through the API as through comments, a plan against the
// deployment's policy cannot be applied, and objects another reconciler manages are taken over
// only with "force": true; the refusals say how to go on in the API's terms.
func TestAPIPolicyAndOtherReconcilers(t *testing.T) {
	b := startAPIBot(t)
	ns := unique("apirecon")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cms := kc.Typed.CoreV1().ConfigMaps(ns)
	argo := fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"argo","namespace":%q,"labels":{"argocd.argoproj.io/instance":"shop"}},"data":{"owner":"argo"}}`, ns)
	if _, err := cms.Patch(ctx, "argo", types.ApplyPatchType, []byte(argo), metav1.PatchOptions{FieldManager: "argocd-controller"}); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, n := range []string{"argo", "mine"} {
		files["apps/web/k8s/"+n+".yaml"] = fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: %s\ndata:\n  owner: rigel\n", n, ns)
	}
	r := newRepo(t, files)
	name := unique("apirecon")
	b.api("POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "apps/web/k8s", "name": name}, http.StatusCreated)
	preview := func() apiResp {
		t.Helper()
		return b.api("POST", "/api/git/sync", map[string]any{"deployment": name}, http.StatusOK)
	}

	t.Run("another reconciler's object needs force", func(t *testing.T) {
		p := preview()
		mustContain(t, p.raw, `"managedBy":"Argo CD Application shop`)
		mustContain(t, p.str("note"), `"force": true`)
		got := b.call(apiToken, "POST", "/api/git/sync", p.body["apply"])
		if got.status != http.StatusBadRequest {
			t.Fatalf("answered %d: %s", got.status, got.raw)
		}
		mustContain(t, got.str("error"), "managed by another reconciler", "Nothing was applied", "`\"force\": true`")
		mustNotContain(t, got.str("error"), "/rigel")
		if configMapExists(t, ns, "mine") {
			t.Fatal("a refused apply created an object")
		}
		apply, _ := p.body["apply"].(map[string]any)
		apply["force"] = true
		got = b.api("POST", "/api/git/sync", apply, http.StatusOK)
		if cm, _ := cms.Get(ctx, "argo", metav1.GetOptions{}); got.str("status") != "Succeeded" || cm.Data["owner"] != "rigel" {
			t.Fatalf("the forced apply did not take the object over: %s", got.raw)
		}
	})

	t.Run("a plan against the policy cannot be applied", func(t *testing.T) {
		if _, err := config.NewRegistry(kc.Typed, b.namespace).Update(ctx, func(s *config.Sources) error {
			_, d := s.FindDeployment(name)
			d.Policy = &config.Policy{Namespaces: []string{"elsewhere"}}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		p := preview()
		if _, ok := p.body["apply"]; ok {
			t.Fatalf("a preview against the policy says how to apply it: %s", p.raw)
		}
		mustContain(t, p.raw, `"violations":["namespace `+ns)
		mustContain(t, p.str("note"), "breaks the deployment's policy")
		got := b.call(apiToken, "POST", "/api/git/sync", map[string]any{"deployment": name, "apply": true, "digest": p.str("digest"), "force": true})
		if got.status != http.StatusBadRequest {
			t.Fatalf("answered %d: %s", got.status, got.raw)
		}
		mustContain(t, got.str("error"), "the policy of", "refuses", "Nothing was applied", "`GET /api/git/sources`", "`\"force\": true` does not override a policy")
		mustNotContain(t, got.str("error"), "/rigel")
	})
}
