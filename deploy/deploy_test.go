package deploy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/sync"
)

// Names the manifests install; the tests check them as a user of the manifests would.
const (
	rigelNS    = "rigel"
	overlayDir = "overlays/namespaced"
	// pruneOverlayDir is the base with components/pruner: the right to delete, for prune.
	pruneOverlayDir = "overlays/prune"
)

var cluster *testenv.Cluster

func TestMain(m *testing.M) {
	var err error
	cluster, err = testenv.StartCluster()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	cluster.Stop()
	os.Exit(code)
}

// render builds the kustomization in dir (relative to this folder) with kustomize, from disk.
func render(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(filesys.MakeFsOnDisk(), abs)
	if err != nil {
		t.Fatalf("failed to build %s with kustomize: %v", dir, err)
	}
	var out []*unstructured.Unstructured
	for _, r := range rm.Resources() {
		js, err := r.MarshalJSON()
		if err != nil {
			t.Fatalf("failed to encode object %s built from %s: %v", r.CurId(), dir, err)
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(js); err != nil {
			t.Fatalf("failed to decode object %s built from %s: %v", r.CurId(), dir, err)
		}
		out = append(out, u)
	}
	return out
}

// find returns the rendered object of that kind and name, failing the test when absent.
func find(t *testing.T, objs []*unstructured.Unstructured, kind, namespace, name string) *unstructured.Unstructured {
	t.Helper()
	for _, u := range objs {
		if u.GetKind() == kind && u.GetNamespace() == namespace && u.GetName() == name {
			return u
		}
	}
	t.Fatalf("no %s %s/%s among the rendered objects", kind, namespace, name)
	return nil
}

func has(objs []*unstructured.Unstructured, kind, namespace, name string) bool {
	for _, u := range objs {
		if u.GetKind() == kind && u.GetNamespace() == namespace && u.GetName() == name {
			return true
		}
	}
	return false
}

// adminKube is a Rigel kube client with the cluster's admin credentials.
func adminKube(t *testing.T) *kube.Client {
	t.Helper()
	kc, err := kube.New(rest.CopyConfig(cluster.Config))
	if err != nil {
		t.Fatal(err)
	}
	return kc
}

// asRigel is a Rigel kube client that impersonates Rigel's ServiceAccount, with the groups a
// ServiceAccount's token carries.
func asRigel(t *testing.T) *kube.Client {
	t.Helper()
	return asRigelIn(t, rigelNS)
}

// asRigelIn impersonates the ServiceAccount rigel of namespace ns, where an installation put it.
func asRigelIn(t *testing.T, ns string) *kube.Client {
	t.Helper()
	cfg := rest.CopyConfig(cluster.Config)
	cfg.Impersonate = rest.ImpersonationConfig{
		UserName: "system:serviceaccount:" + ns + ":rigel",
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"},
	}
	kc, err := kube.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return kc
}

// apply diffs and applies objs with Rigel's engine as kc, failing the test on any refused
// object, and returns the result.
func apply(t *testing.T, kc *kube.Client, objs []*unstructured.Unstructured, path string) *sync.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	in := make([]sync.Object, len(objs))
	for i, u := range objs {
		in[i] = sync.Object{Obj: u}
	}
	e := &sync.Engine{Kube: kc}
	plan, err := e.Diff(ctx, in, sync.Provenance{Deployment: "rigel", Path: path})
	if err != nil {
		t.Fatalf("diff of %s: %v", path, err)
	}
	for _, c := range plan.Changes {
		if c.Action == sync.ActionError {
			t.Errorf("diff of %s refused %s: %s", path, c.Ref, c.Err)
		}
	}
	res, err := e.Apply(ctx, plan, sync.ApplyOptions{})
	if err != nil {
		t.Fatalf("apply of %s: %v", path, err)
	}
	for _, o := range res.Objects {
		if o.Action == sync.ActionError {
			t.Errorf("apply of %s failed for %s: %s", path, o.Ref, o.Message)
		}
	}
	if res.Status != sync.StatusSucceeded {
		t.Fatalf("apply of %s: status %s, want %s", path, res.Status, sync.StatusSucceeded)
	}
	return res
}
