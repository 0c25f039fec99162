package commands

import (
	"context"
	"fmt"
	"github.com/rigel-gitops/rigel/ops"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
)

// mergeableRereads is how many times a PR whose mergeability GitHub is still computing is read
// again before the gate refuses it as unknown (waits of 1, 2 and 4 RetryWait).
const mergeableRereads = 3

// gatedHead is head for /rigel apply of a plan armed at commit. In a pull request it reads
// the PR, refuses it unless every gate holds for commit (checkPullGates), and returns the
// head of the read it checked: applyPinned refuses unless the head is commit, so the approvals
// that let the apply through are approvals of exactly the commit applied.
func (c *call) gatedHead(ctx context.Context, branch, commit string) (target, error) {
	if !c.req.IsPR {
		return ops.BranchTarget(branch), nil
	}
	pr, err := c.checkPullGates(ctx, branch, commit)
	if err != nil {
		return target{}, err
	}
	return ops.PullTarget(c.req.Number, pr.SHA), nil
}

// checkPullGates refuses to apply commit from a pull request that is closed, merged or a
// draft, comes from a fork (unless allowed), is not approved at commit by someone with write
// access, has changes requested by such a person, or is in a mergeable state the settings
// refuse. A PR whose head is no longer commit passes to the caller, which refuses it as stale
// (the next step is a new preview, whatever the reviews say). The refusal lists every
// requirement that is missing and how to meet it.
func (c *call) checkPullGates(ctx context.Context, branch, commit string) (PullHead, error) {
	a := c.r.Access
	n := c.req.Number
	pr, err := c.readPull(ctx)
	if err != nil {
		return PullHead{}, err
	}
	if err := c.pullRefusal(pr, branch); err != nil {
		return PullHead{}, err
	}
	if commit == "" {
		commit = pr.SHA
	}
	if !strings.EqualFold(pr.SHA, commit) {
		return pr, nil // stale: the caller says so and asks for a new preview
	}
	if a.RequireMergeable && a.Mergeable.Refuses("unknown") && computing(pr) {
		if pr, err = c.awaitMergeable(ctx, pr); err != nil {
			return PullHead{}, err
		}
		if err := c.pullRefusal(pr, branch); err != nil { // what changed meanwhile
			return PullHead{}, err
		}
		if !strings.EqualFold(pr.SHA, commit) {
			return pr, nil
		}
	}
	var missing []string
	if a.RequireApproval {
		m, err := c.approvalGate(ctx, commit)
		if err != nil {
			return PullHead{}, err
		}
		missing = append(missing, m...)
	}
	if a.RequireMergeable {
		if st := mergeableState(pr); a.Mergeable.Refuses(st) {
			missing = append(missing, mergeableRefusal(st, pr, a.Mergeable.Refuse == nil))
		}
	}
	if len(missing) == 0 {
		return pr, nil
	}
	return PullHead{}, userErrorf("PR #%d is not ready to apply; nothing was applied:\n\n- %s\n\nThen run `/rigel apply` again.", n, strings.Join(missing, "\n- "))
}

// pullRefusal refuses a pull request that is merged, closed, a draft, or (unless allowed)
// from a fork, saying what to do instead. branch is the branch Rigel follows in the repo.
func (c *call) pullRefusal(pr PullHead, branch string) error {
	n, repo := c.req.Number, c.req.Repo.FullName()
	switch {
	case pr.Merged:
		return userErrorf("PR #%d was merged, and Rigel applies a pull request only while it is open. Nothing was applied. To apply what was merged, run `/rigel sync` in an issue of %s: it previews the branch `%s` and arms `/rigel apply` there.",
			n, repo, branch)
	case strings.EqualFold(pr.State, "closed"):
		return userErrorf("PR #%d is closed, and Rigel applies a pull request only while it is open. Nothing was applied. Reopen it, then run `/rigel apply` again.", n)
	case pr.Draft:
		return userErrorf("PR #%d is a draft, and Rigel does not apply drafts. Nothing was applied. Mark it ready for review (and have it approved), then run `/rigel apply` again.", n)
	}
	base := pr.BaseRepo
	if base == "" {
		base = repo
	}
	if !c.r.Access.AllowForkApply && !strings.EqualFold(pr.HeadRepo, base) {
		from := "a repository that no longer exists"
		if pr.HeadRepo != "" {
			from = "the fork `" + pr.HeadRepo + "`"
		}
		return userErrorf("PR #%d comes from %s, and Rigel does not apply pull requests from forks: their code was not pushed by someone with write access to %s. Nothing was applied. Push the branch to %s and open the PR from there, or merge it and apply from the branch. (An admin of Rigel can allow forks with `RIGEL_ALLOW_FORK_APPLY=true`.)",
			n, from, repo, repo)
	}
	return nil
}

