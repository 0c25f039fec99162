package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestAPIProposeFix: POST /api/git/propose-fix opens the pull request `/rigel fix` would, says
// so again with the open one, and refuses what it cannot fix; nothing is applied.
func TestAPIProposeFix(t *testing.T) {
	b := startAPIBot(t)
	ns := unique("apifix-")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	r := newRepo(t, plainFiles(ns))
	dep := unique("apifix")
	b.api("POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "apps/web/k8s", "name": dep}, http.StatusCreated)
	before := fixCreateDeployment(t, ns, "web", dep, "apps/web/k8s")
	fixCreateDeployment(t, ns, "loose", "", "")
	body := map[string]any{"kind": "deploy", "name": "web", "namespace": ns, "set": map[string]string{"image": "nginx:1.27"}, "container": "web"}

	got := b.api("POST", "/api/git/propose-fix", body, http.StatusCreated)
	p := onePull(t, r)
	pull, _ := got.body["pull"].(map[string]any)
	if got.str("outcome") != "opened" || pull["number"] != float64(p.Number) || pull["branch"] != p.Head || !strings.Contains(fmt.Sprint(pull["url"]), fmt.Sprintf("/pull/%d", p.Number)) {
		t.Fatalf("answer %s; pull %+v", got.raw, p)
	}
	mustContain(t, got.raw, `"edits":["image=nginx:1.27 (container web)"]`, `"deployment":"`+dep+`"`, `+          image: \"nginx:1.27\"   # pinned`)
	mustContain(t, p.Body, "## Requested", "through Rigel's HTTP API", "```diff")
	mustNotContain(t, p.Body, "Closes #", "for @", "by @")
	if file := branchFile(t, r, p.Head, "apps/web/k8s/deploy.yaml"); file != replace(t, fixDeployYAML(ns), `image: "nginx:1.25"   # pinned`, `image: "nginx:1.27"   # pinned`) {
		t.Errorf("the branch holds:\n%s", file)
	}
	after, err := kc.Typed.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil || after.Generation != before.Generation {
		t.Fatalf("the fix changed the cluster: %v", err)
	}

	t.Run("the same fix again answers the open pull request", func(t *testing.T) {
		again := b.api("POST", "/api/git/propose-fix", body, http.StatusOK)
		if again.str("outcome") != "open" || len(fixPulls(r)) != 1 {
			t.Fatalf("answer %s; pulls %+v", again.raw, fixPulls(r))
		}
	})
	t.Run("an edit the manifest has opens nothing", func(t *testing.T) {
		got := b.api("POST", "/api/git/propose-fix", map[string]any{"kind": "Deployment", "name": "web", "namespace": ns, "set": map[string]string{"replicas": "2"}}, http.StatusOK)
		if got.str("outcome") != "unchanged" || len(fixPulls(r)) != 1 {
			t.Fatalf("answer %s", got.raw)
		}
	})
	for _, tc := range []struct {
		name   string
		body   any
		status int
		want   string
	}{
		{"unknown kind", map[string]any{"kind": "Pod", "name": "web", "namespace": ns}, 400, "not a kind of workload"},
		{"bad name", map[string]any{"kind": "Deployment", "name": "Web!", "namespace": ns}, 400, "cannot be the name"},
		{"no such workload", map[string]any{"kind": "Deployment", "name": "nosuch", "namespace": ns}, 404, "no Deployment \"nosuch\""},
		{"unlinked workload", map[string]any{"kind": "Deployment", "name": "loose", "namespace": ns, "set": map[string]string{"replicas": "3"}}, 400, "not linked"},
		{"bad value", map[string]any{"kind": "Deployment", "name": "web", "namespace": ns, "set": map[string]string{"memory": "lots"}, "container": "web"}, 400, "not a quantity"},
		{"empty set", map[string]any{"kind": "Deployment", "name": "web", "namespace": ns, "set": map[string]string{}}, 400, "set is empty"},
		{"several containers", map[string]any{"kind": "Deployment", "name": "web", "namespace": ns, "set": map[string]string{"memory": "256Mi"}}, 400, "container"},
	} {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			got := b.call(apiToken, "POST", "/api/git/propose-fix", tc.body)
			if got.status != tc.status {
				t.Fatalf("answered %d, want %d: %s", got.status, tc.status, got.raw)
			}
			mustContain(t, got.str("error"), tc.want)
			if len(fixPulls(r)) != 1 {
				t.Fatal("a refused fix opened a pull request")
			}
		})
	}
	noPullViolations(t)
}
