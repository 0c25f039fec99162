package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/go-github/v62/github"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/commands"
)

// Push handles push events (issue 11, apply on merge; issue 12, push-triggered sync): a push
// to a branch (not a tag, not a deletion) is handed to commands.Runner.HandlePush, which
// applies on merge what the push merged (ops.ApplyOnMerge) and says so in the merged pull
// request, and applies the deployments registered with applyOn: push whose inputs it changes
// (ops.ApplyOnPush). Anything else is dropped.
type Push struct{ Deps }

// Handles names the event.
func (h *Push) Handles() []string { return []string{"push"} }

// zeroSHA is the commit GitHub names for a branch that does not exist (before a creation,
// after a deletion).
const zeroSHA = "0000000000000000000000000000000000000000"

// Handle decodes a push and runs it once however often it is delivered (the same push
// redelivered, or its body replayed under a new delivery id, shares its key).
func (h *Push) Handle(ctx context.Context, _, deliveryID string, payload []byte) error {
	var ev github.PushEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("undecodable push payload: ignored")
		return nil
	}
	branch, ok := strings.CutPrefix(ev.GetRef(), "refs/heads/")
	after := strings.ToLower(ev.GetAfter())
	if !ok || branch == "" || ev.GetDeleted() || !isSHA(after) || after == zeroSHA || ev.Repo == nil {
		return nil // a tag, a deletion, or not a push to a branch
	}
	repo := commands.Repo{
		Owner:         ev.Repo.GetOwner().GetLogin(),
		Name:          ev.Repo.GetName(),
		DefaultBranch: ev.Repo.GetDefaultBranch(),
		CloneURL:      ev.Repo.GetCloneURL(),
		Installation:  ev.Installation.GetID(),
	}
	if repo.Owner == "" {
		repo.Owner = ev.Repo.GetOwner().GetName() // push payloads name the owner by name
	}
	log := zerolog.Ctx(ctx).With().Str("delivery", deliveryID).Str("repo", repo.FullName()).Str("branch", branch).Str("commit", after).Logger()
	ctx = log.WithContext(ctx)
	key := fmt.Sprintf("push/%d/%s/%s/%s", ev.Repo.GetID(), ev.GetRef(), strings.ToLower(ev.GetBefore()), after)
	gh, err := h.enterRepo(ctx, key, deliveryID, repo) // common.go: admitted, not handled before
	if gh == nil || err != nil {
		return err
	}
	push := commands.Push{DeliveryID: deliveryID, Repo: repo, Branch: branch, Before: strings.ToLower(ev.GetBefore()), After: after, Pusher: ev.GetPusher().GetName(), Forced: ev.GetForced()}
	if err := h.Runner.HandlePush(ctx, gh, push); err != nil {
		return fmt.Errorf("failed to handle push %s: %w", deliveryID, err)
	}
	return nil
}

// isSHA says s is a full commit id: 40 lower-case hex digits.
func isSHA(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