func (c *call) readPull(ctx context.Context) (PullHead, error) {
	pr, err := c.gh.PullHead(ctx, c.req.Repo, c.req.Number)
	if err != nil {
		return PullHead{}, fmt.Errorf("failed to read PR #%d: %w", c.req.Number, err)
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

// awaitMergeable reads a pull request again, up to mergeableRereads times with a doubling
// wait, while GitHub is still computing whether it merges. It returns the last read.
func (c *call) awaitMergeable(ctx context.Context, pr PullHead) (PullHead, error) {
	wait := c.r.Access.Mergeable.Wait()
	for i := 0; i < mergeableRereads && computing(pr); i++ {
		zerolog.Ctx(ctx).Debug().Dur("wait", wait).Int("reread", i+1).Msg("mergeability not computed yet")
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return PullHead{}, fmt.Errorf("stopped waiting for GitHub to compute whether PR #%d merges: %w", c.req.Number, ctx.Err())
		case <-t.C:
		}
		wait *= 2
		var err error
		if pr, err = c.readPull(ctx); err != nil {
			return PullHead{}, err
		}
	}
	return pr, nil
}

// mergeableRefusal is the missing requirement of a refused mergeable state, with what to do.
// byDefault: the state is refused by Rigel's defaults, not by a list the admin wrote.
func mergeableRefusal(state string, pr PullHead, byDefault bool) string {
	base := pr.BaseRef
	if base == "" {
		base = "its base branch"
	} else {
		base = "`" + base + "`"
	}
	switch state {
	case "dirty":
		return fmt.Sprintf("it has merge conflicts with %s (mergeable_state `dirty`): resolve them (merge or rebase %s into the branch), push, and run `/rigel sync` again", base, base)
	case "blocked":
		return fmt.Sprintf("the branch protection of %s is not met (mergeable_state `blocked`): it still lacks required approving reviews or required status checks; get them", base)
	case "behind":
		return fmt.Sprintf("it is behind %s, and the branch protection wants branches up to date (mergeable_state `behind`): update the branch (**Update branch** on the PR, or merge %s into it), push, and run `/rigel sync` again", base, base)
	case "unknown":
		return fmt.Sprintf("GitHub has not computed whether it can be merged (mergeable_state `unknown`, still after %d more reads): try `/rigel apply` again in a minute", mergeableRereads)
	case "unstable":
		return "some of its status checks fail (mergeable_state `unstable`): make them pass"
	case "draft":
		return "GitHub says it is a draft (mergeable_state `draft`): mark it ready for review"
	}
	if byDefault {
		return fmt.Sprintf("GitHub gives it the mergeable_state `%s`", state)
	}
	return fmt.Sprintf("its mergeable_state is `%s`, which this Rigel refuses (`RIGEL_REFUSE_MERGEABLE_STATES`): fix that on GitHub or ask Rigel's admin", state)
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
	approved []string // @login of writers who approved the commit
	blocking []string // @login of writers whose latest review requests changes
	notes    []string // approvals that do not count, and why
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
			v.notes = append(v.notes, fmt.Sprintf("@%s approved but has only `%s`: an approval counts only from someone with `write` or higher", d.user, r))
		case d.commit == strings.ToLower(commit):
			v.approved = append(v.approved, "@"+d.user)
		case d.commit == "":
			v.notes = append(v.notes, fmt.Sprintf("@%s approved an earlier commit, not the head `%s`: ask for a new review", d.user, shortSHA(commit)))
		default:
			v.notes = append(v.notes, fmt.Sprintf("@%s approved `%s`, not the head `%s`: ask for a new review", d.user, shortSHA(d.commit), shortSHA(commit)))
		}
	}
	return v
}

// approvalGate reads the reviews and, each time, the role of every reviewer whose latest
// review decides something; it returns what is missing for commit to be approved.
func (c *call) approvalGate(ctx context.Context, commit string) ([]string, error) {
	n := c.req.Number
	reviews, err := c.gh.Reviews(ctx, c.req.Repo, n)
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
		r, err := c.gh.Permission(ctx, c.req.Repo, d.user)
		if err != nil {
			return nil, fmt.Errorf("failed to check the permission of reviewer @%s on %s: %w", d.user, c.req.Repo.FullName(), err)
		}
		role[d.user] = r
	}
	v := judgeReviews(ds, role, commit)
	var missing []string
	if len(v.blocking) > 0 {
		missing = append(missing, fmt.Sprintf("changes are requested by %s: address them and ask for a new review (or have the review dismissed)", strings.Join(v.blocking, ", ")))
	}
	if len(v.approved) == 0 {
		missing = append(missing, fmt.Sprintf("nobody with `write` access has approved its head `%s`: ask a reviewer to approve the PR", shortSHA(commit)))
		missing = append(missing, v.notes...)
	}
	return missing, nil
}
