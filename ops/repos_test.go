package ops

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// reposRegistry registers acme/web (two deployments), acme/empty (none) and acme/gone (which
// GitHub does not show).
const reposRegistry = `
- repo: acme/web
  branch: release
  deployments:
  - {name: api, path: apps/api}
  - {name: web, path: apps/web}
- repo: acme/empty
  branch: main
  deployments: []
- repo: acme/gone
  branch: main
  deployments:
  - {name: gone, path: k8s}
`

// brief is a repo list in one line: name[@branch:deployments] for each, then the unseen.
func brief(l *RepoList) string {
	var parts []string
	for _, r := range l.Repos {
		p := fmt.Sprintf("%s/%s/%v/%d", r.FullName, r.DefaultBranch, r.Private, r.InstallationID)
		if r.Registered {
			p += "@" + r.Branch + ":" + strings.Join(r.Deployments, ",")
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " ") + fmt.Sprintf(" | limit %d truncated %v unseen %v", l.Limit, l.Truncated, l.Unseen)
}

func TestRepos(t *testing.T) {
	visible := []VisibleRepo{
		{FullName: "acme/web", DefaultBranch: "main", InstallationID: 7},
		{FullName: "Acme/Empty", DefaultBranch: "trunk", Private: true, InstallationID: 7},
		{FullName: "acme/docs", DefaultBranch: "main", InstallationID: 7},
		{FullName: "beta/app", DefaultBranch: "main", Private: true, InstallationID: 9},
	}
	tests := []struct {
		name   string
		lister *fakeRepoLister
		limit  int
		want   string
		err    error // the failure wrapped, or nil
		asked  int   // the limit GitHub was asked with
	}{
		{
			name:   "registered or not, sorted, with the registered ones GitHub does not show",
			lister: &fakeRepoLister{repos: visible},
			want:   "acme/docs/main/false/7 Acme/Empty/trunk/true/7@main: acme/web/main/false/7@release:api,web beta/app/main/true/9 | limit 1000 truncated false unseen [acme/gone]",
			asked:  MaxRepos,
		},
		{
			name:   "truncated at the limit: nothing is said unseen",
			lister: &fakeRepoLister{repos: visible},
			limit:  2,
			want:   "Acme/Empty/trunk/true/7@main: acme/web/main/false/7@release:api,web | limit 2 truncated true unseen []",
			asked:  2,
		},
		{
			name:   "a lister that ignores the limit is cut",
			lister: &fakeRepoLister{repos: visible, ignoreLimit: true},
			limit:  3,
			want:   "acme/docs/main/false/7 Acme/Empty/trunk/true/7@main: acme/web/main/false/7@release:api,web | limit 3 truncated true unseen []",
			asked:  3,
		},
		{
			name: "a repository two installations see is listed once",
			lister: &fakeRepoLister{repos: []VisibleRepo{
				{FullName: "acme/web", DefaultBranch: "main", InstallationID: 7},
				{FullName: "ACME/web", DefaultBranch: "main", InstallationID: 8},
			}},
			want:  "acme/web/main/false/7@release:api,web | limit 1000 truncated false unseen [acme/empty acme/gone]",
			asked: MaxRepos,
		},
		{
			name:   "GitHub shows nothing",
			lister: &fakeRepoLister{},
			want:   " | limit 1000 truncated false unseen [acme/empty acme/gone acme/web]",
			asked:  MaxRepos,
		},
		{
			name:   "GitHub fails",
			lister: &fakeRepoLister{err: errGitHubDown},
			err:    errGitHubDown,
			asked:  MaxRepos,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := registryService(t, reposRegistry, nil)
			s.GitHubRepos, s.RepoLimit = tt.lister, tt.limit
			got, err := s.Repos(context.Background())
			if !reflect.DeepEqual(tt.lister.asked, []int{tt.asked}) {
				t.Errorf("GitHub asked with limits %v, want [%d]", tt.lister.asked, tt.asked)
			}
			if tt.err != nil {
				if !errors.Is(err, tt.err) || IsRefusal(err) {
					t.Fatalf("Repos() error = %v, want a failure wrapping %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b := brief(got); b != tt.want {
				t.Fatalf("Repos() =\n%s\nwant\n%s", b, tt.want)
			}
		})
	}
}

// TestReposWithoutGitHub: a service wired without a lister fails, and does not crash.
func TestReposWithoutGitHub(t *testing.T) {
	s, _, _ := registryService(t, reposRegistry, nil)
	if _, err := s.Repos(context.Background()); !errors.Is(err, errNoRepoLister) {
		t.Fatalf("Repos() error = %v, want errNoRepoLister", err)
	}
}
