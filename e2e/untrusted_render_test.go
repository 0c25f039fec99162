package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A pushed kustomization whose generators name a listening address (cloud metadata, an
// internal service) is refused naming the file and the field: the address gets no
// connection, no value reaches the reply, nothing reaches the cluster.
func TestUntrustedRenderStaysInTheRepository(t *testing.T) {
	var conns, requests atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		fmt.Fprint(w, "metadata-secret-token\n")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("the listener is on %s, not 127.0.0.1", srv.URL)
	}
	target := srv.URL + "/latest/meta-data/iam/security-credentials"

	b := startBot(t)
	ns := unique("hermetic")
	name := unique("herm")
	r := newRepo(t, map[string]string{
		"apps/web/k8s/kustomization.yaml":   "namespace: " + ns + "\nresources: [ns.yaml, cm.yaml]\n",
		"apps/web/k8s/ns.yaml":              "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ns + "\n",
		"apps/web/k8s/cm.yaml":              "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: b\n",
		"apps/other/k8s/kustomization.yaml": "resources: [cm.yaml]\ntransformers: [fetch.yaml]\n",
		"apps/other/k8s/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n",
		"apps/other/k8s/fetch.yaml":         "apiVersion: builtin\nkind: PatchTransformer\nmetadata: {name: fetch}\npath: " + target + "\n",
	})
	c := b.issue(r)
	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s --name "+name), "Registered deployment")

	// The registered folder turns hostile: an inline generator reads the listener.
	if _, err := git.Commit(r.full, "main", map[string]string{
		"apps/web/k8s/kustomization.yaml": "namespace: " + ns + "\nresources: [ns.yaml, cm.yaml]\ngenerators:\n- |\n" +
			"  apiVersion: builtin\n  kind: ConfigMapGenerator\n  metadata: {name: leak}\n  files: [token=" + target + "]\n",
	}, "generate from the network"); err != nil {
		t.Fatal(err)
	}
	unescape := strings.NewReplacer(`\[`, "[", `\]`, "]", "\u200d", "") // Markdown escapes; the joiner that keeps a link from working
	for _, verb := range []string{"diff", "sync"} {
		t.Run(verb, func(t *testing.T) {
			got := unescape.Replace(c.reply("/rigel " + verb + " " + name))
			t.Log(got)
			mustContain(t, got, "❌", "apps/web/k8s/kustomization.yaml", "generators[0] (inline ConfigMapGenerator) files[0]",
				"token="+target, "is a URL", "Rigel renders only from the repository")
			mustNotContain(t, got, "metadata-secret-token", "rigel:plan")
		})
	}
	t.Run("add-deployment of a folder whose transformer file names it", func(t *testing.T) {
		got := unescape.Replace(c.reply("/rigel add-deployment apps/other/k8s"))
		mustContain(t, got, "❌", "apps/other/k8s/fetch.yaml", "transformers[0] of apps/other/k8s/kustomization.yaml", "PatchTransformer path", target)
		if repo := b.registry().FindRepo(r.full); repo == nil || len(repo.Deployments) != 1 {
			t.Errorf("registry = %+v, want only %s", repo, name)
		}
	})
	if n, q := conns.Load(), requests.Load(); n != 0 || q != 0 {
		t.Fatalf("the listener got %d connections and %d requests, want none", n, q)
	}
	if _, err := kc.Typed.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace %s: %v, want it never created", ns, err)
	}
	if _, dep := b.registry().FindDeployment(name); dep == nil || dep.LastSync != nil {
		t.Errorf("deployment %s = %+v, want registered and never applied", name, dep)
	}
}
