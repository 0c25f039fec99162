package githubclient

import (
	"context"
	"testing"
)

// TestMergedPull finds the pull request merged as a commit among the closed ones into a
// branch, and none for a direct push, another branch, or a pull request closed unmerged.
func TestMergedPull(t *testing.T) {
	gh, gs, app, repo, head := forgeWithGit(t)
	ctx := context.Background()
	if err := gh.AddPull("acme/api", 7, head, "feature", "main"); err != nil {
		t.Fatal(err)
	}
	other, err := gs.Commit("acme/api", "other", map[string]string{"k8s/base/other.yaml": "kind: ConfigMap\n"}, "other")
	if err != nil {
		t.Fatal(err)
	}
	if err := gh.AddPull("acme/api", 8, other, "other", "main"); err != nil {
		t.Fatal(err)
	}
	gh.SetPullState("acme/api", 8, "closed", false) // closed unmerged
	merge, err := gh.MergePull("acme/api", 7)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := gs.Commit("acme/api", "main", map[string]string{"README.md": "x\n"}, "direct push")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, branch, sha string
		want              int
	}{
		{"the merge commit of #7", "main", merge, 7},
		{"a direct push", "main", direct, 0},
		{"the head of #7 is not its merge", "main", head, 0},
		{"another branch", "feature", merge, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := app.MergedPull(ctx, repo, tc.branch, tc.sha)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == 0 {
				if got != nil {
					t.Fatalf("MergedPull = %+v, want none", got)
				}
				return
			}
			if got == nil || got.Number != tc.want || got.HeadSHA != head || got.MergeSHA != merge || got.HeadRepo != "acme/api" {
				t.Fatalf("MergedPull = %+v, want #%d head %s merge %s", got, tc.want, head, merge)
			}
		})
	}
	if got := gh.MergeSHA("acme/api", 7); got != merge {
		t.Fatalf("the fake's merge of #7 = %q, want %q", got, merge)
	}
}
