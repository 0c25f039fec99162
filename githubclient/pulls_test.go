package githubclient

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/commands"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// TestPulls opens a pull request through the fake GitHub as an app installation and as a
// token's user, finds it by its branch, and gets the open one back when opening it twice.
func TestPulls(t *testing.T) {
	gs, err := testenv.StartGitServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gs.Stop)
	gh, err := testenv.StartGitHub(gs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gh.Stop)
	gh.AddPAT("ghp_pulltest", "octo-bot")
	ctx := context.Background()

	for _, mode := range []struct {
		name  string
		creds Credentials
	}{
		{"app", Credentials{APIURL: gh.URL(), AppID: gh.AppID, PrivateKey: gh.PrivateKeyPEM}},
		{"token", Credentials{APIURL: gh.URL(), Token: "ghp_pulltest", TokenLogin: "octo-bot"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			full := "acme/pulls-" + mode.name
			if _, err := gs.CreateRepo(full, "main", map[string]string{"k8s/a.yaml": "a: 1\n"}); err != nil {
				t.Fatal(err)
			}
			if _, err := gs.Commit(full, "rigel/fix-a-1234567", map[string]string{"k8s/a.yaml": "a: 2\n"}, "fix a"); err != nil {
				t.Fatal(err)
			}
			gh.AddRepo(full, "main", gs.CloneURL(full))
			clients, err := New(mode.creds)
			if err != nil {
				t.Fatal(err)
			}
			g, err := clients.ForInstallation(gh.InstallationID)
			if err != nil {
				t.Fatal(err)
			}
			repo := commands.Repo{Owner: "acme", Name: strings.TrimPrefix(full, "acme/"), DefaultBranch: "main", CloneURL: gs.CloneURL(full), Installation: gh.InstallationID}

			if p, err := g.FindPull(ctx, repo, "rigel/fix-a-1234567"); err != nil || p != nil {
				t.Fatalf("before: FindPull = %+v, %v; want none", p, err)
			}
			np := commands.NewPull{Head: "rigel/fix-a-1234567", Base: "main", Title: "Fix a", Body: "Closes #1"}
			opened, err := g.OpenPull(ctx, repo, np)
			if err != nil {
				t.Fatal(err)
			}
			if opened.Number == 0 || opened.Head != np.Head || opened.Base != "main" || !strings.HasSuffix(opened.URL, "/"+full+"/pull/"+strconv.Itoa(opened.Number)) {
				t.Fatalf("opened = %+v", opened)
			}
			found, err := g.FindPull(ctx, repo, "rigel/fix-a-1234567")
			if err != nil || found == nil || *found != opened {
				t.Fatalf("FindPull = %+v, %v; want %+v", found, err, opened)
			}
			if p, err := g.FindPull(ctx, repo, "rigel/fix-b-1234567"); err != nil || p != nil {
				t.Fatalf("another branch: FindPull = %+v, %v", p, err)
			}
			again, err := g.OpenPull(ctx, repo, np)
			if err != nil || again != opened {
				t.Fatalf("opening it again = %+v, %v; want the open %+v", again, err, opened)
			}
			if n := len(gh.Pulls(full)); n != 1 {
				t.Fatalf("%d pull requests, want 1", n)
			}
			np.Head = "no-such-branch"
			if _, err := g.OpenPull(ctx, repo, np); err == nil || !strings.Contains(err.Error(), "failed to open a pull request from no-such-branch into main in "+full) {
				t.Fatalf("missing branch: err = %v", err)
			}
		})
	}
	if v := gh.Violations(); len(v) > 0 {
		t.Errorf("GitHub would reject: %v", v)
	}
}
