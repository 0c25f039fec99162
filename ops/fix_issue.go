package ops

import (
	"context"

	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/sync"
)

// LinkedWorkloads are the workloads linked to the deployments of repo (their
// sync.AnnotationSourceRepo names one of them): those an issue of repo may ask a fix of
// (issue 16, fix requests in issues). None when repo is not registered or has no deployments
// (the cluster is then not read).
func (s *Service) LinkedWorkloads(ctx context.Context, repo string) ([]kube.WorkloadRef, error) {
	src, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	entry := src.FindRepo(repo)
	if entry == nil || len(entry.Deployments) == 0 {
		return nil, nil
	}
	found, err := s.Workloads.FindWorkloads(ctx, sync.AnnotationSourceRepo)
	if err != nil {
		return nil, err
	}
	var out []kube.WorkloadRef
	for _, d := range entry.Deployments {
		out = append(out, found[d.Name]...)
	}
	return out, nil
}
