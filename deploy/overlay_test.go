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
	third := "deploy-overlay-other"
	for _, ns := range []string{"team-a", "team-b", third} {
		if err := cluster.CreateNamespace(ns); err != nil {
			t.Fatal(err)
		}
	}
	// Rigel never deletes, so moving from the base to the overlay leaves the base's
	// ClusterRoleBinding behind: remove it, as docs/install.md says.
	err := admin.Typed.RbacV1().ClusterRoleBindings().Delete(ctxT(t), "rigel-deployer", metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	objs := render(t, overlayDir)
	apply(t, admin, objs, "deploy/"+overlayDir)
	createExampleSecret(t, admin)
	rigel := asRigel(t)

	for _, ns := range []string{"team-a", "team-b"} {
		t.Run("deploys in "+ns, func(t *testing.T) {
			eventually(t, "apply ConfigMap in "+ns, func() error {
				return ssa(ctxT(t), rigel, probeConfigMap(ns, "probe"))
			})
			apply(t, rigel, []*unstructured.Unstructured{probeConfigMap(ns, "probe-engine")}, "probe")
		})
	}
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
		ns := &unstructured.Unstructured{}
		ns.SetAPIVersion("v1")
		ns.SetKind("Namespace")
		ns.SetName("deploy-overlay-new")
		_, err = rigel.Dynamic.Resource(nsGVR).Create(ctxT(t), ns, metav1.CreateOptions{})
		if err := wantForbidden(err); err != nil {
			t.Errorf("create a Namespace: %v", err)
		}
	})
	t.Run("keeps its own namespace's rights", func(t *testing.T) {
		eventually(t, "get Secret helmsman-github", func() error {
			_, err := rigel.Typed.CoreV1().Secrets(rigelNS).Get(ctxT(t), config.CredentialSecret, metav1.GetOptions{})
			return err
		})
		if _, err := config.NewRegistry(rigel.Typed, rigelNS).Update(ctxT(t), func(*config.Sources) error { return nil }); err != nil {
			t.Errorf("update the registry: %v", err)
		}
		checkLease(t, rigel, "rigel-overlay")
		checkReadyz(t, rigel)
		// Only its own Secret: the Role names it.
		_, err := rigel.Typed.CoreV1().Secrets(rigelNS).Get(ctxT(t), "another-secret", metav1.GetOptions{})
		if err := wantForbidden(err); err != nil {
			t.Errorf("get another Secret in %s: %v", rigelNS, err)
		}
		_, err = rigel.Typed.CoreV1().Secrets(rigelNS).List(ctxT(t), metav1.ListOptions{})
		if err := wantForbidden(err); err != nil {
			t.Errorf("list Secrets in %s: %v", rigelNS, err)
		}
	})
}
