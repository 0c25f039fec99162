package deploy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/sync"
)

var (
	configMapGVR = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	nsGVR        = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
)

// eventually retries check until it returns nil or timeout passes: RBAC changes reach the
// apiserver's authorizer a moment after they are written.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%s: %v", what, err)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ctxT is a context bounded for one test step.
func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// createExampleSecret creates the credentials Secret from secret.example.yaml in ns, as an
// operator would.
func createExampleSecret(t *testing.T, kc *kube.Client, ns string) {
	t.Helper()
	raw, err := os.ReadFile("secret.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var s corev1.Secret
	if err := yaml.UnmarshalStrict(raw, &s); err != nil {
		t.Fatalf("secret.example.yaml is not a Secret: %v", err)
	}
	for _, k := range []string{config.SecretKeyAppID, config.SecretKeyPrivateKey, config.SecretKeyWebhookSecret} {
		if s.StringData[k] == "" {
			t.Errorf("secret.example.yaml has no %s", k)
		}
	}
	if s.Name != config.CredentialSecret || s.Namespace != rigelNS {
		t.Fatalf("secret.example.yaml is Secret %s/%s, want %s/%s", s.Namespace, s.Name, rigelNS, config.CredentialSecret)
	}
	s.Namespace = ns
	_, err = kc.Typed.CoreV1().Secrets(ns).Create(ctxT(t), &s, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("failed to create the example Secret: %v", err)
	}
}

// probeConfigMap is a ConfigMap in ns, for checking where Rigel may deploy.
func probeConfigMap(ns, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind("ConfigMap")
	u.SetNamespace(ns)
	u.SetName(name)
	_ = unstructured.SetNestedStringMap(u.Object, map[string]string{"probe": "rigel"}, "data")
	return u
}

// ssa server-side-applies u as kc (field manager rigel), as Rigel's engine does.
func ssa(ctx context.Context, kc *kube.Client, u *unstructured.Unstructured) error {
	body, err := u.MarshalJSON()
	if err != nil {
		return err
	}
	force := true
	_, err = kc.Dynamic.Resource(configMapGVR).Namespace(u.GetNamespace()).Patch(ctx, u.GetName(), types.ApplyPatchType, body,
		metav1.PatchOptions{FieldManager: sync.FieldManager, Force: &force})
	return err
}

func wantForbidden(err error) error {
	switch {
	case err == nil:
		return errors.New("allowed, want Forbidden")
	case !apierrors.IsForbidden(err):
		return fmt.Errorf("want Forbidden, got %w", err)
	}
	return nil
}

// TestBaseInstalls applies the base with Rigel's engine, checks it is idempotent and that
// the registry it installs loads, then checks as Rigel's ServiceAccount that its RBAC lets
// it do its job.
func TestBaseInstalls(t *testing.T) {
	checkClusterWideInstall(t, func() []*unstructured.Unstructured { return render(t, ".") }, rigelNS, "deploy", "deploy-base-target")
}

// checkClusterWideInstall applies an installation in ns with cluster-wide rights (objects
// gives them, each call afresh) with Rigel's engine, checks it is idempotent and that
// the registry it installs loads, then checks as Rigel's ServiceAccount that its RBAC lets it
// do its job: in its namespace and in the namespace other.
func checkClusterWideInstall(t *testing.T, objects func() []*unstructured.Unstructured, ns, path, other string) {
	t.Helper()
	admin := adminKube(t)
	apply(t, admin, objects(), path)

	// A second run changes nothing: the manifests are what the apiserver keeps.
	objs := objects()
	in := make([]sync.Object, len(objs))
	for i, u := range objs {
		in[i] = sync.Object{Obj: u}
	}
	plan, err := (&sync.Engine{Kube: admin}).Diff(ctxT(t), in, sync.Provenance{Deployment: "rigel", Path: path})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range plan.Changes {
		if c.Action != sync.ActionUnchanged {
			t.Errorf("second diff: %s is %s, want unchanged:\n%s", c.Ref, c.Action, c.Diff)
		}
	}

	s, err := config.NewRegistry(admin.Typed, ns).Load(ctxT(t))
	if err != nil {
		t.Fatalf("the installed registry does not load: %v", err)
	}
	if s.Version != config.SchemaVersion || len(s.Repos) != 0 {
		t.Errorf("installed registry = %+v, want version %d and no repos", s, config.SchemaVersion)
	}

	createExampleSecret(t, admin, ns)
	rigel := asRigelIn(t, ns)
	if err := cluster.CreateNamespace(other); err != nil {
		t.Fatal(err)
	}

	t.Run("reads its credentials Secret", func(t *testing.T) {
		eventually(t, "get Secret helmsman-github", func() error {
			_, err := rigel.Typed.CoreV1().Secrets(ns).Get(ctxT(t), config.CredentialSecret, metav1.GetOptions{})
			return err
		})
	})
	t.Run("probes the apiserver for /readyz", func(t *testing.T) {
		checkReadyz(t, rigel)
	})
	t.Run("updates its registry", func(t *testing.T) {
		reg := config.NewRegistry(rigel.Typed, ns)
		eventually(t, "update ConfigMap helmsman-git-sources", func() error {
			_, err := reg.Update(ctxT(t), func(s *config.Sources) error {
				s.Repos = []config.Repo{{Repo: "acme/shop", Branch: "main", Deployments: []config.Deployment{{Name: "web", Path: "apps/web/k8s"}}}}
				return nil
			})
			return err
		})
		s, err := reg.Load(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Repos) != 1 || s.Repos[0].Repo != "acme/shop" {
			t.Errorf("registry after update = %+v", s.Repos)
		}
		// Installing again (an upgrade) keeps what Rigel wrote.
		apply(t, admin, objects(), path)
		if s, err = reg.Load(ctxT(t)); err != nil || len(s.Repos) != 1 {
			t.Errorf("registry after installing again = %+v (%v), want acme/shop kept", s, err)
		}
	})
	t.Run("takes a Lease in its namespace", func(t *testing.T) {
		checkLease(t, rigel, ns, "rigel-base")
	})
	t.Run("deploys in another namespace", func(t *testing.T) {
		eventually(t, "apply ConfigMap in "+other, func() error {
			return ssa(ctxT(t), rigel, probeConfigMap(other, "probe"))
		})
		apply(t, rigel, []*unstructured.Unstructured{probeConfigMap(other, "probe-engine")}, "probe")
	})
	t.Run("cannot do more", func(t *testing.T) {
		err := rigel.Typed.CoreV1().ConfigMaps(other).Delete(ctxT(t), "probe", metav1.DeleteOptions{})
		if err := wantForbidden(err); err != nil {
			t.Errorf("delete a ConfigMap: %v", err)
		}
	})
	t.Run("reads and writes what it needs, and no token, shell or escalation", func(t *testing.T) {
		checkRights(t, rigel, other)
		// fix's rule of room reads the nodes' allocatable (cluster-wide installs only).
		if !canI(t, rigel, right{"list", "", "nodes", "", ""}) {
			t.Error("Rigel may not list nodes: fix needs it to tell what fits on them")
		}
	})
	t.Run("runs a chart's hook again and reads its logs", func(t *testing.T) {
		checkHooksRun(t, rigel, other)
	})
}

// checkLease creates, reads and takes over a Lease in Rigel's namespace ns as kc.
func checkLease(t *testing.T, kc *kube.Client, ns, name string) {
	t.Helper()
	leases := kc.Typed.CoordinationV1().Leases(ns)
	holder := "rigel-0"
	eventually(t, "create Lease", func() error {
		_, err := leases.Create(ctxT(t), &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder},
		}, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return err
	})
	l, err := leases.Get(ctxT(t), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get Lease: %v", err)
	}
	holder = "rigel-1"
	l.Spec.HolderIdentity = &holder
	if _, err := leases.Update(ctxT(t), l, metav1.UpdateOptions{}); err != nil {
		t.Errorf("update Lease: %v", err)
	}
	checkReplicaLeases(t, kc, ns)
}

// checkReadyz makes the request Rigel's own /readyz makes: the apiserver's /readyz as kc.
func checkReadyz(t *testing.T, kc *kube.Client) {
	t.Helper()
	if err := kc.Typed.Discovery().RESTClient().Get().AbsPath("/readyz").Do(ctxT(t)).Error(); err != nil {
		t.Errorf("GET /readyz on the apiserver: %v", err)
	}
}
