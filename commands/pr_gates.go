package commands

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// checkPullGates refuses to apply from a pull request that comes from a fork (unless
// allowed), lacks an approval, has changes requested, or does not merge. The refusal lists
// every requirement that is missing and how to meet it.
func (c *call) checkPullGates(ctx context.Context) error {
	if !c.req.IsPR {
		return nil
	}
	a := c.r.Access
	pr, err := c.gh.PullHead(ctx, c.req.Repo, c.req.Number)
	if err != nil {
		return fmt.Errorf("failed to read PR #%d: %w", c.req.Number, err)
	}
	n, repo := c.req.Number, c.req.Repo.FullName()
	base := pr.BaseRepo
	if base == "" {
		base = repo
	}
	if !a.AllowForkApply && !strings.EqualFold(pr.HeadRepo, base) {
		from := "a repository that no longer exists"
		if pr.HeadRepo != "" {
			from = "the fork `" + pr.HeadRepo + "`"
		}
		return userErrorf("PR #%d comes from %s, and Rigel does not apply pull requests from forks: their code was not pushed by someone with write access to %s. Nothing was applied. Push the branch to %s and open the PR from there, or merge it and apply from the branch. (An admin of Rigel can allow forks with `RIGEL_ALLOW_FORK_APPLY=true`.)",
			n, from, repo, repo)
	}
	var missing []string
	if a.RequireApproval {
		reviews, err := c.gh.Reviews(ctx, c.req.Repo, n)
		if err != nil {
			return fmt.Errorf("failed to read the reviews of PR #%d: %w", n, err)
		}
		approved, blocking := reviewVerdict(reviews)
		if len(blocking) > 0 {
			missing = append(missing, fmt.Sprintf("changes are requested by %s: address them and ask for a new review (or have the review dismissed)", strings.Join(blocking, ", ")))
		}
		if len(approved) == 0 {
			missing = append(missing, "nobody has approved it: ask a reviewer to approve the PR")
		}
	}
	if a.RequireMergeable {
		switch {
		case pr.MergeableState == "dirty":
			missing = append(missing, fmt.Sprintf("it has merge conflicts with `%s`: resolve them (merge or rebase `%s` into the branch), push, and run `/rigel sync` again", pr.BaseRef, pr.BaseRef))
		case pr.Mergeable != nil && !*pr.Mergeable:
			missing = append(missing, fmt.Sprintf("GitHub says it cannot be merged (state `%s`): fix what blocks the merge, then run `/rigel sync` again", pr.MergeableState))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return userErrorf("PR #%d is not ready to apply; nothing was applied:\n\n- %s\n\nThen run `/rigel apply` again.", n, strings.Join(missing, "\n- "))
}

// reviewVerdict takes each reviewer's latest deciding review (approval, change request or
// dismissal; comments decide nothing) and returns who approves and who requests changes.
func reviewVerdict(reviews []Review) (approved, blocking []string) {
	latest := map[string]string{}
	for _, r := range reviews {
		switch s := strings.ToUpper(r.State); s {
		case "APPROVED", "CHANGES_REQUESTED", "DISMISSED":
			latest[strings.ToLower(r.User)] = s
		}
	}
	for user, s := range latest {
		switch s {
		case "APPROVED":
			approved = append(approved, "@"+user)
		case "CHANGES_REQUESTED":
			blocking = append(blocking, "@"+user)
		}
	}
	sort.Strings(approved)
	sort.Strings(blocking)
	return approved, blocking
}
