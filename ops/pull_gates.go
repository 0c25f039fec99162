package ops

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
)

// gatedHead is the target of an apply of a plan armed at commit. Outside a pull request it is
// the branch; in one it reads the PR, refuses it unless every gate holds for commit
// (checkPullGates), and returns the head of the read it checked: applyPinned refuses unless
// the head is commit, so the approvals that let the apply through are approvals of exactly
// the commit applied.
func (s *Service) gatedHead(ctx context.Context, call Call, branch, commit string) (Target, error) {
	if !call.IsPR {
		return BranchTarget(branch), nil
	}
	pr, err := s.checkPullGates(ctx, call, branch, commit)
	if err != nil {
		return Target{}, err
	}
	return PullTarget(call.Number, pr.SHA), nil
}

// checkPullGates refuses to apply commit from a pull request that is closed, merged or a
// draft (*PullNotOpen), comes from a fork unless allowed (*ForkApply), is not approved at
// commit by someone with write access, has changes requested by such a person, or is in a
// mergeable state the settings refuse (*NotReady, which lists every requirement missing). A
// PR whose head is no longer commit passes to the caller, which refuses it as stale (the next
// step is a new preview, whatever the reviews say).
func (s *Service) checkPullGates(ctx context.Context, call Call, branch, commit string) (PullHead, error) {
	a := s.Access
	pr, err := readPull(ctx, call)
	if err != nil {
		return PullHead{}, err
	}
	if err := s.pullRefusal(call, pr, branch); err != nil {
		return PullHead{}, err
	}
	if commit == "" {
		commit = pr.SHA
	}
	if !strings.EqualFold(pr.SHA, commit) {
		return pr, nil // stale: the caller says so and asks for a new preview
	}
	if a.RequireMergeable && a.Mergeable.Refuses("unknown") && computing(pr) {
		if pr, err = s.awaitMergeable(ctx, call, pr); err != nil {
			return PullHead{}, err
		}
		if err := s.pullRefusal(call, pr, branch); err != nil { // what changed meanwhile
			return PullHead{}, err
		}
		if !strings.EqualFold(pr.SHA, commit) {
			return pr, nil
		}
	}
	var missing []Requirement
	if a.RequireApproval {
		m, err := approvalGate(ctx, call, commit)
		if err != nil {
			return PullHead{}, err
		}
		missing = append(missing, m...)
	}
	if a.RequireMergeable {
		if st := mergeableState(pr); a.Mergeable.Refuses(st) {
			missing = append(missing, Requirement{Kind: MergeableState, State: st, Base: pr.BaseRef, Head: pr.SHA, ByDefault: a.Mergeable.Refuse == nil})
		}
	}
	if len(missing) == 0 {
		return pr, nil
	}
	return PullHead{}, &NotReady{Pull: call.Number, Missing: missing}
}

// pullRefusal refuses a pull request that is merged, closed, a draft, or (unless allowed)
// from a fork. branch is the branch Rigel follows in the repo.
func (s *Service) pullRefusal(call Call, pr PullHead, branch string) error {
	repo := call.Repo.FullName()
	notOpen := func(st PullState) error {
		return &PullNotOpen{Pull: call.Number, Repo: repo, Branch: branch, State: st}
	}
	switch {
	case pr.Merged:
		return notOpen(PullMerged)
	case strings.EqualFold(pr.State, "closed"):
		return notOpen(PullClosed)
	case pr.Draft:
		return notOpen(PullDraft)
	}
	base := pr.BaseRepo
	if base == "" {
		base = repo
	}
	if !s.Access.AllowForkApply && !strings.EqualFold(pr.HeadRepo, base) {
		return &ForkApply{Pull: call.Number, Repo: repo, HeadRepo: pr.HeadRepo}
	}
	return nil
}

func readPull(ctx context.Context, call Call) (PullHead, error) {
	pr, err := call.Forge.PullHead(ctx, call.Repo, call.Number)
	if err != nil {
		return PullHead{}, fmt.Errorf("failed to read PR #%d: %w", call.Number, err)
	}
	return pr, nil
}

// computing reports whether GitHub is still computing whether pr merges: it answers
// mergeable null and mergeable_state "unknown" until it has.
func computing(pr PullHead) bool {
	return pr.Mergeable == nil || mergeableState(pr) == "unknown"
}

// mergeableState is pr's mergeable_state, "unknown" when GitHub gave none.
func mergeableState(pr PullHead) string {
	if s := strings.ToLower(strings.TrimSpace(pr.MergeableState)); s != "" {
		return s
	}
	return "unknown"
}

