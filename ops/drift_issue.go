package ops

import (
	"context"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/githubclient"
)

// Issue is an issue of a repository (never a pull request), as GitHub returns it.
type Issue = githubclient.Issue

// IssueForge is what a deployment's drift tracking issue (issue 12) needs from GitHub
// besides a Forge; githubclient.Installation implements it.
type IssueForge interface {
	// FindIssues lists the open issues of repo that author opened, newest first.
	FindIssues(ctx context.Context, repo Repo, author string) ([]Issue, error)
	// OpenIssue opens an issue.
	OpenIssue(ctx context.Context, repo Repo, title, body string) (Issue, error)
	// EditIssue replaces an issue's body and sets its state ("closed"; "": unchanged).
	EditIssue(ctx context.Context, repo Repo, number int, body, state string) error
}

// What to do with a deployment's drift tracking issue after a check (DriftIssueStep).
const (
	IssueLeave = ""      // nothing: not asked for, or the check says nothing new about drift
	IssueOpen  = "open"  // drifted and no issue is open: open one
	IssueEdit  = "edit"  // drifted and its issue is open: show the current diff
	IssueClose = "close" // in sync again and its issue is open: say so and close it
)

// DriftIssueStep is what the report r of dep's drift check asks of its tracking issue, open
// saying whether one is open now. Only deployments whose registry entry sets driftIssue
// have one; a check that found a problem (render, policy, dry-run) or failed leaves it.
func DriftIssueStep(dep config.Deployment, r *DriftReport, open bool) string {
	if !dep.DriftIssue || r == nil {
		return IssueLeave
	}
	switch {
	case r.State == DriftDrifted && open:
		return IssueEdit
	case r.State == DriftDrifted:
		return IssueOpen
	case r.State == DriftInSync && open:
		return IssueClose
	}
	return IssueLeave
}
