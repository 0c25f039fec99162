package ops

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/gitsrc"
	"github.com/rigel-gitops/rigel/kube"
)

// The conversation on a fix (issue 16): `/rigel fix … set …` typed in the open pull request of
// a fix Rigel proposed for that workload amends it — one more commit on its branch, made and
// verified as the first (the edit placed, only the asked change, the policies) — instead of
// opening another pull request.

// fixBranchPrefix begins the branch of every fix Rigel proposes (fixBranch).
const fixBranchPrefix = "rigel/fix-"

// amendTarget is the head of the conversation's pull request when a fix of ref typed there
// amends it: explicit edits (or a plain-text follow-up, FixRequest.FollowUp), an open pull request of the repository itself (not a fork) from
// a fix branch of that workload into base. nil when the fix is not an amend.
func amendTarget(ctx context.Context, call Call, req FixRequest, ref kube.WorkloadRef, base string) (*PullHead, error) {
	if !call.IsPR || call.Number == 0 || (req.Edits == nil && !req.FollowUp) || call.Forge == nil {
		return nil, nil
	}
	head, err := call.Forge.PullHead(ctx, call.Repo, call.Number)
	if err != nil {
		return nil, err
	}
	here := call.Repo.FullName()
	if head.State != "open" || head.Merged || !strings.HasPrefix(head.Ref, fixBranchPrefix+ref.Name+"-") ||
		!strings.EqualFold(head.HeadRepo, here) || !strings.EqualFold(head.BaseRepo, here) || head.BaseRef != base || head.SHA == "" {
		return nil, nil
	}
	return &head, nil
}

// amendFix pushes the fix onto the branch of the pull request head and sets out as the
// answer: the same pull request, amended (or Unchanged when the branch has the edits already).
func (s *Service) amendFix(ctx context.Context, t fixTarget, p *FixProposal, head *PullHead, files map[string][]byte, bot string, out *FixOutcome) (*FixOutcome, error) {
	res, err := s.Source.Push(ctx, gitsrc.PushRequest{
		Repo: p.Repo, CloneURL: t.origin.CloneURL, Base: head.SHA, Onto: head.SHA, Branch: head.Ref, Files: files,
		Message: p.CommitMessage(), Author: gitsrc.Signature{Name: bot, Email: botEmail(bot)}, Token: t.origin.Creds,
	})
	var taken *gitsrc.BranchTakenError
	switch {
	case errors.Is(err, gitsrc.ErrNothingToCommit):
		out.Unchanged, out.InPull = true, head
		return out, nil
	case errors.As(err, &taken):
		return nil, fmt.Errorf("the branch %s of this pull request moved while Rigel amended it (type the command again): %w", head.Ref, err)
	case err != nil:
		return nil, err
	}
	p.Commit, out.Branch = res.Commit, head.Ref
	pull, err := t.forge.FindPull(ctx, t.ghRepo, head.Ref)
	if err != nil {
		return nil, err
	}
	if pull == nil {
		pull = &Pull{Number: p.Number, Head: head.Ref, Base: head.BaseRef}
	}
	zerolog.Ctx(ctx).Info().Int("pull", pull.Number).Str("branch", head.Ref).Str("commit", res.Commit).Msg("fix amended")
	out.Pull, out.Amended = pull, true
	return out, nil
}
