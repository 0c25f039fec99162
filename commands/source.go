package commands

import (
	"context"
	"fmt"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/words"

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

// deployments resolves the deployments a command names: NAME…, --all, or the only one
// (ops.Deployments).
func (c *call) deployments(ctx context.Context) (*config.Repo, []config.Deployment, error) {
	_, all := c.cmd.Flag("all")
	if all && len(c.cmd.Args) > 0 {
		return nil, nil, userErrorf("give deployment names or `--all`, not both.")
	}
	return c.r.Ops.Deployments(ctx, c.req.Repo.FullName(), ops.Pick{Names: c.cmd.Args, All: all, Verb: c.cmd.Verb})
}

// knownNames names the deployments of repo, for a refusal about an unknown one.
func knownNames(repo *config.Repo) string { return words.KnownNames(repo, commentHints) }
