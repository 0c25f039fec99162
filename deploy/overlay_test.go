package deploy

import (
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// TestNamespacedOverlay applies the namespaced overlay and checks, as Rigel's ServiceAccount,
// that it deploys in the listed namespaces only and keeps what it needs in its own.
func TestNamespacedOverlay(t *testing.T) {
	admin := adminKube(t)
	// Rigel never deletes, so moving from the base to the overlay leaves the base's
	// ClusterRoleBindings behind: remove them, as docs/install.md says.
	for _, name := range []string{"rigel-deployer", "rigel-reader"} {
		err := admin.Typed.RbacV1().ClusterRoleBindings().Delete(ctxT(t), name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
	}
	checkNamespacedInstall(t, render(t, overlayDir), rigelNS, "deploy/"+overlayDir, []string{"team-a", "team-b"}, "deploy-overlay-other")
}

// checkNamespacedInstall applies objs, an installation in ns whose rights are narrowed to the
// namespaces targets, and checks as Rigel's ServiceAccount that it deploys there, is refused
// in the namespace third and for cluster-scoped objects, and keeps what it needs in its own.
func checkNamespacedInstall(t *testing.T, objs []*unstructured.Unstructured, ns, path string, targets []string, third string) {
	t.Helper()
	admin := adminKube(t)
	for _, n := range append([]string{third}, targets...) {
		if err := cluster.CreateNamespace(n); err != nil {
			t.Fatal(err)
		}
	}
	apply(t, admin, objs, path)
	createExampleSecret(t, admin, ns)
	rigel := asRigelIn(t, ns)

	for _, n := range targets {
		t.Run("deploys in "+n, func(t *testing.T) {
			eventually(t, "apply ConfigMap in "+n, func() error {
				return ssa(ctxT(t), rigel, probeConfigMap(n, "probe"))
			})
			apply(t, rigel, []*unstructured.Unstructured{probeConfigMap(n, "probe-engine")}, "probe")
		})
	}
	t.Run("reads and writes what it needs there, and no token, shell or escalation", func(t *testing.T) {
		checkRights(t, rigel, targets[0])
	})
	t.Run("runs a hook again and reads its logs there", func(t *testing.T) {
		checkHooksRun(t, rigel, targets[1])
	})
	t.Run("keeps the inventories of its deployments in its own namespace", func(t *testing.T) {
		e := &sync.Engine{Kube: rigel, Inventory: ns} // as app.New builds it (issue 12)
		prov := sync.Provenance{Deployment: "probe-inv", Path: "probe"}
		// A Deployment too: Rigel may not list Deployments in its own namespace, which is part
		// of every inventory (KEP-3659), and previews must go on.
		one := []sync.Object{{Obj: probeConfigMap(targets[0], "probe-inv")}, {Obj: probeDeployment(targets[0], "probe-inv")}}
		for range 2 { // the second preview reads the inventory the first apply wrote
			plan, err := e.Diff(ctxT(t), one, prov)
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.Apply(ctxT(t), plan, sync.ApplyOptions{})
			if err != nil || res.Status != sync.StatusSucceeded {
				t.Fatalf("apply with an inventory: %v %+v", err, res)
			}
		}
		plan, err := e.Diff(ctxT(t), nil, prov)
		if err != nil {
			t.Fatal(err)
		}
		if len(plan.Orphans) != 2 || plan.Orphans[0].Ref.Name != "probe-inv" || plan.Orphans[1].Ref.Name != "probe-inv" {
			t.Errorf("orphans %+v, want ConfigMap and Deployment probe-inv", plan.Orphans)
		}
	})
	t.Run("is forbidden elsewhere", func(t *testing.T) {
		eventually(t, "apply ConfigMap in "+third, func() error {
			return wantForbidden(ssa(ctxT(t), rigel, probeConfigMap(third, "probe")))
		})
		// Rigel's own diff refuses such an object with the apiserver's message.
		in := []sync.Object{{Obj: probeConfigMap(third, "probe-engine")}}
		plan, err := (&sync.Engine{Kube: rigel}).Diff(ctxT(t), in, sync.Provenance{Deployment: "probe", Path: "probe"})
		if err != nil {
			t.Fatal(err)
		}
		if c := plan.Changes[0]; c.Action != sync.ActionError || !strings.Contains(c.Err, "forbidden") {
			t.Errorf("diff in %s: %s %q, want a refusal saying forbidden", third, c.Action, c.Err)
		}
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("v1")
		u.SetKind("Namespace")
		u.SetName(ns + "-new")
		_, err = rigel.Dynamic.Resource(nsGVR).Create(ctxT(t), u, metav1.CreateOptions{})
		if err := wantForbidden(err); err != nil {
			t.Errorf("create a Namespace: %v", err)
		}
	})
	t.Run("keeps its own namespace's rights", func(t *testing.T) {
		eventually(t, "get Secret helmsman-github", func() error {
			_, err := rigel.Typed.CoreV1().Secrets(ns).Get(ctxT(t), config.CredentialSecret, metav1.GetOptions{})
			return err
		})
		if _, err := config.NewRegistry(rigel.Typed, ns).Update(ctxT(t), func(*config.Sources) error { return nil }); err != nil {
			t.Errorf("update the registry: %v", err)
		}
		checkLease(t, rigel, ns, "rigel-overlay")
		checkReadyz(t, rigel)
		// Only its own Secret: the Role names it.
		_, err := rigel.Typed.CoreV1().Secrets(ns).Get(ctxT(t), "another-secret", metav1.GetOptions{})
		if err := wantForbidden(err); err != nil {
			t.Errorf("get another Secret in %s: %v", ns, err)
		}
		_, err = rigel.Typed.CoreV1().Secrets(ns).List(ctxT(t), metav1.ListOptions{})
		if err := wantForbidden(err); err != nil {
			t.Errorf("list Secrets in %s: %v", ns, err)
		}
	})
}

// probeDeployment is a Deployment in ns, for checking what Rigel may deploy and read there.
func probeDeployment(ns, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]interface{}{
		"spec": map[string]interface{}{
			"selector": map[string]interface{}{"matchLabels": map[string]interface{}{"app": name}},
			"template": map[string]interface{}{
				"metadata": map[string]interface{}{"labels": map[string]interface{}{"app": name}},
				"spec":     map[string]interface{}{"containers": []interface{}{map[string]interface{}{"name": "app", "image": "registry.example/app:1"}}},
			},
		},
	}}
	u.SetAPIVersion("apps/v1")
	u.SetKind("Deployment")
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}
