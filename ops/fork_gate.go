package ops

import (
	"context"
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/config"
)

// ForkPreviewRole is the role that may preview a pull request from a fork when the settings
// do not open fork previews to everyone.
const ForkPreviewRole = "write"

// checkForkPreview refuses (*ForkPreview) to preview a pull request whose head repository is
// not the base repository unless the author has ForkPreviewRole on the repository, or the
// settings open fork previews (RIGEL_ALLOW_FORK_PREVIEW): a preview fetches and renders the
// fork's files and sends the objects to the cluster. It runs before anything is fetched;
// outside a pull request it lets everything through.
func (s *Service) checkForkPreview(ctx context.Context, call Call, verb string) error {
	if !call.IsPR || s.Access.AllowForkPreview {
		return nil
	}
	pr, err := call.Forge.PullHead(ctx, call.Repo, call.Number)
	if err != nil {
		return fmt.Errorf("failed to read PR #%d: %w", call.Number, err)
	}
	repo := call.Repo.FullName()
	base := pr.BaseRepo
	if base == "" {
		base = repo
	}
	if pr.HeadRepo != "" && strings.EqualFold(pr.HeadRepo, base) {
		return nil
	}
	have, err := call.Forge.Permission(ctx, call.Repo, call.Author)
	if err != nil {
		return fmt.Errorf("failed to check the permission of @%s on %s: %w", call.Author, repo, err)
	}
	if config.LevelRank(have) >= config.LevelRank(ForkPreviewRole) {
		return nil
	}
	return &ForkPreview{Pull: call.Number, Repo: repo, HeadRepo: pr.HeadRepo, Author: call.Author, Have: have, Need: ForkPreviewRole, Verb: verb}
}
