package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/config"
)

// webFiles is a small app folder: a namespace, a config map, a secret and a deployment.
func webFiles(ns string, replicas int, password string) map[string]string {
	return map[string]string{
		"README.md":                   "# web\n",
		"apps/web/k8s/namespace.yaml": fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n", ns),
		"apps/web/k8s/config.yaml": fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: %s
data:
  LOG_LEVEL: info
---
apiVersion: v1
kind: Secret
metadata:
  name: web-secret
  namespace: %s
stringData:
  password: %s
`, ns, ns, password),
		"apps/web/k8s/deploy/deployment.yaml": webDeployment(ns, replicas, ""),
	}
}

// webDeployment is the nginx Deployment `web` of the test folders; meta is YAML added to its
// metadata (e.g. "  annotations:\n    key: value\n").
func webDeployment(ns string, replicas int, meta string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: %s
%sspec:
  replicas: %d
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
`, ns, meta, replicas)
}

func TestCoreLoop(t *testing.T) {
	b := startBot(t)
	ns := unique("shop")
	r := newRepo(t, webFiles(ns, 2, "hunter2-plain"))
	c := b.issue(r)

	t.Run("add-deployment without a path lists the folders", func(t *testing.T) {
		got := c.reply("/rigel add-deployment")
		mustContain(t, got, "apps/web/k8s", "/rigel add-deployment apps/web/k8s")
	})
	t.Run("add-deployment registers the folder as web", func(t *testing.T) {
		got := c.reply("/rigel add-deployment apps/web/k8s")
		mustContain(t, got, "Registered deployment `web`", "/rigel diff web")
		src := b.registry()
		repo := src.FindRepo(r.full)
		if repo == nil || repo.Branch != "main" || len(repo.Deployments) != 1 || repo.Deployments[0].Name != "web" || repo.Deployments[0].Path != "apps/web/k8s" {
			t.Fatalf("registry = %+v", src)
		}
		cm := getConfigMap(t, b.namespace, config.SourcesConfigMap)
		for k, v := range cm.Data {
			if strings.Contains(v, "hunter2") || strings.Contains(v, "PRIVATE KEY") {
				t.Errorf("registry key %s holds a secret", k)
			}
		}
	})
	t.Run("diff shows what would change, Secret values masked", func(t *testing.T) {
		got := c.reply("/rigel diff web")
		mustContain(t, got, "4 to create, 0 to change, 0 unchanged", "```diff", "Deployment/"+ns+"/web", "Secret/"+ns+"/web-secret",
			"password", "**Next:** `/rigel sync web`", "helmsman.dev/source-repo: web")
		mustNotContain(t, got, "hunter2-plain", base64.StdEncoding.EncodeToString([]byte("hunter2-plain")), "rigel:plan")
		if !hasReaction(c, "eyes") {
			t.Error("no eyes reaction on the command")
		}
		waitReaction(t, c, "rocket") // the outcome: it did what was asked
	})
	t.Run("apply before any sync says nothing was previewed", func(t *testing.T) {
		got := c.reply("/rigel apply web")
		mustContain(t, got, "nothing was previewed", "/rigel sync web")
		waitReaction(t, c, "confused") // refused
		if _, err := kc.Typed.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{}); err == nil {
			t.Fatal("apply without a preview created the deployment")
		}
	})
	var head string
	t.Run("sync arms an apply", func(t *testing.T) {
		got := c.reply("/rigel sync web")
		mustContain(t, got, "4 to create", "/rigel apply web", "<!-- rigel:plan deployment=web commit=")
		head = strings.SplitN(strings.SplitN(got, "commit=", 2)[1], " ", 2)[0]
	})
	t.Run("apply applies exactly the preview and records it", func(t *testing.T) {
		got := c.reply("/rigel apply web")
		mustContain(t, got, "Rigel applied `web`", "Succeeded", "4 created")
		d, err := kc.Typed.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Annotations["helmsman.dev/source-repo"] != "web" || d.Annotations["helmsman.dev/source-path"] != "apps/web/k8s" {
			t.Errorf("annotations = %v", d.Annotations)
		}
		managers := map[string]bool{}
		for _, mf := range d.ManagedFields {
			managers[mf.Manager] = true
		}
		if !managers["rigel"] {
			t.Errorf("field managers = %v, want rigel", managers)
		}
		_, dep := b.registry().FindDeployment("web")
		if dep.LastSync == nil || dep.LastSync.Commit != head || dep.LastSync.Status != "Succeeded" {
			t.Errorf("last sync = %+v, want commit %s Succeeded", dep.LastSync, head)
		}
	})
	t.Run("list shows the last sync", func(t *testing.T) {
		got := c.reply("/rigel list")
		mustContain(t, got, "`web`", "`apps/web/k8s`", head[:7], "Succeeded")
	})
	t.Run("a second apply of the same preview is refused", func(t *testing.T) {
		got := c.reply("/rigel apply web")
		mustContain(t, got, "already applied", "/rigel sync web")
	})
	t.Run("diff after apply shows no change", func(t *testing.T) {
		got := c.reply("/rigel diff web")
		mustContain(t, got, "0 to create, 0 to change, 4 unchanged")
	})
}

// waitReaction waits for a reaction content on a command of c (it follows the reply).
func waitReaction(t *testing.T, c *conversation, content string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !hasReaction(c, content); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s reaction on a command of %s#%d", content, c.r.full, c.number)
		}
	}
}

func hasReaction(c *conversation, content string) bool {
	for _, r := range gh.Reactions() {
		if r.Repo == c.r.full && r.Content == content {
			return true
		}
	}
	return false
}

// TestLongDiffIsSplit: a diff longer than GitHub's 65,536-character limit arrives as several
// comments GitHub accepts, with the plan marker in the last one, and apply still works.
func TestLongDiffIsSplit(t *testing.T) {
	b := startBot(t)
	ns := unique("long")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for i := 0; i < 150; i++ {
		files[fmt.Sprintf("k8s/cm-%03d.yaml", i)] = fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%03d\n  namespace: %s\ndata:\n  blob: %q\n", i, ns, strings.Repeat("lorem ipsum ", 60))
	}
	r := newRepo(t, files)
	c := b.issue(r)
	name := unique("long")
	c.reply("/rigel add-deployment k8s --name " + name)
	before := len(c.botComments())
	c.post("/rigel sync " + name)
	var parts []string
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		got := c.botComments()[before:]
		if n := len(got); n > 0 && strings.Contains(got[n-1].Body, "rigel:plan") {
			for _, cm := range got {
				parts = append(parts, cm.Body)
			}
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(parts) < 2 {
		t.Fatalf("got %d comments, want the preview split over several", len(parts))
	}
	for i, p := range parts {
		if n := utf8.RuneCountInString(p); n > 65536 {
			t.Errorf("part %d has %d characters", i, n)
		}
		if strings.Count(p, "```")%2 != 0 || strings.Count(p, "<details") != strings.Count(p, "</details>") {
			t.Errorf("part %d breaks the markdown", i)
		}
		mustContain(t, p, fmt.Sprintf("Part %d of %d", i+1, len(parts)))
	}
	mustContain(t, c.reply("/rigel apply "+name), "150 created", "Succeeded")
}
