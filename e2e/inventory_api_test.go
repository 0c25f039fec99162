package e2e

import (
	"context"
	"net/http"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The HTTP API's side of issue 12: a preview lists its orphans; "prune": true on apply
// deletes them and the answer says so; prune without apply is refused.
func TestAPIPrune(t *testing.T) {
	b := startAPIBot(t)
	ns := unique("apiprune")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	r := newRepo(t, map[string]string{"apps/web/k8s/a.yaml": invConfigMap(ns, "a"), "apps/web/k8s/b.yaml": invConfigMap(ns, "b")})
	name := unique("apiprune")
	b.api("POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "apps/web/k8s", "name": name}, http.StatusCreated)
	preview := func() apiResp {
		t.Helper()
		return b.api("POST", "/api/git/sync", map[string]any{"repo": r.full, "deployment": name}, http.StatusOK)
	}
	b.api("POST", "/api/git/sync", preview().body["apply"], http.StatusOK)
	if _, err := git.Commit(r.full, "main", map[string]string{"apps/web/k8s/b.yaml": ""}, "drop b"); err != nil {
		t.Fatal(err)
	}

	p := preview()
	mustContain(t, p.raw, `"orphans":[{"apiVersion":"v1","kind":"ConfigMap","namespace":"`+ns+`","name":"b"}]`)

	got := b.call(apiToken, "POST", "/api/git/sync", map[string]any{"deployment": name, "prune": true})
	if got.status != http.StatusBadRequest {
		t.Fatalf("prune without apply answered %d: %s", got.status, got.raw)
	}
	mustContain(t, got.str("error"), "only for applying")

	apply, _ := p.body["apply"].(map[string]any)
	apply["prune"] = true
	got = b.api("POST", "/api/git/sync", apply, http.StatusOK)
	mustContain(t, got.raw, `"pruned":[{"apiVersion":"v1","kind":"ConfigMap","namespace":"`+ns+`","name":"b","action":"delete","message":"deleted"}]`)
	if _, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(context.Background(), "b", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("b after apply with prune: %v", err)
	}
	if _, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(context.Background(), "a", metav1.GetOptions{}); err != nil {
		t.Errorf("a after apply with prune: %v", err)
	}
}
