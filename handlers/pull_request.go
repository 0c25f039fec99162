package handlers

import (
	"context"
	"encoding/json"

	"github.com/google/go-github/v62/github"
	"github.com/rs/zerolog"
)

// PullRequest handles pull request events: a new head previews itself (autoplan,
// pull_request_autoplan.go); a closed pull request gives back the deployments it held
// (pull_request_closed.go).
type PullRequest struct{ Deps }

// Handles names the event.
func (h *PullRequest) Handles() []string { return []string{"pull_request"} }

// Handle acts on the actions Rigel follows; the others change nothing.
func (h *PullRequest) Handle(ctx context.Context, _, deliveryID string, payload []byte) error {
	var ev github.PullRequestEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("undecodable pull_request payload: ignored")
		return nil
	}
	if ev.PullRequest == nil || ev.Repo == nil {
		return nil
	}
	switch ev.GetAction() {
	case "opened", "synchronize", "reopened", "ready_for_review":
		return h.autoplan(ctx, deliveryID, payload, &ev)
	case "closed":
		return h.closed(ctx, deliveryID, payload, &ev)
	}
	return nil
}
