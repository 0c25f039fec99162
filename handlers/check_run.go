package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-github/v62/github"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/commands"
	"github.com/rigel-gitops/rigel/ops"
)

// CheckRun handles check run events: a person asks a preview check run of Rigel's
// ("rigel/preview: <deployment>") to run again, and the deployment is previewed again at that
// head.
type CheckRun struct{ Deps }

// Handles names the event.
func (h *CheckRun) Handles() []string { return []string{"check_run"} }

// previewCheckPrefix begins the names of Rigel's preview check runs (commands/checks.go).
const previewCheckPrefix = "rigel/preview: "

// Handle previews again the deployment of a preview check run asked to run again, when its
// commit is still the head of its pull request; everything else changes nothing.
func (h *CheckRun) Handle(ctx context.Context, _, deliveryID string, payload []byte) error {
	log := zerolog.Ctx(ctx)
	var ev github.CheckRunEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		log.Warn().Err(err).Msg("undecodable check_run payload: ignored")
		return nil
	}
	cr := ev.CheckRun
	if ev.GetAction() != "rerequested" || cr == nil || ev.Repo == nil {
		return nil
	}
	dep, ok := strings.CutPrefix(cr.GetName(), previewCheckPrefix)
	if !ok || dep == "" || len(cr.PullRequests) == 0 {
		return nil // not a preview of Rigel's, or on no pull request
	}
	repo := repoOf(ev.Repo, ev.Installation)
	number := cr.PullRequests[0].GetNumber()
	if err := h.admit(ctx, repo); err != nil {
		if errors.As(err, new(*ops.NotAdmitted)) {
			log.Warn().Err(err).Str("repo", repo.FullName()).Msg("delivery refused: nothing runs")
			return nil
		}
		return fmt.Errorf("failed to check delivery %s: %w", deliveryID, err)
	}
	gh, err := h.Clients.ForInstallation(repo.Installation)
	if err != nil {
		return fmt.Errorf("failed to act for %s: %w", repo.FullName(), err)
	}
	head, err := gh.PullHead(ctx, repo, number)
	if err != nil {
		return fmt.Errorf("failed to read PR %s#%d for a check run asked again: %w", repo.FullName(), number, err)
	}
	if head.SHA != cr.GetHeadSHA() {
		log.Info().Str("repo", repo.FullName()).Int("pull", number).Str("check_head", cr.GetHeadSHA()).Str("head", head.SHA).
			Msg("a preview check run of a replaced head was asked again: the current head has its own")
		return nil
	}
	return h.runAutoplan(ctx, EventKey("check_run", deliveryID, payload), commands.PullRequest{
		DeliveryID: deliveryID, Repo: repo, Number: number, Head: head, Author: ev.GetSender().GetLogin(), Only: []string{dep},
	})
}
