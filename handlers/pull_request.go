package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/words"
)

// PullRequest handles pull_request events. For now only `closed` (merged or not): it gives
// back the holds the pull request had on deployments (ops.Service.ReleasePull) and says so in
// the pull request. Autoplan (issue 11) extends it with opened, synchronize, reopened.
type PullRequest struct{ Deps }

// Handles names the event.
func (h *PullRequest) Handles() []string { return []string{"pull_request"} }

// Handle releases the holds of a closed pull request, once however often the event is
// delivered; a redelivery, or a close of a PR that held nothing, changes nothing and says
// nothing.
func (h *PullRequest) Handle(ctx context.Context, _, deliveryID string, payload []byte) error {
	var ev github.PullRequestEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("undecodable pull_request payload: ignored")
		return nil
	}
	if ev.GetAction() != "closed" || ev.PullRequest == nil || ev.Repo == nil {
		return nil
	}
	repo := repoOf(ev.Repo, ev.Installation)
	number := ev.GetNumber()
	if number == 0 {
		number = ev.PullRequest.GetNumber()
	}
	log := zerolog.Ctx(ctx).With().Str("delivery", deliveryID).Str("repo", repo.FullName()).Int("issue", number).Str("action", "closed").Logger()
	ctx = log.WithContext(ctx)
	if repo.Owner == "" || repo.Name == "" || number <= 0 {
		log.Warn().Msg("pull_request event without repository or number: ignored")
		return nil
	}
	if err := h.admit(ctx, repo); err != nil {
		var refused *ops.NotAdmitted
		if errors.As(err, &refused) {
			log.Warn().Err(err).Msg("delivery refused: nothing runs")
			return nil
		}
		return fmt.Errorf("failed to check delivery %s: %w", deliveryID, err)
	}
	// A PR closed, reopened and closed again at the same head is closed twice: the time of the
	// close tells the two apart.
	key := EventKey("pull_request", deliveryID, payload)
	if at := ev.PullRequest.GetClosedAt(); !at.IsZero() && key != "" {
		key += "/" + at.UTC().Format(time.RFC3339)
	}
	if !h.Seen.Claim(ctx, key) {
		log.Info().Str("event_key", key).Msg("event already handled: ignored")
		return nil
	}
	released, err := h.Runner.Ops.ReleasePull(ctx, repo.FullName(), number)
	if err != nil {
		return fmt.Errorf("failed to release the holds of %s#%d: %w", repo.FullName(), number, err)
	}
	if len(released) == 0 {
		return nil
	}
	gh, err := h.Clients.ForInstallation(repo.Installation)
	if err != nil {
		return fmt.Errorf("failed to act for %s: %w", repo.FullName(), err)
	}
	if _, err := gh.Comment(ctx, repo, number, words.PullReleased(released, ev.PullRequest.GetMerged())); err != nil {
		log.Warn().Err(err).Msg("failed to say in the pull request that its holds were released")
	}
	return nil
}
