package ops

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/gitsrc"
	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/kube"
)

// The conversation on a fix in plain words (issue 16): with a model configured, a plain
// comment (no command) in Rigel's open fix pull request, by someone who may run `fix`, asks
// the model again with the comment's words and the pull request's branch as it is now, and
// amends that branch with the verified answer (fix_amend.go) — or says why not. The rules are
// not run again, and no other pull request is opened.

// FixPull is Rigel's open fix pull request a plain comment is in: its head, and the linked
// workloads its branch can be the fix of (one, unless their names say several).
type FixPull struct {
	Head      PullHead
	Workloads []kube.WorkloadRef
}

// fixBranchID is what follows the workload's name in a fix branch (fixBranch, fixBranchName).
var fixBranchID = regexp.MustCompile(`^[0-9a-f]{7}(-[0-9a-f]{1,6})?$`)

// followUpNote tells the model where the person's words come from.
const followUpNote = "(A comment on Rigel's open fix pull request; the manifest is that pull request's branch as it is now.)\n\n"

// FollowsUp says whether plain comments in fix pull requests are read: a model is configured.
func (s *Service) FollowsUp() bool { return s.Model != nil }

// FixPullOf is the conversation's pull request when it is Rigel's open fix of a workload
// linked to its repository: an open pull request from a branch of the repository itself (not
// a fork) named as Rigel names fix branches, rigel/fix-NAME-ID, for a linked workload NAME.
// nil when it is not one, or no model is configured: a plain comment there is then none of
// Rigel's business. The base branch is checked when the fix is made (amendTarget).
func (s *Service) FixPullOf(ctx context.Context, call Call) (*FixPull, error) {
	if s.Model == nil || !call.IsPR || call.Number == 0 || call.Forge == nil {
		return nil, nil
	}
	head, err := call.Forge.PullHead(ctx, call.Repo, call.Number)
	if err != nil {
		return nil, fmt.Errorf("failed to read pull request #%d of %s: %w", call.Number, call.Repo.FullName(), err)
	}
	here := call.Repo.FullName()
	if head.State != "open" || head.Merged || !strings.HasPrefix(head.Ref, fixBranchPrefix) || head.SHA == "" ||
		!strings.EqualFold(head.HeadRepo, here) || !strings.EqualFold(head.BaseRepo, here) {
		return nil, nil
	}
	linked, err := s.LinkedWorkloads(ctx, here)
	if err != nil {
		return nil, err
	}
	out := &FixPull{Head: head}
	seen := map[kube.WorkloadRef]bool{}
	for _, w := range linked {
		rest, ok := strings.CutPrefix(head.Ref, fixBranchPrefix+w.Name+"-")
		if ok && fixBranchID.MatchString(rest) && !seen[w] {
			seen[w] = true
			out.Workloads = append(out.Workloads, w)
		}
	}
	if len(out.Workloads) == 0 {
		return nil, nil
	}
	return out, nil
}

// askModelAgain is the model's part of a follow-up (FixRequest.FollowUp): the pull request of
// the conversation must be Rigel's open fix of the workload; its branch is fetched (returned,
// for the amend to be made on) and the model consulted on it with the comment's words.
func (s *Service) askModelAgain(ctx context.Context, call Call, t fixTarget, req FixRequest) (*gitsrc.Snapshot, *fix.Diagnosis, *ModelVerdict, error) {
	if s.Model == nil {
		return nil, nil, nil, &Invalid{Msg: "Rigel has no model configured (`RIGEL_MODEL_URL`), so it does not read comments in plain words. Nothing was changed; type `/rigel fix KIND/NAME -n NAMESPACE set …` to amend this pull request."}
	}
	head, err := amendTarget(ctx, call, req, req.Workload, t.repo.Branch)
	if err != nil {
		return nil, nil, nil, err
	}
	if head == nil {
		return nil, nil, nil, notAFixPull(call, req.Workload)
	}
	snap, err := s.Fetch(ctx, t.origin, Target{Ref: "refs/heads/" + head.Ref, Branch: head.Ref, Commit: head.SHA})
	if err != nil {
		return nil, nil, nil, err
	}
	req.Words = followUpNote + req.Words
	d, v, err := s.consult(ctx, t, req, &fix.Diagnosis{}, snap)
	return snap, d, v, err
}

// notAFixPull refuses a follow-up outside the workload's open fix pull request.
func notAFixPull(call Call, ref kube.WorkloadRef) error {
	return &Invalid{Msg: fmt.Sprintf("#%d is not Rigel's open fix pull request of %s %s in namespace %s into the deployment's branch, so a comment there amends nothing. Nothing was changed.",
		call.Number, strings.ToLower(ref.Kind), untrusted.MarkdownCode(ref.Name), untrusted.MarkdownCode(ref.Namespace))}
}
