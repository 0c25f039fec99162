package ops

import (
	"context"
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/sync"
)

// Fakes and fixtures of the link, unlink, fix, policy and authorization tests.

// The repositories of the tests: acme/web (deployments web and api) and acme/other (shop).
var (
	webRepo   = Repo{Owner: "acme", Name: "web", DefaultBranch: "main", CloneURL: "https://github.test/acme/web.git", Installation: 1}
	otherRepo = Repo{Owner: "acme", Name: "other", DefaultBranch: "main", CloneURL: "https://github.test/acme/other.git", Installation: 1}
)

// seedRegistry registers repos (clone URLs and branches from the test repositories).
func seedRegistry(t *testing.T, svc *Service, repos ...config.Repo) {
	t.Helper()
	_, err := svc.Registry.Update(context.Background(), func(s *config.Sources) error {
		s.Repos = append(s.Repos, repos...)
		return nil
	})
	if err != nil {
		t.Fatalf("seeding the registry: %v", err)
	}
}

// entry is a registry entry of r with deployments.
func entry(r Repo, deps ...config.Deployment) config.Repo {
	return config.Repo{Repo: r.FullName(), Branch: r.DefaultBranch, CloneURL: r.CloneURL, InstallationID: r.Installation, Deployments: deps}
}

// conversation is a call from issue 12 of repo by author, with forge.
func conversation(repo Repo, author string, forge Forge) Call {
	return Call{Repo: repo, Number: 12, Author: author, Forge: forge}
}

// addWorkload adds a workload with annotations to w.
func addWorkload(w *fakeWorkloads, ref kube.WorkloadRef, ann map[string]string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.workloads == nil {
		w.workloads = map[kube.WorkloadRef]*kube.Workload{}
	}
	w.workloads[ref] = &kube.Workload{WorkloadRef: ref, Annotations: ann, ResourceVersion: "1"}
}

// linkedTo is the annotations of a workload linked to dep.
func linkedTo(dep, path string) map[string]string {
	return map[string]string{sync.AnnotationSourceRepo: dep, sync.AnnotationSourcePath: path}
}

// annotateFails is Workloads whose Annotate fails with err (after reading the workload).
type annotateFails struct {
	*fakeWorkloads
	err   error
	calls int
}

func (a *annotateFails) Annotate(context.Context, kube.WorkloadRef, string, map[string]string, ...string) error {
	a.calls++
	return a.err
}

// conflict is the apiserver's answer to a write at an old resourceVersion.
var conflict = apierrors.NewConflict(schema.GroupResource{Group: "apps", Resource: "deployments"}, "web", errors.New("the object has been modified"))

// permissionFails is a Forge that cannot tell roles.
type permissionFails struct{ *fakeForge }

func (permissionFails) Permission(context.Context, Repo, string) (string, error) {
	return "", errors.New("GitHub answered 502")
}
