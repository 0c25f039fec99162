package testenv

import (
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"
)

// TestCommitComments comments on commits through the fake with go-github, and is refused what
// GitHub refuses: no body, a body too long, a commit the repository does not have.
func TestCommitComments(t *testing.T) {
	f := newGHFixture(t)
	tok := f.installationToken(t)
	sha := f.headSHA
	c, _, err := f.inst.Repositories.CreateComment(f.ctx, "acme", "web", sha, &github.RepositoryComment{Body: github.String("applied `web`")})
	if err != nil {
		t.Fatal(err)
	}
	if c.GetID() == 0 || c.GetCommitID() != sha || !strings.Contains(c.GetHTMLURL(), "/commit/"+sha) || c.GetUser().GetLogin() != "rigel[bot]" {
		t.Fatalf("comment = %+v", c)
	}
	for _, tc := range []struct {
		name, sha, body string
		status          int
		violation       string
	}{
		{"no body", sha, `{}`, 422, `missing required field "body"`},
		{"body too long", sha, `{"body":"` + strings.Repeat("x", maxCommentChars+1) + `"}`, 422, "characters"},
		{"not a commit of the repository", strings.Repeat("e", 40), `{"body":"x"}`, 422, "is not a commit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := rawCall(t, f.gh, tok, "POST", "repos/acme/web/commits/"+tc.sha+"/comments", tc.body)
			if code != tc.status {
				t.Errorf("status %d, want %d (%v)", code, tc.status, body)
			}
			f.checkViolation(t, tc.violation)
		})
	}
	got := f.gh.CommitComments("acme/web", sha)
	if len(got) != 1 || got[0].Body != "applied `web`" || got[0].User != "rigel[bot]" {
		t.Fatalf("recorded %+v", got)
	}
	if v := f.newViolations(); len(v) > 0 {
		t.Fatalf("violations: %v", v)
	}
	if errs := f.gh.FakeErrors(); len(errs) > 0 {
		t.Fatalf("the fake's responses do not match the description: %v", errs)
	}
}
