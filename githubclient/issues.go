package githubclient

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/google/go-github/v62/github"
)

// Issues Rigel opens and keeps itself: a deployment's drift tracking issue (issue 12).

// Issue is an issue of a repository (never a pull request).
type Issue struct {
	Number int
	Title  string
	Body   string
	Author string
	State  string // open, closed
	URL    string // its page, for people
}

// maxIssuePages bounds how many pages of 100 open issues FindIssues reads.
const maxIssuePages = 5

// FindIssues lists the open issues of repo that author opened (a pull request is not an
// issue), newest first, at most maxIssuePages pages of them.
func (i *Installation) FindIssues(ctx context.Context, repo Repo, author string) ([]Issue, error) {
	var out []Issue
	opts := &github.IssueListByRepoOptions{State: "open", Creator: author, ListOptions: github.ListOptions{PerPage: 100}}
	for range maxIssuePages {
		page, resp, err := i.client.Issues.ListByRepo(ctx, repo.Owner, repo.Name, opts)
		if err != nil {
			return nil, fmt.Errorf("failed to list the open issues of %s: %w", repo.FullName(), err)
		}
		for _, is := range page {
			if is.IsPullRequest() || is.GetUser().GetLogin() != author {
				continue
			}
			out = append(out, issueOf(is))
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return out, nil
}

// OpenIssue opens an issue in repo.
func (i *Installation) OpenIssue(ctx context.Context, repo Repo, title, body string) (Issue, error) {
	if n := utf8.RuneCountInString(body); n > MaxComment {
		return Issue{}, fmt.Errorf("failed to open an issue in %s: %w (%d characters, at most %d)", repo.FullName(), ErrCommentTooLong, n, MaxComment)
	}
	is, _, err := i.client.Issues.Create(ctx, repo.Owner, repo.Name, &github.IssueRequest{Title: github.String(title), Body: github.String(body)})
	if err != nil {
		return Issue{}, fmt.Errorf("failed to open an issue in %s: %w", repo.FullName(), err)
	}
	return issueOf(is), nil
}

// EditIssue replaces the body of issue number of repo and sets its state (open, closed; ""
// leaves it).
func (i *Installation) EditIssue(ctx context.Context, repo Repo, number int, body, state string) error {
	if n := utf8.RuneCountInString(body); n > MaxComment {
		return fmt.Errorf("failed to edit issue %s#%d: %w (%d characters, at most %d)", repo.FullName(), number, ErrCommentTooLong, n, MaxComment)
	}
	req := &github.IssueRequest{Body: github.String(body)}
	if state != "" {
		req.State = github.String(state)
	}
	if _, _, err := i.client.Issues.Edit(ctx, repo.Owner, repo.Name, number, req); err != nil {
		return fmt.Errorf("failed to edit issue %s#%d: %w", repo.FullName(), number, err)
	}
	return nil
}

func issueOf(is *github.Issue) Issue {
	return Issue{Number: is.GetNumber(), Title: is.GetTitle(), Body: is.GetBody(), Author: is.GetUser().GetLogin(), State: is.GetState(), URL: is.GetHTMLURL()}
}
