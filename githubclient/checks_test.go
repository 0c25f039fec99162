package githubclient

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// forgeWithGit starts a git server with repository acme/api (main, and branch feature one
// commit ahead) and the fake GitHub serving it, and returns the installation's GitHub, the
// repository and the feature commit.
func forgeWithGit(t *testing.T) (*testenv.GitHub, *testenv.GitServer, *Installation, Repo, string) {
	t.Helper()
	gs, err := testenv.StartGitServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gs.Stop)
	if _, err := gs.CreateRepo("acme/api", "main", map[string]string{"k8s/base/kustomization.yaml": "resources: [deploy.yaml]\n", "k8s/base/deploy.yaml": "kind: Deployment\n"}); err != nil {
		t.Fatal(err)
	}
	head, err := gs.Commit("acme/api", "feature", map[string]string{"k8s/base/deploy.yaml": "kind: Deployment\nspec: {}\n"}, "change")
	if err != nil {
		t.Fatal(err)
	}
	gh, err := testenv.StartGitHub(gs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gh.Stop)
	gh.AddRepo("acme/api", "main", gs.CloneURL("acme/api"))
	t.Cleanup(func() {
		if v := gh.Violations(); len(v) > 0 {
			t.Errorf("requests the real GitHub would reject:\n%s", strings.Join(v, "\n"))
		}
		if e := gh.FakeErrors(); len(e) > 0 {
			t.Errorf("the fake answered shapes GitHub's description does not allow:\n%s", strings.Join(e, "\n"))
		}
	})
	inst, err := appClients(t, gh).ForInstallation(gh.InstallationID)
	if err != nil {
		t.Fatal(err)
	}
	return gh, gs, inst, Repo{Owner: "acme", Name: "api", DefaultBranch: "main", CloneURL: gs.CloneURL("acme/api"), Installation: gh.InstallationID}, head
}

func manyAnnotations(n int) []Annotation {
	out := make([]Annotation, n)
	for i := range out {
		out[i] = Annotation{Path: "k8s/base/deploy.yaml", StartLine: i + 1, Level: AnnotationFailure, Message: fmt.Sprintf("error %d", i+1)}
	}
	return out
}

// TestCreateCheckRun creates check runs through the fake GitHub and checks what GitHub then
// holds: annotations sent 50 a request and all kept, a run asked to complete completed by
// the last request only, an output cut to GitHub's limit and ending with the caller's link.
func TestCreateCheckRun(t *testing.T) {
	gh, _, inst, repo, head := forgeWithGit(t)
	long := "```diff\n" + strings.Repeat("+ line of the diff ü\n", 4000) + "```\n"
	tests := []struct {
		name        string
		run         CheckRun
		wantHistory string
		wantReqs    int
		wantAnns    int
		wantText    func(string) bool
	}{
		{"in progress", CheckRun{Name: "rigel/preview: a", HeadSHA: head, Status: CheckInProgress}, "in_progress", 1, 0, nil},
		{"no changes", CheckRun{Name: "rigel/preview: b", HeadSHA: head, Conclusion: ConclusionNeutral, Output: &CheckOutput{Title: "No changes", Summary: "api: no changes"}},
			"completed/neutral", 1, 0, nil},
		{"120 annotations: three requests, completed by the last", CheckRun{Name: "rigel/preview: c", HeadSHA: head, Status: CheckCompleted, Conclusion: ConclusionFailure,
			Output: &CheckOutput{Title: "Render failed", Summary: "3 files", Annotations: manyAnnotations(120)}},
			"in_progress,in_progress,completed/failure", 3, 120, nil},
		{"a diff too long: cut, fence closed, link last", CheckRun{Name: "rigel/preview: d", HeadSHA: head, Conclusion: ConclusionSuccess,
			Output: &CheckOutput{Title: "1 change", Summary: "api: 1 changed", Text: long, Link: "[The whole diff](http://127.0.0.1/c/1)"}},
			"completed/success", 1, 0, func(s string) bool {
				return len(s) <= MaxCheckText && len(s) > MaxCheckText-600 && strings.HasSuffix(s, "```\n…\n\n[The whole diff](http://127.0.0.1/c/1)") && utf8.ValidString(s)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ref, err := inst.CreateCheckRun(context.Background(), repo, tc.run)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := gh.CheckRunNamed("acme/api", head, tc.run.Name)
			if !ok || got.ID != ref.ID || !strings.HasSuffix(ref.HTMLURL, fmt.Sprintf("/runs/%d", ref.ID)) {
				t.Fatalf("run %+v for %+v", got, ref)
			}
			if h := strings.Join(got.History, ","); h != tc.wantHistory || got.Requests != tc.wantReqs || len(got.Annotations) != tc.wantAnns || got.MaxBatch > MaxAnnotationsPerRun {
				t.Fatalf("history %s after %d requests, %d annotations (at most %d a request); want %s, %d, %d", h, got.Requests, len(got.Annotations), got.MaxBatch, tc.wantHistory, tc.wantReqs, tc.wantAnns)
			}
			for i, a := range got.Annotations {
				if a.Message != fmt.Sprintf("error %d", i+1) || a.StartLine != i+1 || a.EndLine != i+1 {
					t.Fatalf("annotation %d = %+v: not in order", i, a)
				}
			}
			if tc.wantText != nil && !tc.wantText(got.Text) {
				t.Fatalf("text of %d bytes ends %q", len(got.Text), got.Text[max(0, len(got.Text)-80):])
			}
		})
	}
}

