package testenv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"
)

// rawCall sends body with method to path (under the API, or absolute when it starts with
// "/api/") with token, and returns the status and decoded answer.
func rawCall(t *testing.T, gh *GitHub, token, method, path, body string) (int, map[string]any) {
	t.Helper()
	url := gh.URL() + path
	if strings.HasPrefix(path, "/api/") {
		url = gh.WebURL() + path
	}
	req, _ := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
	req.Header.Set("Authorization", "token "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return resp.StatusCode, out
}

func (f *ghFixture) installationToken(t *testing.T) string {
	t.Helper()
	tok, _, err := f.apps.Apps.CreateInstallationToken(f.ctx, f.gh.InstallationID, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok.GetToken()
}

func annotations(n int, extra string) string {
	var list []string
	for i := 0; i < n; i++ {
		list = append(list, fmt.Sprintf(`{"path":"k8s/a.yaml","start_line":%d,"end_line":%d,"annotation_level":"failure","message":"bad"%s}`, i+1, i+1, extra))
	}
	return "[" + strings.Join(list, ",") + "]"
}

// TestCheckRunValidation sends check run requests GitHub refuses, and one it takes, to the
// fake GitHub: each refusal is answered like GitHub (422, 403) and recorded as a violation
// (but a personal access token's 403, which is GitHub's answer to a valid request).
func TestCheckRunValidation(t *testing.T) {
	f := newGHFixture(t)
	tok := f.installationToken(t)
	f.gh.AddPAT("ghp_checks", "alice")
	sha := f.headSHA
	if code, body := rawCall(t, f.gh, tok, "POST", "repos/acme/web/check-runs", `{"name":"rigel/preview: api","head_sha":"`+sha+`","status":"in_progress"}`); code != 201 {
		t.Fatalf("valid create: %d %v", code, body)
	}
	run, _ := f.gh.CheckRunNamed("acme/web", sha, "rigel/preview: api")
	runPath := fmt.Sprintf("repos/acme/web/check-runs/%d", run.ID)
	for _, tc := range []struct {
		name, token, method, path, body string
		status                          int
		violation                       string
	}{
		{"no head_sha", tok, "POST", "repos/acme/web/check-runs", `{"name":"x"}`, 422, `missing required field "head_sha"`},
		{"no name", tok, "POST", "repos/acme/web/check-runs", `{"head_sha":"` + sha + `"}`, 422, `missing required field "name"`},
		{"completed without conclusion", tok, "POST", "repos/acme/web/check-runs", `{"name":"x","head_sha":"` + sha + `","status":"completed"}`, 422, "conclusion is required"},
		{"conclusion while in progress", tok, "POST", "repos/acme/web/check-runs", `{"name":"x","head_sha":"` + sha + `","status":"in_progress","conclusion":"success"}`, 422, "a conclusion completes the run"},
		{"unknown conclusion", tok, "POST", "repos/acme/web/check-runs", `{"name":"x","head_sha":"` + sha + `","conclusion":"great"}`, 422, "is not one of"},
		{"51 annotations in a create", tok, "POST", "repos/acme/web/check-runs", `{"name":"x","head_sha":"` + sha + `","output":{"title":"t","summary":"s","annotations":` + annotations(51, "") + `}}`, 422, "at most 50 items"},
		{"output without summary", tok, "POST", "repos/acme/web/check-runs", `{"name":"x","head_sha":"` + sha + `","output":{"title":"t"}}`, 422, `missing required field "summary"`},
		{"text over 65535 characters", tok, "POST", "repos/acme/web/check-runs", `{"name":"x","head_sha":"` + sha + `","output":{"title":"t","summary":"s","text":"` + strings.Repeat("é", 65536) + `"}}`, 422, "longer than 65535"},
		{"columns over two lines", tok, "POST", "repos/acme/web/check-runs", `{"name":"x","head_sha":"` + sha + `","output":{"title":"t","summary":"s","annotations":[{"path":"a","start_line":1,"end_line":2,"start_column":3,"annotation_level":"notice","message":"m"}]}}`, 422, "columns are allowed only"},
		{"not a commit of the repository", tok, "POST", "repos/acme/web/check-runs", `{"name":"x","head_sha":"` + strings.Repeat("f", 40) + `"}`, 422, "is not a commit of acme/web"},
		{"a personal access token", "ghp_checks", "POST", "repos/acme/web/check-runs", `{"name":"x","head_sha":"` + sha + `"}`, 403, ""},
		{"51 annotations in an update", tok, "PATCH", runPath, `{"name":"rigel/preview: api","output":{"title":"t","summary":"s","annotations":` + annotations(51, "") + `}}`, 422, "at most 50 items"},
		{"update completed without conclusion", tok, "PATCH", runPath, `{"name":"rigel/preview: api","status":"completed"}`, 422, "conclusion"},
		{"update to stale", tok, "PATCH", runPath, `{"name":"rigel/preview: api","conclusion":"stale"}`, 422, "set by GitHub only"},
		{"update of no such run", tok, "PATCH", "repos/acme/web/check-runs/1", `{"name":"x"}`, 404, ""},
		{"valid update", tok, "PATCH", runPath, `{"name":"rigel/preview: api","conclusion":"failure","output":{"title":"t","summary":"s","annotations":` + annotations(50, "") + `}}`, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := rawCall(t, f.gh, tc.token, tc.method, tc.path, tc.body)
			if code != tc.status {
				t.Errorf("status %d, want %d (%v)", code, tc.status, body["message"])
			}
			f.checkViolation(t, tc.violation)
		})
	}
	run, _ = f.gh.CheckRunNamed("acme/web", sha, "rigel/preview: api")
	if len(f.gh.CheckRuns("acme/web", "")) != 1 || run.Status != "completed" || run.Conclusion != "failure" || len(run.Annotations) != 50 ||
		strings.Join(run.History, ",") != "in_progress,completed/failure" || run.Requests != 2 {
		t.Fatalf("the refused requests changed the run, or the valid ones did not: %+v", run)
	}
}

// TestCheckRunsLifecycle creates, updates, reads and lists check runs through the fake with
// go-github, and checks what GitHub would answer: appended annotations, the latest run of
// each name, the open pull request the head belongs to.
func TestCheckRunsLifecycle(t *testing.T) {
	f := newGHFixture(t)
	tok := f.installationToken(t)
	create := func(name string) int64 {
		t.Helper()
		code, body := rawCall(t, f.gh, tok, "POST", "repos/acme/web/check-runs", `{"name":"`+name+`","head_sha":"`+f.headSHA+`","external_id":"api@1","output":{"title":"t","summary":"s","annotations":`+annotations(2, "")+`}}`)
		if code != 201 {
			t.Fatalf("create: %d %v", code, body)
		}
		if body["status"] != "queued" || body["conclusion"] != nil || body["external_id"] != "api@1" {
			t.Fatalf("created %v", body)
		}
		prs, _ := body["pull_requests"].([]any)
		if len(prs) != 1 || prs[0].(map[string]any)["number"] != float64(7) {
			t.Fatalf("pull_requests = %v, want PR 7 whose head it is", body["pull_requests"])
		}
		return int64(body["id"].(float64))
	}
	first := create("rigel/preview: api")
	second := create("rigel/preview: api") // a new run of the same name: the latest wins
	create("rigel/preview: web")
	code, body := rawCall(t, f.gh, tok, "PATCH", fmt.Sprintf("repos/acme/web/check-runs/%d", second), `{"name":"rigel/preview: api","conclusion":"success","output":{"title":"t2","summary":"s2","annotations":`+annotations(3, `,"title":"x"`)+`}}`)
	if code != 200 || body["status"] != "completed" || body["conclusion"] != "success" || body["completed_at"] == nil {
		t.Fatalf("update: %d %v", code, body)
	}
	if out := body["output"].(map[string]any); out["annotations_count"] != float64(5) || out["title"] != "t2" {
		t.Fatalf("output %v: annotations are appended, the title replaced", out)
	}
	runs, _, err := f.inst.Checks.ListCheckRunsForRef(f.ctx, "acme", "web", "feature", nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, r := range runs.CheckRuns {
		ids = append(ids, r.GetID())
	}
	if runs.GetTotal() != 2 || len(ids) != 2 || ids[1] != second {
		t.Fatalf("latest runs by branch = %v (total %d), want the web run and %d", ids, runs.GetTotal(), second)
	}
	all, _, err := f.inst.Checks.ListCheckRunsForRef(f.ctx, "acme", "web", f.headSHA, &github.ListCheckRunsOptions{Filter: github.String("all"), CheckName: github.String("rigel/preview: api")})
	if err != nil || all.GetTotal() != 2 {
		t.Fatalf("all api runs = %v, %v", all, err)
	}
	got, _, err := f.inst.Checks.GetCheckRun(f.ctx, "acme", "web", first)
	if err != nil || got.GetStatus() != "queued" || got.GetApp().GetSlug() != "rigel" {
		t.Fatalf("get = %+v, %v", got, err)
	}
	if v := f.newViolations(); len(v) > 0 {
		t.Fatalf("violations: %v", v)
	}
}