// awaitMergeable reads a pull request again, up to MergeableRereads times with a doubling
// wait, while GitHub is still computing whether it merges. It returns the last read.
func (s *Service) awaitMergeable(ctx context.Context, call Call, pr PullHead) (PullHead, error) {
	wait := s.Access.Mergeable.Wait()
	for i := 0; i < MergeableRereads && computing(pr); i++ {
		zerolog.Ctx(ctx).Debug().Dur("wait", wait).Int("reread", i+1).Msg("mergeability not computed yet")
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return PullHead{}, fmt.Errorf("stopped waiting for GitHub to compute whether PR #%d merges: %w", call.Number, ctx.Err())
		case <-t.C:
		}
		wait *= 2
		var err error
		if pr, err = readPull(ctx, call); err != nil {
			return PullHead{}, err
		}
	}
	return pr, nil
}

// decision is a reviewer's latest deciding review.
type decision struct {
	user, state, commit string
}

// latestDecisions takes each reviewer's latest deciding review (approval, change request or
// dismissal; comments decide nothing), by login. A dismissal clears what the reviewer decided;
// a review without a login (its account was deleted) holds no role and decides nothing.
func latestDecisions(reviews []Review) []decision {
	latest := map[string]decision{}
	for _, r := range reviews {
		if strings.TrimSpace(r.User) == "" {
			continue
		}
		switch s := strings.ToUpper(r.State); s {
		case "APPROVED", "CHANGES_REQUESTED", "DISMISSED":
			u := strings.ToLower(r.User)
			latest[u] = decision{user: u, state: s, commit: strings.ToLower(r.CommitID)}
		}
	}
	var out []decision
	for _, d := range latest {
		if d.state != "DISMISSED" {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].user < out[j].user })
	return out
}

// reviewVerdict is what the reviews say about applying a commit, once each reviewer's role is
// known.
type reviewVerdict struct {
	approved []string      // @login of writers who approved the commit
	blocking []string      // @login of writers whose latest review requests changes
	notes    []Requirement // approvals that do not count, and why
}

// judgeReviews judges the latest decisions for commit; role maps a login to its repository
// role. Only someone with write or higher approves or blocks.
func judgeReviews(ds []decision, role map[string]string, commit string) reviewVerdict {
	var v reviewVerdict
	writer := config.LevelRank("write")
	for _, d := range ds {
		r := role[d.user]
		canWrite := config.LevelRank(r) >= writer
		switch {
		case d.state == "CHANGES_REQUESTED" && canWrite:
			v.blocking = append(v.blocking, "@"+d.user)
		case d.state != "APPROVED":
			// changes requested by someone without write: not theirs to block
		case !canWrite:
			v.notes = append(v.notes, Requirement{Kind: ApprovalByNonWriter, Users: []string{"@" + d.user}, Role: r, Head: commit})
		case d.commit == strings.ToLower(commit):
			v.approved = append(v.approved, "@"+d.user)
		default: // d.commit "": an earlier commit GitHub no longer names
			v.notes = append(v.notes, Requirement{Kind: ApprovalOfOtherCommit, Users: []string{"@" + d.user}, Commit: d.commit, Head: commit})
		}
	}
	return v
}

// approvalGate reads the reviews and, each time, the role of every reviewer whose latest
// review decides something; it returns what is missing for commit to be approved.
func approvalGate(ctx context.Context, call Call, commit string) ([]Requirement, error) {
	n := call.Number
	reviews, err := call.Forge.Reviews(ctx, call.Repo, n)
	if err != nil {
		return nil, fmt.Errorf("failed to read the reviews of PR #%d: %w", n, err)
	}
	ds := latestDecisions(reviews)
	role := map[string]string{}
	for _, d := range ds {
		if strings.HasSuffix(d.user, "[bot]") {
			role[d.user] = "none" // an app holds no role on the repository
			continue
		}
		r, err := call.Forge.Permission(ctx, call.Repo, d.user)
		if err != nil {
			return nil, fmt.Errorf("failed to check the permission of reviewer @%s on %s: %w", d.user, call.Repo.FullName(), err)
		}
		role[d.user] = r
	}
	v := judgeReviews(ds, role, commit)
	var missing []Requirement
	if len(v.blocking) > 0 {
		missing = append(missing, Requirement{Kind: ChangesRequested, Users: v.blocking, Head: commit})
	}
	if len(v.approved) == 0 {
		missing = append(missing, Requirement{Kind: Unapproved, Head: commit})
		missing = append(missing, v.notes...)
	}
	return missing, nil
}
