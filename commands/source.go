package commands

import (
	"context"
	"fmt"
	"github.com/rigel-gitops/rigel/ops"

	"github.com/rigel-gitops/rigel/config"
)

// head is what a command works on: in a pull request its head, elsewhere the repo's branch.
func (c *call) head(ctx context.Context, branch string) (target, error) {
	if c.req.IsPR {
		ph, err := c.gh.PullHead(ctx, c.req.Repo, c.req.Number)
		if err != nil {
			return target{}, fmt.Errorf("failed to read the head of PR #%d: %w", c.req.Number, err)
		}
		return ops.PullTarget(c.req.Number, ph.SHA), nil
	}
	return ops.BranchTarget(branch), nil
}

// repoEntry is this conversation's repo as the registry stores it.
func (c *call) repoEntry() config.Repo {
	return config.Repo{
		Repo:           c.req.Repo.FullName(),
		Branch:         c.req.Repo.DefaultBranch,
		CloneURL:       c.req.Repo.CloneURL,
		InstallationID: c.req.Repo.Installation,
	}
}

// deployments resolves the deployments a command names: NAME…, --all, or the only one.
func (c *call) deployments(ctx context.Context) (*config.Repo, []config.Deployment, error) {
	src, err := c.r.Registry.Load(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to read the registry: %w", err)
	}
	repo := src.FindRepo(c.req.Repo.FullName())
	_, all := c.cmd.Flag("all")
	verb := c.cmd.Verb
	if len(c.cmd.Args) == 0 {
		switch {
		case (repo == nil || len(repo.Deployments) == 0) && len(src.InvalidEntries(c.req.Repo.FullName())) > 0:
			return nil, nil, invalidEntriesError(src.InvalidEntries(c.req.Repo.FullName()))
		case repo == nil || len(repo.Deployments) == 0:
			return nil, nil, userErrorf("%s has no deployments yet. Register a folder first: `/rigel add-deployment PATH` (or `/rigel add-deployment` to see the folders that hold manifests).", c.req.Repo.FullName())
		case all || len(repo.Deployments) == 1:
			return repo, repo.Deployments, nil
		default:
			return nil, nil, userErrorf("%s has %d deployments: say which, e.g. `/rigel %s %s`, or `/rigel %s --all`.", c.req.Repo.FullName(), len(repo.Deployments), verb, repo.Deployments[0].Name, verb)
		}
	}
	if all {
		return nil, nil, userErrorf("give deployment names or `--all`, not both.")
	}
	var deps []config.Deployment
	for _, name := range c.cmd.Args {
		owner, dep := src.FindDeployment(name)
		switch {
		case dep == nil && src.InvalidDeployment(name) != nil:
			return nil, nil, invalidEntriesError([]*config.InvalidEntry{src.InvalidDeployment(name)})
		case dep == nil:
			return nil, nil, userErrorf("there is no deployment named %s.%s", code(short(name)), knownNames(repo))
		case owner.Repo != c.req.Repo.FullName():
			return nil, nil, userErrorf("the deployment `%s` belongs to %s: run `/rigel %s %s` in a conversation of that repo.", name, owner.Repo, verb, name)
		}
		deps = append(deps, *dep)
	}
	return repo, deps, nil
}

func knownNames(repo *config.Repo) string { return knownNamesWith(repo, commentHints) }
