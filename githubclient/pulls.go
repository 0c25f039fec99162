package githubclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v62/github"
)

// FindPull lists the open pull requests whose head is owner:branch (GitHub filters on the
// head's owner and branch) and returns the first, nil when there is none.
func (i *Installation) FindPull(ctx context.Context, repo Repo, branch string) (*Pull, error) {
	pulls, _, err := i.client.PullRequests.List(ctx, repo.Owner, repo.Name, &github.PullRequestListOptions{
		State: "open", Head: repo.Owner + ":" + branch, ListOptions: github.ListOptions{PerPage: 10},
	})
	if err != nil {
		return nil, fmt.Errorf("failed to look for an open pull request from %s in %s: %w", branch, repo.FullName(), err)
	}
	for _, p := range pulls {
		// Only a head in the repository itself is ours: a fork's branch of the same name is not.
		if p.GetHead().GetRef() == branch && strings.EqualFold(p.GetHead().GetRepo().GetFullName(), repo.FullName()) {
			pull := pullOf(p)
			return &pull, nil
		}
	}
	return nil, nil
}

// OpenPull opens a pull request from p.Head into p.Base. When GitHub answers that one is
// already open for that head (someone opened it meanwhile), it returns that one.
func (i *Installation) OpenPull(ctx context.Context, repo Repo, p NewPull) (Pull, error) {
	pr, _, err := i.client.PullRequests.Create(ctx, repo.Owner, repo.Name, &github.NewPullRequest{
		Title: github.String(p.Title), Head: github.String(p.Head), Base: github.String(p.Base), Body: github.String(p.Body),
	})
	if err == nil {
		return pullOf(pr), nil
	}
	if alreadyExists(err) {
		if found, ferr := i.FindPull(ctx, repo, p.Head); ferr == nil && found != nil {
			return *found, nil
		}
	}
	return Pull{}, fmt.Errorf("failed to open a pull request from %s into %s in %s: %w", p.Head, p.Base, repo.FullName(), err)
}

func pullOf(p *github.PullRequest) Pull {
	return Pull{Number: p.GetNumber(), URL: p.GetHTMLURL(), Head: p.GetHead().GetRef(), Base: p.GetBase().GetRef()}
}

// alreadyExists recognizes GitHub's 422 "A pull request already exists for owner:branch."
func alreadyExists(err error) bool {
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil || er.Response.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	for _, e := range er.Errors {
		if strings.Contains(strings.ToLower(e.Message), "already exists") {
			return true
		}
	}
	return strings.Contains(strings.ToLower(er.Message), "already exists")
}
