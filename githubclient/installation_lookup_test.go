package githubclient

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// TestInstallationOf: the installation of a repository is asked of GitHub
// (GET /repos/{owner}/{repo}/installation, as the app), kept for a while, and a repository
// the app is not installed on is a *NotInstalledError.
func TestInstallationOf(t *testing.T) {
	gh, err := testenv.StartGitHub(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gh.Stop)
	gh.AddRepo("acme/inst", "main", "http://127.0.0.1:1/acme/inst.git")
	clients, err := New(Credentials{APIURL: gh.URL(), AppID: gh.AppID, PrivateKey: gh.PrivateKeyPEM})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	asked := func() int {
		n := 0
		for _, r := range gh.Requests() {
			if strings.HasSuffix(r.Path, "/repos/acme/inst/installation") && r.Login == "app" {
				n++
			}
		}
		return n
	}
	for i := 0; i < 3; i++ {
		id, err := clients.InstallationOf(ctx, "acme/inst")
		if err != nil || id != gh.InstallationID {
			t.Fatalf("InstallationOf = %d, %v; want %d", id, err, gh.InstallationID)
		}
	}
	if n := asked(); n != 1 {
		t.Fatalf("GitHub was asked %d times, want once (then cached)", n)
	}
	_, err = clients.InstallationOf(ctx, "acme/elsewhere")
	var ni *NotInstalledError
	if !errors.As(err, &ni) || ni.Repo != "acme/elsewhere" {
		t.Fatalf("InstallationOf(not installed) = %v, want *NotInstalledError", err)
	}
	token, err := New(Credentials{APIURL: gh.URL(), Token: "ghp_x", TokenLogin: "ops"})
	if err != nil {
		t.Fatal(err)
	}
	if id, err := token.InstallationOf(ctx, "acme/inst"); id != 0 || err != nil {
		t.Fatalf("token mode: InstallationOf = %d, %v; want 0, nil", id, err)
	}
}
