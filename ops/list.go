package ops

import (
	"context"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/sync"
)

// Listing is what Rigel knows of a repository's deployments: what `/rigel list` shows.
type Listing struct {
	Repo  string       // the repository asked about
	Entry *config.Repo // its registry entry; nil when it is not registered
	// Workloads are the workloads carrying each deployment's name (sync.AnnotationSourceRepo):
	// applied by Rigel or linked. Looked up only when the repository has deployments.
	Workloads    map[string][]kube.WorkloadRef
	WorkloadsErr error                  // why they could not be listed; the rest is still worth showing
	Invalid      []*config.InvalidEntry // the repository's registry entries Rigel ignores
	Holds        []PullHold             // pull requests' holds on deployments (pull_holds.go), of any repository
	// Drift (issue 12) is the latest drift report of each of the repository's deployments
	// checked (drift.go); nil when drift detection is off.
	Drift map[string]*DriftReport
}

// List is what Rigel knows of repo's deployments, with the workloads linked to each.
func (s *Service) List(ctx context.Context, repo string) (*Listing, error) {
	src, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	out := &Listing{Repo: repo, Entry: src.FindRepo(repo), Invalid: src.InvalidEntries(repo)}
	if out.Entry != nil && len(out.Entry.Deployments) > 0 {
		out.Workloads, out.WorkloadsErr = s.Workloads.FindWorkloads(ctx, sync.AnnotationSourceRepo)
		if out.WorkloadsErr != nil {
			zerolog.Ctx(ctx).Warn().Err(out.WorkloadsErr).Msg("failed to look up linked workloads")
		}
		// drift (issue 12): the leader's latest reports
		out.Drift = s.driftOf(ctx, out.Entry)
		if out.Holds, err = s.ListHolds(ctx); err != nil { // the rest is still worth showing
			zerolog.Ctx(ctx).Warn().Err(err).Msg("failed to list the holds of pull requests")
		}
	}
	return out, nil
}

// Sources is the registry as stored: every repository and deployment Rigel works with, and
// the entries it ignores.
func (s *Service) Sources(ctx context.Context) (*config.Sources, error) {
	return s.load(ctx)
}

// Registered is the registry entry of the repository named name (case-insensitive), nil
// when it is not registered.
func (s *Service) Registered(ctx context.Context, name string) (*config.Repo, error) {
	src, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	return src.FindRepo(name), nil
}
