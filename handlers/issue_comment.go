package handlers

import (
	"context"
	"encoding/json"

	"github.com/google/go-github/v62/github"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/commands"
)

// IssueComment handles comments on issues and pull requests.
type IssueComment struct{ Deps }

// Handles names the event.
func (h *IssueComment) Handles() []string { return []string{"issue_comment"} }

// Handle runs the commands of a new comment. Edits and deletions run nothing: a command runs
// once, when it is posted.
func (h *IssueComment) Handle(ctx context.Context, _, deliveryID string, payload []byte) error {
	var ev github.IssueCommentEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("undecodable issue_comment payload: ignored")
		return nil
	}
	if ev.GetAction() != "created" || ev.Comment == nil || ev.Issue == nil || ev.Repo == nil {
		return nil
	}
	if h.isBot(ev.Comment.User) || h.isBot(ev.Sender) {
		return nil
	}
	if !mentionsRigel(ev.Comment.GetBody()) {
		return h.followUp(ctx, deliveryID, payload, &ev) // plain words in a fix pull request (fix_followup.go)
	}
	return h.run(ctx, EventKey("issue_comment", deliveryID, payload), commands.Request{
		DeliveryID: deliveryID,
		Repo:       repoOf(ev.Repo, ev.Installation),
		Number:     ev.Issue.GetNumber(),
		IsPR:       ev.Issue.IsPullRequest(),
		CommentID:  ev.Comment.GetID(),
		Author:     ev.Comment.GetUser().GetLogin(),
		Body:       ev.Comment.GetBody(),
	})
}
