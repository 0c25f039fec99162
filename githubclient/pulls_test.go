package githubclient

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"

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
			repo := Repo{Owner: "acme", Name: strings.TrimPrefix(full, "acme/"), DefaultBranch: "main", CloneURL: gs.CloneURL(full), Installation: gh.InstallationID}

			if p, err := g.FindPull(ctx, repo, "rigel/fix-a-1234567"); err != nil || p != nil {
				t.Fatalf("before: FindPull = %+v, %v; want none", p, err)
			}
			np := NewPull{Head: "rigel/fix-a-1234567", Base: "main", Title: "Fix a", Body: "Closes #1"}
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

// TestPullHeadAndReviews reads what the apply gate decides on through the fake GitHub: the
// pull request's state, merged and draft flags and mergeability, and the commit each review
// was made on (null when GitHub lost it).
func TestPullHeadAndReviews(t *testing.T) {
	gh, err := testenv.StartGitHub(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gh.Stop)
	ctx := context.Background()
	gh.AddRepo("acme/gates", "main", "http://127.0.0.1:1/acme/gates.git")
	head, old := strings.Repeat("d", 40), strings.Repeat("a", 40)
	if err := gh.AddPull("acme/gates", 4, head, "feature", "main"); err != nil {
		t.Fatal(err)
	}
	clients, err := New(Credentials{APIURL: gh.URL(), AppID: gh.AppID, PrivateKey: gh.PrivateKeyPEM})
	if err != nil {
		t.Fatal(err)
	}
	g, err := clients.ForInstallation(gh.InstallationID)
	if err != nil {
		t.Fatal(err)
	}
	repo := Repo{Owner: "acme", Name: "gates", DefaultBranch: "main", Installation: gh.InstallationID}

	read := func() PullHead {
		t.Helper()
		pr, err := g.PullHead(ctx, repo, 4)
		if err != nil {
			t.Fatal(err)
		}
		return pr
	}
	if pr := read(); pr.SHA != head || pr.State != "open" || pr.Merged || pr.Draft || pr.MergeableState != "clean" || pr.Mergeable == nil || !*pr.Mergeable {
		t.Fatalf("open PR = %+v", pr)
	}
	gh.SetPullDraft("acme/gates", 4, true)
	if pr := read(); !pr.Draft || pr.MergeableState != "draft" {
		t.Fatalf("draft PR = %+v", pr)
	}
	gh.SetPullDraft("acme/gates", 4, false)
	gh.SetPullMergeable("acme/gates", 4, nil, "unknown")
	if pr := read(); pr.Draft || pr.Mergeable != nil || pr.MergeableState != "unknown" {
		t.Fatalf("PR being computed = %+v", pr)
	}
	gh.SetPullState("acme/gates", 4, "closed", true)
	if pr := read(); pr.State != "closed" || !pr.Merged {
		t.Fatalf("merged PR = %+v", pr)
	}

	gh.AddReviewOn("acme/gates", 4, "alice", "APPROVED", old)
	gh.AddReview("acme/gates", 4, "bob", "CHANGES_REQUESTED")
	gh.AddReviewOn("acme/gates", 4, "carol", "APPROVED", "")
	got, err := g.Reviews(ctx, repo, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := []Review{{User: "alice", State: "APPROVED", CommitID: old}, {User: "bob", State: "CHANGES_REQUESTED", CommitID: head}, {User: "carol", State: "APPROVED"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("reviews = %+v, want %+v", got, want)
	}
	if v := gh.Violations(); len(v) > 0 {
		t.Errorf("GitHub would reject: %v", v)
	}
}
