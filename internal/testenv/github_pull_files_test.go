package testenv

import (
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v62/github"
)

// installationClient is a go-github client of gh's App installation.
func installationClient(t *testing.T, gh *GitHub) *github.Client {
	t.Helper()
	atr, err := ghinstallation.NewAppsTransport(http.DefaultTransport, gh.AppID, gh.PrivateKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	atr.BaseURL = strings.TrimSuffix(gh.URL(), "/")
	itr := ghinstallation.NewFromAppsTransport(atr, gh.InstallationID)
	itr.BaseURL = atr.BaseURL
	c, err := github.NewClient(&http.Client{Transport: itr}).WithEnterpriseURLs(gh.URL(), gh.URL())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPullFilesAndCompare lists a pull request's files and compares its commits through the
// fake: what git says changed between the real commits, renames with their previous name,
// files changed on the base branch since left out, and GitHub's limits on how many.
func TestPullFilesAndCompare(t *testing.T) {
	gs := startGit(t)
	if _, err := gs.CreateRepo("acme/api", "main", map[string]string{
		"k8s/base/deploy.yaml": "kind: Deployment\n", "k8s/base/kustomization.yaml": "resources: [deploy.yaml]\n",
		"k8s/old.yaml": "name: moved\nlines: [1, 2, 3, 4, 5, 6, 7, 8, 9]\n", "gone.txt": "bye\n",
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := gs.Commit("acme/api", "feature", map[string]string{
		"k8s/base/deploy.yaml": "kind: Deployment\nspec: {}\n", "k8s/new.yaml": "a: 1\n", "gone.txt": "",
	}, "change base"); err != nil {
		t.Fatal(err)
	}
	head, err := gs.CommitByHand("acme/api", "feature", "feature", map[string]string{
		"k8s/old.yaml": "", "k8s/moved.yaml": "name: moved\nlines: [1, 2, 3, 4, 5, 6, 7, 8, 9]\n",
	}, "Alice", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	// main moves on after the branch: its change is not the pull request's.
	if _, err := gs.Commit("acme/api", "main", map[string]string{"README.md": "hi\n"}, "readme"); err != nil {
		t.Fatal(err)
	}
	gh, err := StartGitHub(gs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gh.Stop)
	gh.AddRepo("acme/api", "main", gs.CloneURL("acme/api"))
	if err := gh.AddPull("acme/api", 5, head, "feature", "main"); err != nil {
		t.Fatal(err)
	}
	inst := installationClient(t, gh)
	ctx := t.Context()

	want := []string{"added k8s/new.yaml", "modified k8s/base/deploy.yaml", "removed gone.txt", "renamed k8s/old.yaml -> k8s/moved.yaml"}
	names := func(files []*github.CommitFile) []string {
		var out []string
		for _, f := range files {
			s := f.GetStatus() + " "
			if f.GetPreviousFilename() != "" {
				s += f.GetPreviousFilename() + " -> "
			}
			out = append(out, s+f.GetFilename())
		}
		sort.Strings(out)
		return out
	}
	files, _, err := inst.PullRequests.ListFiles(ctx, "acme", "api", 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(files); !reflect.DeepEqual(got, want) {
		t.Fatalf("PR files = %v, want %v", got, want)
	}
	pr, _, err := inst.PullRequests.Get(ctx, "acme", "api", 5)
	if err != nil || pr.GetChangedFiles() != 4 {
		t.Fatalf("changed_files = %d, %v; want 4", pr.GetChangedFiles(), err)
	}
	cmp, _, err := inst.Repositories.CompareCommits(ctx, "acme", "api", "main", head, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(cmp.Files); !reflect.DeepEqual(got, want) || cmp.GetStatus() != "diverged" || cmp.GetAheadBy() != 2 || cmp.GetBehindBy() != 1 || len(cmp.Commits) != 2 {
		t.Fatalf("compare main...head = %v, %s ahead %d behind %d, %d commits", got, cmp.GetStatus(), cmp.GetAheadBy(), cmp.GetBehindBy(), len(cmp.Commits))
	}
	if cmp.Commits[1].GetSHA() != head || cmp.Commits[1].GetCommit().GetAuthor().GetName() != "Alice" {
		t.Fatalf("last commit = %s by %s, want %s by Alice", cmp.Commits[1].GetSHA(), cmp.Commits[1].GetCommit().GetAuthor().GetName(), head)
	}
	if _, resp, err := inst.Repositories.CompareCommits(ctx, "acme", "api", "main", "no-such-branch", nil); err == nil || resp.StatusCode != 404 {
		t.Fatalf("compare with an unknown ref: %v", err)
	}

	t.Run("limits", func(t *testing.T) {
		many := map[string]string{}
		for i := range 7 {
			many[fmt.Sprintf("f/%d.yaml", i)] = "x\n"
		}
		wide, err := gs.Commit("acme/api", "wide", many, "many files")
		if err != nil {
			t.Fatal(err)
		}
		if err := gh.AddPull("acme/api", 6, wide, "wide", "main"); err != nil {
			t.Fatal(err)
		}
		gh.SetFileLimits(5, 3)
		var all []*github.CommitFile
		opts := &github.ListOptions{PerPage: 2}
		for {
			page, resp, err := inst.PullRequests.ListFiles(ctx, "acme", "api", 6, opts)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page...)
			if resp.NextPage == 0 {
				break
			}
			opts.Page = resp.NextPage
		}
		if len(all) != 5 {
			t.Fatalf("%d files listed over pages, want the limit 5", len(all))
		}
		pr, _, _ := inst.PullRequests.Get(ctx, "acme", "api", 6)
		cmp, _, err := inst.Repositories.CompareCommits(ctx, "acme", "api", "main", wide, nil)
		if err != nil || len(cmp.Files) != 3 || pr.GetChangedFiles() != 7 {
			t.Fatalf("compare lists %d files (want the limit 3), changed_files %d (want 7): %v", len(cmp.Files), pr.GetChangedFiles(), err)
		}
	})
	if v := gh.Violations(); len(v) > 0 {
		t.Fatalf("violations: %v", v)
	}
	if len(gh.fakeErrors) > 0 {
		t.Fatalf("the fake answered shapes the description does not allow: %v", gh.fakeErrors)
	}
}
