package handlers

import (
	"context"
	"fmt"

	"github.com/google/go-github/v62/github"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/commands"
	"github.com/rigel-gitops/rigel/ops"
)

// autoplan previews a pull request's new head by itself (commands.Runner.Autoplan decides
// nothing here: ops.Autoplan holds the rules).
func (h *PullRequest) autoplan(ctx context.Context, deliveryID string, payload []byte, ev *github.PullRequestEvent) error {
	pr := ev.PullRequest
	req := commands.PullRequest{
		DeliveryID: deliveryID,
		Repo:       repoOf(ev.Repo, ev.Installation),
		Number:     ev.GetNumber(),
		Head:       pullHeadOf(pr),
		Base:       pr.GetBase().GetSHA(),
		Author:     pr.GetUser().GetLogin(),
	}
	if req.Number == 0 {
		req.Number = pr.GetNumber()
	}
	if req.Head.SHA == "" {
		zerolog.Ctx(ctx).Warn().Str("delivery", deliveryID).Msg("pull_request event without a head commit: ignored")
		return nil
	}
	return h.runAutoplan(ctx, EventKey("pull_request", deliveryID, payload), req)
}

// pullHeadOf is the head of a pull request as an event names it.
func pullHeadOf(pr *github.PullRequest) ops.PullHead {
	return ops.PullHead{
		SHA: pr.GetHead().GetSHA(), Ref: pr.GetHead().GetRef(),
		State: pr.GetState(), Merged: pr.GetMerged(), Draft: pr.GetDraft(),
		HeadRepo: pr.GetHead().GetRepo().GetFullName(), BaseRepo: pr.GetBase().GetRepo().GetFullName(), BaseRef: pr.GetBase().GetRef(),
		Mergeable: pr.Mergeable, MergeableState: pr.GetMergeableState(),
	}
}

// runAutoplan hands an autoplan to the runner, once per event key, for a repository the
// gate admits (enter).
func (d *Deps) runAutoplan(ctx context.Context, key string, req commands.PullRequest) error {
	ctx = zerolog.Ctx(ctx).With().
		Str("delivery", req.DeliveryID).
		Str("repo", req.Repo.FullName()).
		Int("pull", req.Number).
		Logger().WithContext(ctx)
	gh, err := d.enter(ctx, key, req.DeliveryID, req.Repo, req.Number)
	if gh == nil || err != nil {
		return err
	}
	if err := d.Runner.Autoplan(ctx, gh, req); err != nil {
		return fmt.Errorf("failed to handle delivery %s: %w", req.DeliveryID, err)
	}
	return nil
}
