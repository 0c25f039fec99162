package deploy

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/rigel-gitops/rigel/config"
)

// TestReapplyKeepsRegistry checks what docs/install.md promises: once Rigel has written its
// registry, applying the installation's ConfigMap again succeeds and keeps the registry.
func TestReapplyKeepsRegistry(t *testing.T) {
	admin := adminKube(t)
	ns := "deploy-reapply"
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	cm := find(t, render(t, "."), "ConfigMap", rigelNS, config.SourcesConfigMap).DeepCopy()
	cm.SetNamespace(ns)
	body, err := cm.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	kubectlApply := func() error { // what `kubectl apply --server-side` sends: no force
		_, err := admin.Dynamic.Resource(configMapGVR).Namespace(ns).Patch(ctxT(t), cm.GetName(), types.ApplyPatchType, body,
			metav1.PatchOptions{FieldManager: "kubectl"})
		return err
	}
	checkRegistryKept(t, ns, kubectlApply, kubectlApply)
}

// checkRegistryKept installs the registry ConfigMap in the namespace ns with install, lets
// Rigel register a repo, installs again with reinstall and checks the repo is still there.
func checkRegistryKept(t *testing.T, ns string, install, reinstall func() error) {
	t.Helper()
	if err := install(); err != nil {
		t.Fatalf("install: %v", err)
	}
	reg := config.NewRegistry(adminKube(t).Typed, ns)
	if _, err := reg.Update(ctxT(t), func(s *config.Sources) error {
		s.Repos = append(s.Repos, config.Repo{Repo: "acme/shop", Branch: "main", Deployments: []config.Deployment{{Name: "web", Path: "apps/web/k8s"}}})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := reinstall(); err != nil {
		t.Errorf("installing again: %v", err)
	}
	s, err := reg.Load(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Repos) != 1 || s.Repos[0].Repo != "acme/shop" {
		t.Errorf("registry after installing again: %+v, want acme/shop kept", s.Repos)
	}
}
