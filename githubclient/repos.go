package githubclient

import (
	"context"
	"fmt"

	"github.com/google/go-github/v62/github"
)

// VisibleRepo is a repository GitHub shows to Rigel: to one of the app's installations, or to
// the token's user.
type VisibleRepo struct {
	FullName       string // "owner/name"
	DefaultBranch  string
	Private        bool
	InstallationID int64 // 0 with a token
}

// reposPerPage is the page size of the listings (GitHub's maximum).
const reposPerPage = 100

// VisibleRepos lists the repositories Rigel can see, at most limit of them (limit > 0);
// truncated says that GitHub shows more. As an app: GET /app/installations, then each
// installation's GET /installation/repositories; with a token: GET /user/repos. Every
// listing is followed page by page.
func (c *Clients) VisibleRepos(ctx context.Context, limit int) (repos []VisibleRepo, truncated bool, err error) {
	if limit <= 0 {
		return nil, false, fmt.Errorf("failed to list repositories: the limit %d is not positive", limit)
	}
	add := func(r *github.Repository, inst int64) bool {
		if r.GetFullName() == "" {
			return true // nothing to show; GitHub always names a repository
		}
		if len(repos) == limit {
			truncated = true
			return false
		}
		repos = append(repos, VisibleRepo{FullName: r.GetFullName(), DefaultBranch: r.GetDefaultBranch(), Private: r.GetPrivate(), InstallationID: inst})
		return true
	}
	if c.creator == nil {
		inst, err := c.ForInstallation(0)
		if err != nil {
			return nil, false, err
		}
		opts := &github.RepositoryListByAuthenticatedUserOptions{ListOptions: github.ListOptions{PerPage: reposPerPage}}
		for {
			page, resp, err := inst.client.Repositories.ListByAuthenticatedUser(ctx, opts)
			if err != nil {
				return nil, false, fmt.Errorf("failed to list the token's repositories (GET /user/repos): %s", githubStatus(err))
			}
			for _, r := range page {
				if !add(r, 0) {
					return repos, true, nil
				}
			}
			if resp.NextPage == 0 {
				return repos, false, nil
			}
			opts.Page = resp.NextPage
		}
	}
	app, err := c.creator.NewAppClient()
	if err != nil {
		return nil, false, fmt.Errorf("failed to build the app client: %w", err)
	}
	var ids []int64
	opts := &github.ListOptions{PerPage: reposPerPage}
	for {
		page, resp, err := app.Apps.ListInstallations(ctx, opts)
		if err != nil {
			return nil, false, fmt.Errorf("failed to list the app's installations (GET /app/installations): %s", githubStatus(err))
		}
		for _, in := range page {
			ids = append(ids, in.GetID())
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	for _, id := range ids {
		client, err := c.creator.NewInstallationClient(id)
		if err != nil {
			return nil, false, fmt.Errorf("failed to build the client of installation %d: %w", id, err)
		}
		opts := &github.ListOptions{PerPage: reposPerPage}
		for {
			page, resp, err := client.Apps.ListRepos(ctx, opts)
			if err != nil {
				return nil, false, fmt.Errorf("failed to list the repositories of installation %d (GET /installation/repositories): %s", id, githubStatus(err))
			}
			for _, r := range page.Repositories {
				if !add(r, id) {
					return repos, true, nil
				}
			}
			if resp.NextPage == 0 {
				break
			}
			opts.Page = resp.NextPage
		}
	}
	return repos, false, nil
}
