package handlers

import (
	"context"
	"encoding/json"

	"github.com/google/go-github/v62/github"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/commands"
)

// Issues handles issues opened with commands in their body, and fix requests in plain words
// (issues opened or labelled, issues_fix.go).
type Issues struct{ Deps }

// Handles names the event.
func (h *Issues) Handles() []string { return []string{"issues"} }

// Handle runs the commands in the body of a newly opened issue.
func (h *Issues) Handle(ctx context.Context, _, deliveryID string, payload []byte) error {
	var ev github.IssuesEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("undecodable issues payload: ignored")
		return nil
	}
	if ev.Issue == nil || ev.Repo == nil || ev.Issue.IsPullRequest() {
		return nil
	}
	if ev.GetAction() == "labeled" || ev.GetAction() == "opened" && !mentionsRigel(ev.Issue.GetBody()) {
		return h.fixRequest(ctx, deliveryID, payload, &ev) // issues_fix.go
	}
	if ev.GetAction() != "opened" || h.isBot(ev.Issue.User) || h.isBot(ev.Sender) {
		return nil
	}
	return h.run(ctx, EventKey("issues", deliveryID, payload), commands.Request{
		DeliveryID: deliveryID,
		Repo:       repoOf(ev.Repo, ev.Installation),
		Number:     ev.Issue.GetNumber(),
		Author:     ev.Issue.GetUser().GetLogin(),
		Body:       ev.Issue.GetBody(),
	})
}
