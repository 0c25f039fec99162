package handlers

import (
	"context"
	"strings"

	"github.com/google/go-github/v62/github"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/commands"
)

// maxFollowUp bounds the text of a plain comment read as a follow-up; the model is sent less
// (model.MaxRequest), redacted.
const maxFollowUp = 64 << 10

// followUp hands a new plain comment (no command, not a bot's) in an open pull request to the
// runner (commands.Runner.FixFollowUp) when a model is configured: in Rigel's open fix pull
// request it asks the model again (issue 16); anywhere else it does nothing. The event key
// makes it run once per comment, whatever the redeliveries.
func (d *Deps) followUp(ctx context.Context, deliveryID string, payload []byte, ev *github.IssueCommentEvent) error {
	body := ev.Comment.GetBody()
	if d.Runner == nil || !d.Runner.FollowsUp() || !ev.Issue.IsPullRequest() || ev.Issue.GetState() != "open" ||
		strings.TrimSpace(body) == "" || len(body) > maxFollowUp {
		return nil
	}
	req := commands.Request{
		DeliveryID: deliveryID,
		Repo:       repoOf(ev.Repo, ev.Installation),
		Number:     ev.Issue.GetNumber(),
		IsPR:       true,
		CommentID:  ev.Comment.GetID(),
		Author:     ev.Comment.GetUser().GetLogin(),
		Body:       body,
	}
	ctx = zerolog.Ctx(ctx).With().
		Str("delivery", deliveryID).
		Str("repo", req.Repo.FullName()).
		Int("issue", req.Number).
		Str("author", req.Author).
		Logger().WithContext(ctx)
	gh, err := d.enter(ctx, EventKey("issue_comment", deliveryID, payload), deliveryID, req.Repo, req.Number)
	if gh == nil || err != nil {
		return err
	}
	return d.Runner.FixFollowUp(ctx, gh, req)
}
