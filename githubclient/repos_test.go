package githubclient

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// TestVisibleRepos: the repositories an app's installations or a token see are listed page by
// page (more than one page of GitHub's 100), up to the limit, which says when it truncated.
func TestVisibleRepos(t *testing.T) {
	gh, err := testenv.StartGitHub(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gh.Stop)
	const n = 205
	for i := 0; i < n; i++ {
		gh.AddRepo(fmt.Sprintf("acme/r%03d", i), "main", fmt.Sprintf("http://127.0.0.1:1/acme/r%03d.git", i))
	}
	gh.AddPAT("ghp_repos", "ops")
	app, err := New(Credentials{APIURL: gh.URL(), AppID: gh.AppID, PrivateKey: gh.PrivateKeyPEM})
	if err != nil {
		t.Fatal(err)
	}
	token, err := New(Credentials{APIURL: gh.URL(), Token: "ghp_repos", TokenLogin: "ops"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		clients   *Clients
		path      string // the listing asked, page by page
		limit     int
		want      int
		truncated bool
		inst      int64
	}{
		{"app, all pages", app, "/installation/repositories", 1000, n, false, gh.InstallationID},
		{"app, truncated", app, "/installation/repositories", 150, 150, true, gh.InstallationID},
		{"app, exactly all", app, "/installation/repositories", n, n, false, gh.InstallationID},
		{"token, all pages", token, "/user/repos", 1000, n, false, 0},
		{"token, truncated", token, "/user/repos", 7, 7, true, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(gh.Requests())
			repos, truncated, err := tc.clients.VisibleRepos(context.Background(), tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(repos) != tc.want || truncated != tc.truncated {
				t.Fatalf("VisibleRepos(%d) = %d repos, truncated %v; want %d, %v", tc.limit, len(repos), truncated, tc.want, tc.truncated)
			}
			seen := map[string]bool{}
			for i, r := range repos {
				if seen[r.FullName] {
					t.Fatalf("%s listed twice", r.FullName)
				}
				seen[r.FullName] = true
				if want := fmt.Sprintf("acme/r%03d", i); r.FullName != want || r.DefaultBranch != "main" || r.InstallationID != tc.inst {
					t.Fatalf("repo %d = %+v; want %s on main, installation %d", i, r, want, tc.inst)
				}
			}
			pages := 0
			for _, r := range gh.Requests()[before:] {
				if strings.HasSuffix(r.Path, tc.path) {
					pages++
					if r.Status != 200 {
						t.Fatalf("GET %s?%s answered %d", r.Path, r.Query, r.Status)
					}
				}
			}
			if want := (tc.want + reposPerPage - 1) / reposPerPage; pages != want {
				t.Fatalf("%s asked %d times, want %d pages", tc.path, pages, want)
			}
		})
	}
	if v := gh.Violations(); len(v) > 0 {
		t.Fatalf("requests the description refuses: %v", v)
	}
}
