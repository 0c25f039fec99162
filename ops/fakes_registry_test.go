package ops

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sfake "k8s.io/client-go/kubernetes/fake"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/kube"
)

// The registry tests' fakes: a registry that starts from a ConfigMap written by hand (so it
// can hold invalid entries, as a cluster admin's edit can), and a service over it.

// registryWith is the real config.Registry (namespace rigel) over a fake clientset whose
// ConfigMap helmsman-git-sources holds reposYAML as its repos.yaml ("" : no ConfigMap).
func registryWith(reposYAML string) *config.Registry {
	if reposYAML == "" {
		return newFakeRegistry()
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: config.SourcesConfigMap, Namespace: "rigel"},
		Data:       map[string]string{"version": "2", "repos.yaml": reposYAML},
	}
	return config.NewRegistry(k8sfake.NewSimpleClientset(cm), "rigel")
}

// registryService is a service over registryWith(reposYAML), a fake source with files at
// the tip of main (returned as its commit), and fake workloads.
func registryService(t *testing.T, reposYAML string, files map[string]string) (*Service, string, *fakeWorkloads) {
	t.Helper()
	src, wl := &fakeSource{}, &fakeWorkloads{workloads: map[kube.WorkloadRef]*kube.Workload{}}
	sha := src.commit("refs/heads/main", files)
	return &Service{Registry: registryWith(reposYAML), Source: src, Planner: &fakePlanner{}, Workloads: wl, Locker: &fakeLocker{}}, sha, wl
}

// stored is the registry's ConfigMap data as stored now, to check that a refusal changed nothing.
func stored(t *testing.T, s *Service) string {
	t.Helper()
	src, err := s.Registry.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := ""
	for _, r := range src.Repos {
		out += r.Repo + "@" + r.Branch + ":"
		for _, d := range r.Deployments {
			out += " " + d.Name + "=" + d.Path
		}
		out += "\n"
	}
	for _, e := range src.Invalid {
		out += "invalid " + e.Repo + " " + e.Deployment + "\n"
	}
	return out
}
