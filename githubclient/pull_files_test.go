package githubclient

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"testing"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// TestPullFiles lists what a pull request changes through the fake GitHub, which computes it
// from the git server's commits: from the pull request's listing when GitHub gives all of it,
// from a comparison when the listing is refused or cut or the head moved on, and says when
// the list may be incomplete.
func TestPullFiles(t *testing.T) {
	gh, gs, inst, repo, first := forgeWithGit(t)
	ctx := context.Background()
	head, err := gs.CommitByHand("acme/api", first, "feature", map[string]string{
		"k8s/base/kustomization.yaml": "", "k8s/base/kustomize.yaml": "resources: [deploy.yaml]\n", "k8s/overlay/patch.yaml": "a: 1\n",
	}, "Alice", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := gs.Head("acme/api", "main")
	if err := gh.AddPull("acme/api", 5, head, "feature", "main"); err != nil {
		t.Fatal(err)
	}
	all := []ChangedFile{
		{Path: "k8s/base/deploy.yaml", Status: "modified"},
		{Path: "k8s/base/kustomize.yaml", PreviousPath: "k8s/base/kustomization.yaml", Status: "renamed"},
		{Path: "k8s/overlay/patch.yaml", Status: "added"},
	}
	firstOnly := []ChangedFile{{Path: "k8s/base/deploy.yaml", Status: "modified"}}
	const filesPath = "/repos/acme/api/pulls/5/files"
	tests := []struct {
		name         string
		setup        func()
		head         string
		want         []ChangedFile
		wantComplete bool
		wantSource   string
	}{
		{"the pull request's listing", nil, head, all, true, "pulls"},
		{"the listing refused (422): compared", func() {
			gh.FailWith(testenv.Failure{Method: "GET", PathPrefix: filesPath, Status: 422, Times: 1, Message: "Sorry, this diff is taking too long to generate."})
		}, head, all, true, "compare"},
		{"the listing cut: completed by a comparison", func() { gh.SetFileLimits(2, 0) }, head, all, true, "compare"},
		{"both cut: incomplete", func() { gh.SetFileLimits(2, 2) }, head, all[:2], false, "compare"},
		{"the head moved on: that head compared", nil, first, firstOnly, true, "compare"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gh.SetFileLimits(0, 0)
			gh.ClearFailures()
			if tc.setup != nil {
				tc.setup()
			}
			got, err := inst.PullFiles(ctx, repo, 5, base, tc.head)
			if err != nil {
				t.Fatal(err)
			}
			sort.Slice(got.Files, func(i, j int) bool { return got.Files[i].Path < got.Files[j].Path })
			if !reflect.DeepEqual(got.Files, tc.want) || got.Complete != tc.wantComplete || got.Source != tc.wantSource {
				t.Fatalf("PullFiles = %+v, want %+v complete %v from %s", got, tc.want, tc.wantComplete, tc.wantSource)
			}
		})
	}

	t.Run("the head moved on, a comparison at GitHub's limit: maybe cut", func(t *testing.T) {
		gh.SetFileLimits(0, 0)
		files := map[string]string{}
		for i := range MaxCompareFiles + 5 {
			files[fmt.Sprintf("k8s/many/%03d.yaml", i)] = "a: 1\n"
		}
		wide, err := gs.Commit("acme/api", "wide", files, "many files")
		if err != nil {
			t.Fatal(err)
		}
		later, err := gs.Commit("acme/api", "wide", map[string]string{"k8s/later.yaml": "b: 2\n"}, "later")
		if err != nil {
			t.Fatal(err)
		}
		if err := gh.AddPull("acme/api", 6, later, "wide", "main"); err != nil {
			t.Fatal(err)
		}
		got, err := inst.PullFiles(ctx, repo, 6, base, wide)
		if err != nil || len(got.Files) != MaxCompareFiles || got.Complete || got.Source != "compare" {
			t.Fatalf("PullFiles = %d files, complete %v, from %s, %v", len(got.Files), got.Complete, got.Source, err)
		}
	})
	t.Run("an error that is not a refusal of the listing", func(t *testing.T) {
		gh.SetFileLimits(0, 0)
		gh.FailWith(testenv.Failure{Method: "GET", PathPrefix: filesPath, Status: 404, Times: 1})
		if _, err := inst.PullFiles(ctx, repo, 5, base, head); err == nil {
			t.Fatal("a 404 of the listing was taken for no files")
		}
	})
	t.Run("base and head from the pull request when not given", func(t *testing.T) {
		got, err := inst.PullFiles(ctx, repo, 5, "", "")
		if err != nil || len(got.Files) != 3 || !got.Complete {
			t.Fatalf("PullFiles = %+v, %v", got, err)
		}
	})
	t.Run("no such pull request", func(t *testing.T) {
		if _, err := inst.PullFiles(ctx, repo, 99, base, head); err == nil {
			t.Fatal("no error for a pull request that is not there")
		}
	})
}
