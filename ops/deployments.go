package ops

import (
	"context"
	"fmt"

	"github.com/rigel-gitops/rigel/config"
)

// Pick is which deployments of a repository a request names: Names, or All of them, or
// (neither) the only one it has. An adapter refuses Names with All before asking.
type Pick struct {
	Names []string
	All   bool
	Verb  string // what the request is to do with them ("diff"), for the refusals to say
}

// Deployments resolves the deployments a request from repo's conversation picks: each name
// must be a deployment of repo (else *NotFound, *OtherRepo, or *InvalidEntries for a name
// only an invalid entry has); without names, the repo must have deployments
// (*NoDeployments, or *InvalidEntries when it has only invalid ones) and only one unless All
// (*Ambiguous). It returns repo's entry (nil when it is not registered) and the deployments.
func (s *Service) Deployments(ctx context.Context, repo string, p Pick) (*config.Repo, []config.Deployment, error) {
	src, err := s.load(ctx)
	if err != nil {
		return nil, nil, err
	}
	entry := src.FindRepo(repo)
	if len(p.Names) == 0 {
		switch {
		case (entry == nil || len(entry.Deployments) == 0) && len(src.InvalidEntries(repo)) > 0:
			return nil, nil, &InvalidEntries{Entries: src.InvalidEntries(repo)}
		case entry == nil || len(entry.Deployments) == 0:
			return nil, nil, &NoDeployments{Repo: repo}
		case p.All || len(entry.Deployments) == 1:
			return entry, entry.Deployments, nil
		}
		names := make([]string, len(entry.Deployments))
		for i, d := range entry.Deployments {
			names[i] = d.Name
		}
		return nil, nil, &Ambiguous{Repo: repo, Deployments: names, Verb: p.Verb}
	}
	var deps []config.Deployment
	for _, name := range p.Names {
		owner, dep := src.FindDeployment(name)
		switch {
		case dep == nil && src.InvalidDeployment(name) != nil:
			return nil, nil, &InvalidEntries{Entries: []*config.InvalidEntry{src.InvalidDeployment(name)}}
		case dep == nil:
			return nil, nil, deploymentNotFound(name, repo, src)
		case owner.Repo != repo:
			return nil, nil, &OtherRepo{Deployment: name, Repo: owner.Repo, Verb: p.Verb}
		}
		deps = append(deps, *dep)
	}
	return entry, deps, nil
}

// Deployment is the deployment called name and the repository it belongs to, whichever
// repository asks (the HTTP API); a *NotFound of KindDeployment when none has the name.
func (s *Service) Deployment(ctx context.Context, name string) (config.Repo, config.Deployment, error) {
	src, err := s.load(ctx)
	if err != nil {
		return config.Repo{}, config.Deployment{}, err
	}
	owner, dep := src.FindDeployment(name)
	if dep == nil {
		return config.Repo{}, config.Deployment{}, deploymentNotFound(name, "", src)
	}
	return *owner, *dep, nil
}

// load reads the registry.
func (s *Service) load(ctx context.Context) (*config.Sources, error) {
	src, err := s.Registry.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("failed to read the registry: %w", err)
	}
	return src, nil
}
