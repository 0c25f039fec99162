package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/config"
)

// forkPreviewRole is the role that may preview a pull request from a fork when the settings do
// not open fork previews to everyone.
const forkPreviewRole = "write"

// checkForkPreview refuses to preview (diff, sync) a pull request whose head repository is not
// the base repository unless the commenter has write on the repository, or the settings open
// fork previews (RIGEL_ALLOW_FORK_PREVIEW): a preview fetches and renders the fork's files and
// sends the objects to the cluster. It runs before anything is fetched.
func (c *call) checkForkPreview(ctx context.Context) error {
	if !c.req.IsPR || c.r.Access.AllowForkPreview {
		return nil
	}
	pr, err := c.gh.PullHead(ctx, c.req.Repo, c.req.Number)
	if err != nil {
		return fmt.Errorf("failed to read PR #%d: %w", c.req.Number, err)
	}
	repo := c.req.Repo.FullName()
	base := pr.BaseRepo
	if base == "" {
		base = repo
	}
	if pr.HeadRepo != "" && strings.EqualFold(pr.HeadRepo, base) {
		return nil
	}
	have, err := c.gh.Permission(ctx, c.req.Repo, c.req.Author)
	if err != nil {
		return fmt.Errorf("failed to check the permission of @%s on %s: %w", c.req.Author, repo, err)
	}
	if config.LevelRank(have) >= config.LevelRank(forkPreviewRole) {
		return nil
	}
	from := "a repository that no longer exists"
	if pr.HeadRepo != "" {
		from = "the fork " + code(pr.HeadRepo)
	}
	return userErrorf("PR #%d comes from %s, and Rigel previews pull requests from forks only for people with `%s` on %s: a preview renders the fork's files and sends them to the cluster. @%s has the `%s` role. Nothing was fetched, rendered or sent to the cluster. Ask someone with `%s` access to read the change and comment `/rigel %s` here. (An admin of Rigel can open fork previews to everyone allowed to run the command with `RIGEL_ALLOW_FORK_PREVIEW=true`.)",
		c.req.Number, from, forkPreviewRole, repo, c.req.Author, have, forkPreviewRole, c.cmd.Verb)
}
