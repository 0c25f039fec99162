package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// invConfigMap is a ConfigMap of the inventory test folders.
func invConfigMap(ns, name string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: %s\ndata:\n  k: %s\n", name, ns, name)
}

// Issue 12: apply three objects, delete one file, push: the preview shows the deletion; an
// apply without prune keeps it and says so; with --prune it is gone, while a look-alike
// outside the inventory survives; kubectl reads the inventory as an ApplySet.
func TestInventoryAndPrune(t *testing.T) {
	b := startBot(t)
	ns, other := unique("inv"), unique("inv-other")
	for _, n := range []string{ns, other} {
		if err := cluster.CreateNamespace(n); err != nil {
			t.Fatal(err)
		}
	}
	r := newRepo(t, map[string]string{
		"apps/web/k8s/a.yaml": invConfigMap(ns, "a"),
		"apps/web/k8s/b.yaml": invConfigMap(ns, "b"),
		"apps/web/k8s/c.yaml": invConfigMap(ns, "c"),
	})
	c := b.issue(r)
	ctx := context.Background()
	cms := kc.Typed.CoreV1().ConfigMaps

	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s"), "Registered deployment `web`")
	mustContain(t, c.reply("/rigel sync web"), "3 to create")
	mustContain(t, c.reply("/rigel apply web"), "Succeeded", "3 created")

	parentName := sync.InventoryName("web")
	id := sync.ApplySetID(parentName, b.namespace)
	parent := getConfigMap(t, b.namespace, parentName)
	if parent.Labels[sync.LabelApplySetID] != id || parent.Annotations[sync.AnnotationApplySetGroupKinds] != "ConfigMap" ||
		parent.Annotations[sync.AnnotationApplySetNamespaces] != ns || !strings.HasPrefix(parent.Annotations[sync.AnnotationApplySetTooling], "rigel/") {
		t.Fatalf("inventory parent: labels %v annotations %v", parent.Labels, parent.Annotations)
	}
	members, err := cms(ns).List(ctx, metav1.ListOptions{LabelSelector: sync.LabelApplySetPartOf + "=" + id})
	if err != nil || len(members.Items) != 3 {
		t.Fatalf("members: %v %v", members, err)
	}

	// A look-alike: c in another namespace, claiming the deployment, but not in the inventory.
	if _, err := cms(other).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: other,
		Annotations: map[string]string{"helmsman.dev/source-repo": "web", "helmsman.dev/source-path": "apps/web/k8s"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	if _, err := git.Commit(r.full, "main", map[string]string{"apps/web/k8s/c.yaml": ""}, "drop c"); err != nil {
		t.Fatal(err)
	}
	got := c.reply("/rigel sync web")
	mustContain(t, got, "0 to create, 0 to change, 2 unchanged, 1 orphaned (not pruned)", "orphaned — not pruned <code>ConfigMap/"+ns+"/c</code>", "`/rigel apply web --prune`")
	mustNotContain(t, got, "ConfigMap/"+other+"/c")

	got = c.reply("/rigel apply web")
	mustContain(t, got, "Succeeded", "1 object the folder no longer renders was kept, not pruned: <code>ConfigMap/"+ns+"/c</code>")
	if _, err := cms(ns).Get(ctx, "c", metav1.GetOptions{}); err != nil {
		t.Fatalf("an apply without prune deleted c: %v", err)
	}

	mustContain(t, c.reply("/rigel sync web"), "1 orphaned (not pruned)")
	got = c.reply("/rigel apply web --prune")
	mustContain(t, got, "Succeeded", "1 object the folder no longer renders (pruned)", "| <code>ConfigMap/"+ns+"/c</code> | 🗑 deleted |")
	if _, err := cms(ns).Get(ctx, "c", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("c after apply --prune: %v", err)
	}
	for _, n := range []string{"a", "b"} {
		if _, err := cms(ns).Get(ctx, n, metav1.GetOptions{}); err != nil {
			t.Errorf("%s after apply --prune: %v", n, err)
		}
	}
	if _, err := cms(other).Get(ctx, "c", metav1.GetOptions{}); err != nil {
		t.Errorf("the look-alike outside the inventory: %v", err)
	}
	got = c.reply("/rigel sync web")
	mustContain(t, got, "2 unchanged")
	mustNotContain(t, got, "no longer renders")

	t.Run("a deployment with prune: true deletes at every apply", func(t *testing.T) {
		if _, err := config.NewRegistry(kc.Typed, b.namespace).Update(ctx, func(src *config.Sources) error {
			_, d := src.FindDeployment("web")
			if d == nil {
				return fmt.Errorf("no deployment web")
			}
			d.Prune = true // as a cluster admin edits the ConfigMap
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := git.Commit(r.full, "main", map[string]string{"apps/web/k8s/b.yaml": ""}, "drop b"); err != nil {
			t.Fatal(err)
		}
		mustContain(t, c.reply("/rigel sync web"), "1 to delete", "🗑 would delete <code>ConfigMap/"+ns+"/b</code>", "The deployment prunes (`prune: true`)")
		mustContain(t, c.reply("/rigel apply web"), "Succeeded", "| <code>ConfigMap/"+ns+"/b</code> | 🗑 deleted |")
		if _, err := cms(ns).Get(ctx, "b", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("b after an apply of a deployment that prunes: %v", err)
		}
		if _, d := b.registry().FindDeployment("web"); d == nil || !strings.HasSuffix(d.LastSync.Message, ", 1 deleted") {
			t.Errorf("recorded sync: %+v", d)
		}
	})

	t.Run("kubectl reads the inventory as an ApplySet", func(t *testing.T) {
		kubectl := func(args ...string) (string, error) {
			cmd := exec.Command("kubectl", append([]string{"--kubeconfig", cluster.Kubeconfig}, args...)...)
			cmd.Env = append(os.Environ(), "KUBECTL_APPLYSET=true")
			out, err := cmd.CombinedOutput()
			return string(out), err
		}
		if _, err := exec.LookPath("kubectl"); err != nil {
			t.Skip("no kubectl")
		}
		file := filepath.Join(t.TempDir(), "cm.yaml")
		if err := os.WriteFile(file, []byte(invConfigMap(other, "by-kubectl")), 0o600); err != nil {
			t.Fatal(err)
		}
		// kubectl computes the same id for a parent of its own (so the ids of Rigel's parents
		// are the ones kubectl expects) ...
		if out, err := kubectl("apply", "--prune", "--applyset=configmap/probe", "-n", other, "-f", file); err != nil {
			t.Fatalf("kubectl apply --applyset: %v\n%s", err, out)
		}
		if got, want := getConfigMap(t, other, "probe").Labels[sync.LabelApplySetID], sync.ApplySetID("probe", other); got != want {
			t.Errorf("kubectl's id %q, Rigel's %q", got, want)
		}
		// ... and reads Rigel's parent as an ApplySet that another tool manages.
		out, err := kubectl("apply", "--prune", "--applyset=configmap/"+parentName, "-n", b.namespace, "-f", file, "--dry-run=server")
		if err == nil || !strings.Contains(out, `managed by tooling "rigel"`) {
			t.Errorf("kubectl on Rigel's inventory: %v\n%s", err, out)
		}
	})
}
