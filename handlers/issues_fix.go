package handlers

import (
	"context"
	"strings"

	"github.com/google/go-github/v62/github"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/commands"
)

// fixRequest hands an issue that may ask for a fix in plain words (issue 16) to the runner
// (commands.Runner.FixIssue): an issue opened without a command (when Deps.FixIssues), or one
// a person labelled Deps.FixLabel. Pull requests never: their events are not `issues`.
func (d *Deps) fixRequest(ctx context.Context, deliveryID string, payload []byte, ev *github.IssuesEvent) error {
	req := commands.IssueFix{Request: commands.Request{
		DeliveryID: deliveryID,
		Repo:       repoOf(ev.Repo, ev.Installation),
		Number:     ev.Issue.GetNumber(),
		Body:       ev.Issue.GetTitle() + "\n\n" + ev.Issue.GetBody(),
	}}
	switch ev.GetAction() {
	case "opened":
		if !d.FixIssues || d.isBot(ev.Issue.User) || d.isBot(ev.Sender) || d.hasFixLabel(ev.Issue.Labels) {
			return nil // an issue opened with the label is answered for its `labeled` event
		}
		req.Author = ev.Issue.GetUser().GetLogin()
	case "labeled":
		if d.FixLabel == "" || ev.Label == nil || !strings.EqualFold(ev.Label.GetName(), d.FixLabel) || d.isBot(ev.Sender) {
			return nil
		}
		if ev.Issue.GetState() == "closed" {
			zerolog.Ctx(ctx).Info().Int("issue", ev.Issue.GetNumber()).Msg("closed issue labelled for a fix: ignored")
			return nil
		}
		req.Author, req.Labelled = ev.Sender.GetLogin(), true
	default:
		return nil
	}
	ctx = zerolog.Ctx(ctx).With().
		Str("delivery", deliveryID).
		Str("repo", req.Repo.FullName()).
		Int("issue", req.Number).
		Str("author", req.Author).
		Bool("labelled", req.Labelled).
		Logger().WithContext(ctx)
	gh, err := d.enter(ctx, EventKey("issues", deliveryID, payload), deliveryID, req.Repo, req.Number)
	if gh == nil || err != nil {
		return err
	}
	return d.Runner.FixIssue(ctx, gh, req)
}

// hasFixLabel says whether labels hold Deps.FixLabel.
func (d *Deps) hasFixLabel(labels []*github.Label) bool {
	for _, l := range labels {
		if d.FixLabel != "" && strings.EqualFold(l.GetName(), d.FixLabel) {
			return true
		}
	}
	return false
}
