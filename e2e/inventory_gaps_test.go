package e2e

import (
	"context"
	"fmt"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// Issue 12, inventory gaps: what cluster admins set on a deployment (prune, driftIssue) shows
// in /rigel list and /rigel policy; /rigel remove-deployment deletes the deployment's
// inventory and says the objects it applied stay, and they do.
func TestInventoryGaps(t *testing.T) {
	b := startBot(t)
	ns := unique("invgap")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	r := newRepo(t, map[string]string{"apps/web/k8s/a.yaml": invConfigMap(ns, "a")})
	c := b.issue(r)
	ctx := context.Background()
	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s"), "Registered deployment `web`")
	mustContain(t, c.reply("/rigel sync web"), "1 to create")
	mustContain(t, c.reply("/rigel apply web"), "Succeeded")
	getConfigMap(t, b.namespace, sync.InventoryName("web")) // the parent exists

	got := c.reply("/rigel list")
	mustNotContain(t, got, "Set by cluster admins")
	if _, err := config.NewRegistry(kc.Typed, b.namespace).Update(ctx, func(src *config.Sources) error {
		_, d := src.FindDeployment("web")
		if d == nil {
			return fmt.Errorf("no deployment web")
		}
		d.Prune, d.DriftIssue = true, true // as a cluster admin edits the ConfigMap
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	mustContain(t, c.reply("/rigel list"), "Set by cluster admins in the registry:",
		"- `web`: `prune: true` (every apply deletes what the folder no longer renders), `driftIssue: true` (a tracking issue while it drifts)")
	mustContain(t, c.reply("/rigel policy web"), "**Also set by cluster admins** for `web` in the registry: `prune: true`")

	got = c.reply("/rigel remove-deployment web")
	mustContain(t, got, "✅ Removed deployment `web`", "Its inventory, the ConfigMap `rigel-applyset-web` in Rigel's namespace, was deleted.",
		"The objects it applied stay in the cluster as they are")
	if _, err := kc.Typed.CoreV1().ConfigMaps(b.namespace).Get(ctx, sync.InventoryName("web"), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the inventory after remove-deployment: %v", err)
	}
	if cm := getConfigMap(t, ns, "a"); cm.Annotations[sync.AnnotationSourceRepo] != "web" {
		t.Errorf("the applied object after remove-deployment: %+v", cm.ObjectMeta)
	}
}
