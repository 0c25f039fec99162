package githubclient

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-github/v62/github"
)

// MergedPull is a pull request that was merged: what apply on merge (issue 11) needs of it.
type MergedPull struct {
	Number   int
	URL      string // its page, for people
	HeadSHA  string // the head that was merged: the commit its reviews and previews are of
	HeadRepo string // owner/name of the head's repository (a fork's, or the repository itself)
	MergeSHA string // the merge commit
}

// MergedPull returns the pull request merged into branch as commit sha (its merge_commit_sha),
// nil when none of the closed pull requests into branch updated last (GitHub's first page)
// was: a direct push, or a merge too old to be an event Rigel acts on.
func (i *Installation) MergedPull(ctx context.Context, repo Repo, branch, sha string) (*MergedPull, error) {
	pulls, _, err := i.client.PullRequests.List(ctx, repo.Owner, repo.Name, &github.PullRequestListOptions{
		State: "closed", Base: branch, Sort: "updated", Direction: "desc", ListOptions: github.ListOptions{PerPage: 30},
	})
	if err != nil {
		return nil, fmt.Errorf("failed to list the pull requests merged into %s of %s: %w", branch, repo.FullName(), err)
	}
	for _, p := range pulls {
		if p.GetMergeCommitSHA() == "" || !strings.EqualFold(p.GetMergeCommitSHA(), sha) || p.MergedAt == nil {
			continue
		}
		if p.GetBase().GetRef() != branch {
			continue
		}
		return &MergedPull{Number: p.GetNumber(), URL: p.GetHTMLURL(), HeadSHA: p.GetHead().GetSHA(),
			HeadRepo: p.GetHead().GetRepo().GetFullName(), MergeSHA: p.GetMergeCommitSHA()}, nil
	}
	return nil, nil
}
