package handlers

import (
	"context"
	"errors"
	"fmt"
	"github.com/rigel-gitops/rigel/ops"
	"strings"

	"github.com/google/go-github/v62/github"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/commands"
)

// Clients gives the GitHub of an installation.
type Clients interface {
	ForInstallation(id int64) (ops.Forge, error)
}

// Deps is what every handler needs.
type Deps struct {
	Runner   *commands.Runner
	Clients  Clients
	BotLogin string
	Seen     *Deliveries // events already handled (by EventKey); nil: no deduplication
	Gate     Gate        // checks the repository a delivery names before anything runs (gate.go); nil: none

	// Fix requests in issues (issue 16, issues_fix.go): FixIssues reads every opened issue for
	// one; FixLabel is the label that asks for one ("": none).
	FixIssues bool
	FixLabel  string
}

// isBot says whether a comment's author is a bot (Rigel itself included): bots never command Rigel.
func (d *Deps) isBot(u *github.User) bool {
	return u == nil || u.GetType() == "Bot" || strings.HasSuffix(u.GetLogin(), "[bot]") || strings.EqualFold(u.GetLogin(), d.BotLogin)
}

func repoOf(r *github.Repository, inst *github.Installation) commands.Repo {
	return commands.Repo{
		Owner:         r.GetOwner().GetLogin(),
		Name:          r.GetName(),
		DefaultBranch: r.GetDefaultBranch(),
		CloneURL:      r.GetCloneURL(),
		Installation:  inst.GetID(),
	}
}

// run hands a request to the runner with a logger that names it, unless the event named key
// (EventKey) already ran.
func (d *Deps) run(ctx context.Context, key string, req commands.Request) error {
	ctx = zerolog.Ctx(ctx).With().
		Str("delivery", req.DeliveryID).
		Str("repo", req.Repo.FullName()).
		Int("issue", req.Number).
		Str("author", req.Author).
		Logger().WithContext(ctx)
	gh, err := d.enter(ctx, key, req.DeliveryID, req.Repo, req.Number)
	if gh == nil || err != nil {
		return err
	}
	if err := d.Runner.Handle(ctx, gh, req); err != nil {
		return fmt.Errorf("failed to handle delivery %s: %w", req.DeliveryID, err)
	}
	return nil
}

// enter is the gate every event passes before anything runs: a repository and a number, a
// repository the gate admits (a refusal is logged, and nothing runs), an event (named key,
// EventKey) not handled before. It returns the installation's GitHub to act with, or nil
// when nothing is to run; an error when it cannot tell now (GitHub or the cluster away).
func (d *Deps) enter(ctx context.Context, key, deliveryID string, repo ops.Repo, number int) (ops.Forge, error) {
	if repo.Owner == "" || repo.Name == "" || number <= 0 {
		zerolog.Ctx(ctx).Warn().Msg("event without repository or issue: ignored")
		return nil, nil
	}
	return d.enterRepo(ctx, key, deliveryID, repo)
}

// enterRepo is enter for an event about a repository, not a conversation (a push).
func (d *Deps) enterRepo(ctx context.Context, key, deliveryID string, repo ops.Repo) (ops.Forge, error) {
	log := zerolog.Ctx(ctx)
	if repo.Owner == "" || repo.Name == "" {
		log.Warn().Msg("event without repository: ignored")
		return nil, nil
	}
	if err := d.admit(ctx, repo); err != nil {
		var refused *ops.NotAdmitted
		if errors.As(err, &refused) {
			log.Warn().Err(err).Msg("delivery refused: nothing runs")
			return nil, nil
		}
		return nil, fmt.Errorf("failed to check delivery %s: %w", deliveryID, err)
	}
	if !d.Seen.Claim(ctx, key) {
		log.Info().Str("event_key", key).Msg("event already handled: ignored")
		return nil, nil
	}
	gh, err := d.Clients.ForInstallation(repo.Installation)
	if err != nil {
		return nil, fmt.Errorf("failed to act for %s: %w", repo.FullName(), err)
	}
	return gh, nil
}

// admit asks the gate, if any, whether Rigel may act on repo.
func (d *Deps) admit(ctx context.Context, repo ops.Repo) error {
	if d.Gate == nil {
		return nil
	}
	return d.Gate.Admit(ctx, repo)
}

// mentionsRigel is a cheap filter before any parsing.
func mentionsRigel(body string) bool {
	return strings.Contains(strings.ToLower(body), commands.Prefix)
}