// TestUpdateCheckRun moves a run from in progress to completed, appending annotations, and
// lists the latest run of each name on the commit.
func TestUpdateCheckRun(t *testing.T) {
	gh, _, inst, repo, head := forgeWithGit(t)
	ctx := context.Background()
	ref, err := inst.CreateCheckRun(ctx, repo, CheckRun{Name: "rigel/preview: api", HeadSHA: head, Status: CheckInProgress, ExternalID: "api@abc",
		Output: &CheckOutput{Title: "Previewing", Summary: "…", Annotations: manyAnnotations(2)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := inst.UpdateCheckRun(ctx, repo, ref.ID, CheckRun{Name: "rigel/preview: api", Conclusion: ConclusionFailure, DetailsURL: "http://127.0.0.1/comment",
		Output: &CheckOutput{Title: "Render failed", Summary: "k8s/base: bad", Annotations: manyAnnotations(60)}}); err != nil {
		t.Fatal(err)
	}
	got, _ := gh.CheckRunNamed("acme/api", head, "rigel/preview: api")
	if h := strings.Join(got.History, ","); h != "in_progress,in_progress,completed/failure" || len(got.Annotations) != 62 ||
		got.Title != "Render failed" || got.DetailsURL != "http://127.0.0.1/comment" || got.ExternalID != "api@abc" {
		t.Fatalf("run after update: %+v", got)
	}
	if _, err := inst.CreateCheckRun(ctx, repo, CheckRun{Name: "rigel/apply: api", HeadSHA: head, Conclusion: ConclusionSuccess}); err != nil {
		t.Fatal(err)
	}
	runs, err := inst.CheckRuns(ctx, repo, head, "", gh.AppID)
	if err != nil || len(runs) != 2 {
		t.Fatalf("CheckRuns = %+v, %v", runs, err)
	}
	named, err := inst.CheckRuns(ctx, repo, head, "rigel/preview: api", 0)
	if err != nil || len(named) != 1 || named[0].ID != ref.ID || named[0].Status != CheckCompleted || named[0].Conclusion != ConclusionFailure ||
		named[0].ExternalID != "api@abc" || named[0].AppID != gh.AppID || named[0].HeadSHA != head {
		t.Fatalf("CheckRuns(name) = %+v, %v", named, err)
	}
}

// TestCheckRunRefusedBeforeSending: runs GitHub would refuse are refused without a request.
func TestCheckRunRefusedBeforeSending(t *testing.T) {
	gh, _, inst, repo, head := forgeWithGit(t)
	for _, tc := range []struct {
		name string
		run  CheckRun
	}{
		{"no name", CheckRun{HeadSHA: head}},
		{"no head", CheckRun{Name: "x"}},
		{"completed without a conclusion", CheckRun{Name: "x", HeadSHA: head, Status: CheckCompleted}},
		{"a conclusion while in progress", CheckRun{Name: "x", HeadSHA: head, Status: CheckInProgress, Conclusion: ConclusionSuccess}},
		{"an output without summary", CheckRun{Name: "x", HeadSHA: head, Output: &CheckOutput{Title: "t"}}},
		{"an annotation without line", CheckRun{Name: "x", HeadSHA: head, Output: &CheckOutput{Title: "t", Summary: "s", Annotations: []Annotation{{Path: "a", Message: "m"}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(gh.Requests())
			_, err := inst.CreateCheckRun(context.Background(), repo, tc.run)
			if !errors.Is(err, errCheckRun) || len(gh.Requests()) != before {
				t.Fatalf("err = %v after %d requests", err, len(gh.Requests())-before)
			}
		})
	}
}

// TestCheckRunTokenMode: a personal access token cannot create check runs (token mode sets
// commit statuses instead); GitHub's 403 comes back as an error.
func TestCheckRunTokenMode(t *testing.T) {
	gh, _, _, repo, head := forgeWithGit(t)
	gh.AddPAT("ghp_checks", "octo-bot")
	c, err := New(Credentials{APIURL: gh.URL(), Token: "ghp_checks", TokenLogin: "octo-bot"})
	if err != nil {
		t.Fatal(err)
	}
	inst, err := c.ForInstallation(0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inst.CreateCheckRun(context.Background(), repo, CheckRun{Name: "x", HeadSHA: head}); !isStatus(err, 403) {
		t.Fatalf("err = %v, want GitHub's 403", err)
	}
}

func TestCutText(t *testing.T) {
	for _, tc := range []struct {
		name, s, link string
		limit         int
		want          string
	}{
		{"fits", "short", "[more](u)", 100, "short"},
		{"cut at a line end", "line one\nline two\nline three", "", 22, "line one\nline two\n…"},
		{"open fence closed", "```diff\n+a\n+b\n+c\n+d\n+e\n+f\n+g\n+h\n+i\n", "[more](u)", 32, "```diff\n+a\n+b\n```\n…\n\n[more](u)"},
		{"no room: the link alone", "abcdefghijklmnop", "[more](u)", 12, "[more](u)"},
		{"a rune is not split", "ééééé", "", 9, "éé\n…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := CutText(tc.s, tc.limit, tc.link)
			if got != tc.want || len(got) > tc.limit {
				t.Fatalf("CutText = %q (%d bytes), want %q", got, len(got), tc.want)
			}
		})
	}
}
