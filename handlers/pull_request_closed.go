package handlers

import (
	"context"
	"fmt"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/words"
)

// closed releases the holds of a closed pull request (merged or not) through
// ops.Service.ReleasePull and says so in the pull request, once however often the event is
// delivered; a redelivery, or a close of a PR that held nothing, changes nothing and says
// nothing.
func (h *PullRequest) closed(ctx context.Context, deliveryID string, payload []byte, ev *github.PullRequestEvent) error {
	repo := repoOf(ev.Repo, ev.Installation)
	number := ev.GetNumber()
	if number == 0 {
		number = ev.PullRequest.GetNumber()
	}
	log := zerolog.Ctx(ctx).With().Str("delivery", deliveryID).Str("repo", repo.FullName()).Int("issue", number).Str("action", "closed").Logger()
	ctx = log.WithContext(ctx)
	// A PR closed, reopened and closed again at the same head is closed twice: the time of the
	// close tells the two apart.
	key := EventKey("pull_request", deliveryID, payload)
	if at := ev.PullRequest.GetClosedAt(); !at.IsZero() && key != "" {
		key += "/" + at.UTC().Format(time.RFC3339)
	}
	gh, err := h.enter(ctx, key, deliveryID, repo, number)
	if gh == nil || err != nil {
		return err
	}
	released, err := h.Runner.Ops.ReleasePull(ctx, repo.FullName(), number)
	if err != nil {
		return fmt.Errorf("failed to release the holds of %s#%d: %w", repo.FullName(), number, err)
	}
	if len(released) == 0 {
		return nil
	}
	if _, err := gh.Comment(ctx, repo, number, words.PullReleased(released, ev.PullRequest.GetMerged())); err != nil {
		log.Warn().Err(err).Msg("failed to say in the pull request that its holds were released")
	}
	return nil
}
