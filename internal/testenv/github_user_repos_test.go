package testenv

import (
	"net/http"
	"testing"

	"github.com/google/go-github/v62/github"
)

// TestUserRepos: GET /user/repos answers a token's user every repository, page by page with
// GitHub's Link header, in the shape the description gives (checked by the fixture), and
// refuses an installation token as GitHub does.
func TestUserRepos(t *testing.T) {
	f := newGHFixture(t)
	f.gh.AddPAT("ghp_userrepos", "ops")
	pat, err := github.NewClient(nil).WithAuthToken("ghp_userrepos").WithEnterpriseURLs(f.gh.URL(), f.gh.URL())
	if err != nil {
		t.Fatal(err)
	}
	opts := &github.RepositoryListByAuthenticatedUserOptions{ListOptions: github.ListOptions{PerPage: 1}}
	var names []string
	pages := 0
	for {
		repos, resp, err := pat.Repositories.ListByAuthenticatedUser(f.ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range repos {
			names = append(names, r.GetFullName()+"@"+r.GetDefaultBranch())
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	if pages != 2 || len(names) != 2 || names[0] != "acme/web@main" || names[1] != "acme/other@trunk" {
		t.Fatalf("GET /user/repos: %d pages, %v; want 2 pages of acme/web@main, acme/other@trunk", pages, names)
	}
	_, resp, err := f.inst.Repositories.ListByAuthenticatedUser(f.ctx, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("an installation token listing /user/repos: %v, want 403", err)
	}
	if v := f.newViolations(); len(v) > 0 {
		t.Fatalf("violations: %v", v)
	}
}
