package testenv

import (
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"
)

// TestCommitStatuses sets commit statuses through the fake as an installation and as a
// personal access token, reads the combined state, and is refused what GitHub refuses.
func TestCommitStatuses(t *testing.T) {
	f := newGHFixture(t)
	tok := f.installationToken(t)
	f.gh.AddPAT("ghp_status", "alice")
	sha := f.headSHA
	for _, tc := range []struct {
		name, token, body string
		status            int
		violation         string
	}{
		{"pending by the app", tok, `{"state":"pending","context":"rigel/preview: api","description":"previewing"}`, 201, ""},
		{"by a personal access token", "ghp_status", `{"state":"success","context":"rigel/preview: web","target_url":"http://127.0.0.1/x"}`, 201, ""},
		{"no state", tok, `{"context":"x"}`, 422, `missing required field "state"`},
		{"unknown state", tok, `{"state":"done"}`, 422, "is not one of"},
		{"description over 140 characters", tok, `{"state":"success","description":"` + strings.Repeat("é", 141) + `"}`, 422, "141 characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := rawCall(t, f.gh, tc.token, "POST", "repos/acme/web/statuses/"+sha, tc.body)
			if code != tc.status {
				t.Errorf("status %d, want %d (%v)", code, tc.status, body)
			}
			f.checkViolation(t, tc.violation)
		})
	}
	if code, _ := rawCall(t, f.gh, tok, "POST", "repos/acme/web/statuses/"+strings.Repeat("e", 40), `{"state":"success"}`); code != 422 || len(f.newViolations()) != 1 {
		t.Fatalf("a status on a commit the repository does not have: %d", code)
	}

	combined := func() *github.CombinedStatus {
		t.Helper()
		cs, _, err := f.inst.Repositories.GetCombinedStatus(f.ctx, "acme", "web", "feature", nil)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	if cs := combined(); cs.GetState() != "pending" || cs.GetTotalCount() != 2 || cs.GetSHA() != sha {
		t.Fatalf("combined = %s of %d on %s, want pending of 2", cs.GetState(), cs.GetTotalCount(), cs.GetSHA())
	}
	if _, _, err := f.inst.Repositories.CreateStatus(f.ctx, "acme", "web", sha, &github.RepoStatus{State: github.String("success"), Context: github.String("rigel/preview: api")}); err != nil {
		t.Fatal(err)
	}
	if cs := combined(); cs.GetState() != "success" || cs.GetTotalCount() != 2 {
		t.Fatalf("combined after success = %s of %d", cs.GetState(), cs.GetTotalCount())
	}
	st, ok := f.gh.LatestStatus("acme/web", sha, "rigel/preview: api")
	if !ok || st.State != "success" || len(f.gh.Statuses("acme/web", sha)) != 3 {
		t.Fatalf("latest = %+v; all %d", st, len(f.gh.Statuses("acme/web", sha)))
	}
	if v := f.newViolations(); len(v) > 0 {
		t.Fatalf("violations: %v", v)
	}
}
