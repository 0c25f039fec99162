package testenv

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/storage/memory"
	"github.com/google/go-github/v62/github"
)

type ghFixture struct {
	gs        *GitServer
	gh        *GitHub
	apps      *github.Client // authenticated as the App (JWT)
	inst      *github.Client // authenticated as the installation
	itr       *ghinstallation.Transport
	headSHA   string
	ctx       context.Context
	lastCheck int
}

func newGHFixture(t *testing.T) *ghFixture {
	t.Helper()
	gs := startGit(t)
	if _, err := gs.CreateRepo("acme/web", "main", map[string]string{"a.txt": "a"}); err != nil {
		t.Fatal(err)
	}
	head, err := gs.Commit("acme/web", "feature", map[string]string{"b.txt": "b"}, "feature")
	if err != nil {
		t.Fatal(err)
	}
	gh, err := StartGitHub(gs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gh.Stop)
	gh.AddRepo("acme/web", "main", gs.CloneURL("acme/web"))
	gh.AddRepo("acme/other", "trunk", gs.CloneURL("acme/other"))
	gh.AddIssue("acme/web", 3, "An issue")
	if err := gh.AddPull("acme/web", 7, head, "feature", "main"); err != nil {
		t.Fatal(err)
	}
	atr, err := ghinstallation.NewAppsTransport(http.DefaultTransport, gh.AppID, gh.PrivateKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	atr.BaseURL = strings.TrimSuffix(gh.URL(), "/")
	itr := ghinstallation.NewFromAppsTransport(atr, gh.InstallationID)
	itr.BaseURL = atr.BaseURL
	apps, err := github.NewClient(&http.Client{Transport: atr}).WithEnterpriseURLs(gh.URL(), gh.URL())
	if err != nil {
		t.Fatal(err)
	}
	inst, err := github.NewClient(&http.Client{Transport: itr}).WithEnterpriseURLs(gh.URL(), gh.URL())
	if err != nil {
		t.Fatal(err)
	}
	f := &ghFixture{gs: gs, gh: gh, apps: apps, inst: inst, itr: itr, headSHA: head, ctx: context.Background()}
	t.Cleanup(func() {
		gh.mu.Lock()
		defer gh.mu.Unlock()
		for _, e := range gh.fakeErrors {
			t.Errorf("fake GitHub answered with a shape the API description does not allow: %s", e)
		}
	})
	return f
}

// newViolations returns the violations recorded since the last call.
func (f *ghFixture) newViolations() []string {
	v := f.gh.Violations()
	out := v[f.lastCheck:]
	f.lastCheck = len(v)
	return out
}

// checkViolation wants no new violation when want is "", else exactly one that names want.
func (f *ghFixture) checkViolation(t *testing.T, want string) {
	t.Helper()
	v := f.newViolations()
	switch {
	case want == "" && len(v) > 0:
		t.Errorf("unexpected violations %v", v)
	case want != "" && (len(v) != 1 || !strings.Contains(v[0], want)):
		t.Errorf("violations %v, want one containing %q", v, want)
	}
}

func statusOf(resp *github.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

func TestGitHubAppAuth(t *testing.T) {
	f := newGHFixture(t)

	t.Run("GET /app with a JWT", func(t *testing.T) {
		app, _, err := f.apps.Apps.Get(f.ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if app.GetSlug() != "rigel" || app.GetID() != f.gh.AppID {
			t.Fatalf("app = %s %d", app.GetSlug(), app.GetID())
		}
	})

	t.Run("installation token works for the API and git", func(t *testing.T) {
		tok, err := f.itr.Token(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tok, "ghs_") {
			t.Fatalf("token %q", tok)
		}
		_, err = git.Clone(memory.NewStorage(), nil, &git.CloneOptions{URL: f.gs.CloneURL("acme/web"), Auth: auth(tok)})
		if err != nil {
			t.Fatalf("clone with installation token: %v", err)
		}
		repo, _, err := f.inst.Repositories.Get(f.ctx, "acme", "web")
		if err != nil {
			t.Fatal(err)
		}
		if repo.GetDefaultBranch() != "main" || repo.GetCloneURL() != f.gs.CloneURL("acme/web") || repo.GetFullName() != "acme/web" {
			t.Fatalf("repo = %s %s %s", repo.GetFullName(), repo.GetDefaultBranch(), repo.GetCloneURL())
		}
	})

	t.Run("repository installation needs the JWT", func(t *testing.T) {
		in, _, err := f.apps.Apps.FindRepositoryInstallation(f.ctx, "acme", "web")
		if err != nil {
			t.Fatal(err)
		}
		if in.GetID() != f.gh.InstallationID || in.GetAccount().GetLogin() != "acme" {
			t.Fatalf("installation = %d %s", in.GetID(), in.GetAccount().GetLogin())
		}
		_, resp, err := f.inst.Apps.FindRepositoryInstallation(f.ctx, "acme", "web")
		if err == nil || statusOf(resp) != http.StatusUnauthorized {
			t.Fatalf("with installation token: status %d err %v, want 401", statusOf(resp), err)
		}
	})

	t.Run("JWT signed by another key is rejected", func(t *testing.T) {
		other, _, _, err := rsaKeyPEM(2048)
		if err != nil {
			t.Fatal(err)
		}
		pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)})
		atr, err := ghinstallation.NewAppsTransport(http.DefaultTransport, f.gh.AppID, pemKey)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := github.NewClient(&http.Client{Transport: atr}).WithEnterpriseURLs(f.gh.URL(), f.gh.URL())
		_, resp, err := c.Apps.Get(f.ctx, "")
		if err == nil || statusOf(resp) != http.StatusUnauthorized {
			t.Fatalf("status %d err %v, want 401", statusOf(resp), err)
		}
	})

	t.Run("unknown installation", func(t *testing.T) {
		_, resp, err := f.apps.Apps.CreateInstallationToken(f.ctx, 999, nil)
		if err == nil || statusOf(resp) != http.StatusNotFound {
			t.Fatalf("status %d err %v, want 404", statusOf(resp), err)
		}
	})

	t.Run("token limited to repositories", func(t *testing.T) {
		tok, _, err := f.apps.Apps.CreateInstallationToken(f.ctx, f.gh.InstallationID, &github.InstallationTokenOptions{Repositories: []string{"other"}})
		if err != nil {
			t.Fatal(err)
		}
		c := github.NewClient(nil).WithAuthToken(tok.GetToken())
		c, _ = c.WithEnterpriseURLs(f.gh.URL(), f.gh.URL())
		if _, _, err := c.Repositories.Get(f.ctx, "acme", "other"); err != nil {
			t.Fatalf("repo in scope: %v", err)
		}
		if _, resp, err := c.Repositories.Get(f.ctx, "acme", "web"); err == nil || statusOf(resp) != http.StatusNotFound {
			t.Fatalf("repo out of scope: status %d, want 404", statusOf(resp))
		}
	})

	for _, tc := range []struct {
		name, header string
	}{
		{"no credentials", ""},
		{"unknown token", "token ghs_nope"},
		{"basic scheme", "Basic eDp5"},
	} {
		t.Run("rejected: "+tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, f.gh.URL()+"repos/acme/web", nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", resp.StatusCode)
			}
		})
	}

	t.Run("expired tokens are rejected by the API and git", func(t *testing.T) {
		tok, _, err := f.apps.Apps.CreateInstallationToken(f.ctx, f.gh.InstallationID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Until(tok.GetExpiresAt().Time); d < 59*time.Minute || d > 61*time.Minute {
			t.Fatalf("expires in %s, want 1h", d)
		}
		f.gh.ExpireTokens()
		c, _ := github.NewClient(nil).WithAuthToken(tok.GetToken()).WithEnterpriseURLs(f.gh.URL(), f.gh.URL())
		if _, resp, err := c.Repositories.Get(f.ctx, "acme", "web"); err == nil || statusOf(resp) != http.StatusUnauthorized {
			t.Fatalf("API status %d, want 401", statusOf(resp))
		}
		if _, err := git.Clone(memory.NewStorage(), nil, &git.CloneOptions{URL: f.gs.CloneURL("acme/web"), Auth: auth(tok.GetToken())}); err == nil {
			t.Fatal("git clone with an expired token succeeded")
		}
	})

	if v := f.newViolations(); len(v) > 0 {
		t.Fatalf("unexpected violations: %v", v)
	}
}

func TestGitHubIssuesAndPulls(t *testing.T) {
	f := newGHFixture(t)

	t.Run("issue", func(t *testing.T) {
		is, _, err := f.inst.Issues.Get(f.ctx, "acme", "web", 3)
		if err != nil {
			t.Fatal(err)
		}
		if is.GetTitle() != "An issue" || is.IsPullRequest() || is.GetState() != "open" {
			t.Fatalf("issue = %q pr=%v state=%s", is.GetTitle(), is.IsPullRequest(), is.GetState())
		}
	})

	t.Run("pull request as issue", func(t *testing.T) {
		is, _, err := f.inst.Issues.Get(f.ctx, "acme", "web", 7)
		if err != nil {
			t.Fatal(err)
		}
		if !is.IsPullRequest() || !strings.HasSuffix(is.GetPullRequestLinks().GetURL(), "/api/v3/repos/acme/web/pulls/7") {
			t.Fatalf("pull_request = %+v", is.GetPullRequestLinks())
		}
	})

	t.Run("pull request", func(t *testing.T) {
		pr, _, err := f.inst.PullRequests.Get(f.ctx, "acme", "web", 7)
		if err != nil {
			t.Fatal(err)
		}
		base, _ := f.gs.Head("acme/web", "main")
		if pr.GetHead().GetSHA() != f.headSHA || pr.GetHead().GetRef() != "feature" || pr.GetBase().GetRef() != "main" ||
			pr.GetBase().GetSHA() != base || pr.GetHead().GetRepo().GetCloneURL() != f.gs.CloneURL("acme/web") ||
			!pr.GetMergeable() || pr.GetState() != "open" || pr.GetMerged() {
			t.Fatalf("pull = head %s %s base %s %s clone %s mergeable %v state %s",
				pr.GetHead().GetRef(), pr.GetHead().GetSHA(), pr.GetBase().GetRef(), pr.GetBase().GetSHA(),
				pr.GetHead().GetRepo().GetCloneURL(), pr.GetMergeable(), pr.GetState())
		}
	})

	t.Run("pull head moves and refs/pull follows", func(t *testing.T) {
		next, err := f.gs.Commit("acme/web", "feature", map[string]string{"c.txt": "c"}, "more")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.gh.SetPullHead("acme/web", 7, next); err != nil {
			t.Fatal(err)
		}
		pr, _, err := f.inst.PullRequests.Get(f.ctx, "acme", "web", 7)
		if err != nil || pr.GetHead().GetSHA() != next {
			t.Fatalf("head = %s, %v; want %s", pr.GetHead().GetSHA(), err, next)
		}
		if got, _ := f.gs.Head("acme/web", "refs/pull/7/head"); got != next {
			t.Fatalf("refs/pull/7/head = %s, want %s", got, next)
		}
		f.gh.SetPullState("acme/web", 7, "closed", true)
		pr, _, _ = f.inst.PullRequests.Get(f.ctx, "acme", "web", 7)
		if pr.GetState() != "closed" || !pr.GetMerged() {
			t.Fatalf("state %s merged %v", pr.GetState(), pr.GetMerged())
		}
	})

	for _, tc := range []struct {
		name string
		call func() (*github.Response, error)
	}{
		{"unknown issue", func() (*github.Response, error) {
			_, r, err := f.inst.Issues.Get(f.ctx, "acme", "web", 99)
			return r, err
		}},
		{"issue is not a pull", func() (*github.Response, error) {
			_, r, err := f.inst.PullRequests.Get(f.ctx, "acme", "web", 3)
			return r, err
		}},
		{"unknown repo", func() (*github.Response, error) {
			_, r, err := f.inst.Repositories.Get(f.ctx, "acme", "nope")
			return r, err
		}},
	} {
		t.Run("404: "+tc.name, func(t *testing.T) {
			resp, err := tc.call()
			if err == nil || statusOf(resp) != http.StatusNotFound {
				t.Fatalf("status %d err %v, want 404", statusOf(resp), err)
			}
		})
	}

	t.Run("permissions", func(t *testing.T) {
		f.gh.SetPermission("acme/web", "Alice", "admin")
		f.gh.SetPermission("acme/web", "eve", "read")
		f.gh.SetPermission("acme/web", "mallory", "none")
		for user, want := range map[string]string{"alice": "admin", "eve": "read", "mallory": "none", "bob": "write"} {
			p, _, err := f.inst.Repositories.GetPermissionLevel(f.ctx, "acme", "web", user)
			if err != nil {
				t.Fatal(err)
			}
			if p.GetPermission() != want || p.GetUser().GetLogin() != user {
				t.Errorf("%s: permission %s user %s, want %s", user, p.GetPermission(), p.GetUser().GetLogin(), want)
			}
		}
	})

	t.Run("roles beyond the legacy permission", func(t *testing.T) {
		for _, tc := range []struct{ role, legacy, flag string }{{"maintain", "write", "maintain"}, {"triage", "read", "triage"}} {
			f.gh.SetPermission("acme/web", "role-"+tc.role, tc.role)
			p, _, err := f.inst.Repositories.GetPermissionLevel(f.ctx, "acme", "web", "role-"+tc.role)
			if err != nil {
				t.Fatal(err)
			}
			u := p.GetUser()
			if p.GetPermission() != tc.legacy || u.GetRoleName() != tc.role || !u.Permissions[tc.flag] || u.Permissions["admin"] {
				t.Errorf("%s: permission %s role %s flags %v", tc.role, p.GetPermission(), u.GetRoleName(), u.Permissions)
			}
		}
	})

	t.Run("reviews, mergeability and forks", func(t *testing.T) {
		if err := f.gh.AddPull("acme/web", 8, f.headSHA, "feature", "main"); err != nil {
			t.Fatal(err)
		}
		f.gh.AddReview("acme/web", 8, "alice", "CHANGES_REQUESTED")
		f.gh.AddReview("acme/web", 8, "alice", "APPROVED")
		got, _, err := f.inst.PullRequests.ListReviews(f.ctx, "acme", "web", 8, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].GetState() != "CHANGES_REQUESTED" || got[1].GetState() != "APPROVED" ||
			got[1].GetUser().GetLogin() != "alice" || got[1].GetCommitID() != f.headSHA || got[0].GetID() >= got[1].GetID() {
			t.Fatalf("reviews = %+v", got)
		}
		no := false
		f.gh.SetPullMergeable("acme/web", 8, &no, "dirty")
		f.gh.SetPullFork("acme/web", 8, "mallory/web")
		pr, _, err := f.inst.PullRequests.Get(f.ctx, "acme", "web", 8)
		if err != nil {
			t.Fatal(err)
		}
		if pr.Mergeable == nil || *pr.Mergeable || pr.GetMergeableState() != "dirty" ||
			pr.GetHead().GetRepo().GetFullName() != "mallory/web" || !pr.GetHead().GetRepo().GetFork() || pr.GetBase().GetRepo().GetFullName() != "acme/web" {
			t.Fatalf("pull = mergeable %v %s head repo %s", pr.Mergeable, pr.GetMergeableState(), pr.GetHead().GetRepo().GetFullName())
		}
		f.gh.SetPullMergeable("acme/web", 8, nil, "unknown")
		if pr, _, err = f.inst.PullRequests.Get(f.ctx, "acme", "web", 8); err != nil || pr.Mergeable != nil {
			t.Fatalf("mergeable = %v, %v; want null", pr.Mergeable, err)
		}
	})

	if v := f.newViolations(); len(v) > 0 {
		t.Fatalf("unexpected violations: %v", v)
	}
}

func TestGitHubComments(t *testing.T) {
	f := newGHFixture(t)
	f.gh.AddPAT("ghp_alice", "alice")
	alice, _ := github.NewClient(nil).WithAuthToken("ghp_alice").WithEnterpriseURLs(f.gh.URL(), f.gh.URL())

	var botID int64
	t.Run("create as the bot and as a user", func(t *testing.T) {
		c, resp, err := f.inst.Issues.CreateComment(f.ctx, "acme", "web", 7, &github.IssueComment{Body: github.String("diff here")})
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusCreated || c.GetUser().GetLogin() != "rigel[bot]" || c.GetUser().GetType() != "Bot" ||
			!strings.Contains(c.GetHTMLURL(), "/acme/web/pull/7#issuecomment-") {
			t.Fatalf("comment = %d user %s %s html %s", resp.StatusCode, c.GetUser().GetLogin(), c.GetUser().GetType(), c.GetHTMLURL())
		}
		botID = c.GetID()
		u, _, err := alice.Issues.CreateComment(f.ctx, "acme", "web", 7, &github.IssueComment{Body: github.String("/rigel diff web")})
		if err != nil {
			t.Fatal(err)
		}
		if u.GetUser().GetLogin() != "alice" || u.GetUser().GetType() != "User" || u.GetID() <= botID {
			t.Fatalf("user comment = %s %s id %d", u.GetUser().GetLogin(), u.GetUser().GetType(), u.GetID())
		}
		got := f.gh.Comments("acme/web", 7)
		if len(got) != 2 || got[0].User != "rigel[bot]" || got[0].Body != "diff here" || got[1].User != "alice" || got[1].UserType != "User" {
			t.Fatalf("Comments = %+v", got)
		}
	})

	t.Run("list with pagination", func(t *testing.T) {
		for i := 0; i < 3; i++ {
			f.gh.AddComment("acme/web", 7, "bob", "filler")
		}
		var all []*github.IssueComment
		opt := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 2}}
		pages := 0
		for {
			cs, resp, err := f.inst.Issues.ListComments(f.ctx, "acme", "web", 7, opt)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			all = append(all, cs...)
			if resp.NextPage == 0 {
				break
			}
			opt.Page = resp.NextPage
		}
		if len(all) != 5 || pages != 3 || all[0].GetID() != botID {
			t.Fatalf("listed %d comments in %d pages", len(all), pages)
		}
	})

	t.Run("edit and delete", func(t *testing.T) {
		c, _, err := f.inst.Issues.EditComment(f.ctx, "acme", "web", botID, &github.IssueComment{Body: github.String("new diff")})
		if err != nil || c.GetBody() != "new diff" {
			t.Fatalf("edit: %v %q", err, c.GetBody())
		}
		if got := f.gh.Comments("acme/web", 7)[0].Body; got != "new diff" {
			t.Fatalf("stored body %q", got)
		}
		resp, err := f.inst.Issues.DeleteComment(f.ctx, "acme", "web", botID)
		if err != nil || resp.StatusCode != http.StatusNoContent {
			t.Fatalf("delete: %v", err)
		}
		if got := f.gh.Comments("acme/web", 7); len(got) != 4 || got[0].ID == botID {
			t.Fatalf("after delete: %+v", got)
		}
		if _, resp, err := f.inst.Issues.EditComment(f.ctx, "acme", "web", botID, &github.IssueComment{Body: github.String("x")}); statusOf(resp) != http.StatusNotFound {
			t.Fatalf("edit deleted comment: status %d, %v", statusOf(resp), err)
		}
	})

	t.Run("body length limit", func(t *testing.T) {
		ok := strings.Repeat("é", maxCommentChars)
		if _, _, err := f.inst.Issues.CreateComment(f.ctx, "acme", "web", 3, &github.IssueComment{Body: &ok}); err != nil {
			t.Fatalf("%d characters should be accepted: %v", maxCommentChars, err)
		}
		long := ok + "x"
		_, resp, err := f.inst.Issues.CreateComment(f.ctx, "acme", "web", 3, &github.IssueComment{Body: &long})
		var ge *github.ErrorResponse
		if statusOf(resp) != http.StatusUnprocessableEntity || !errors.As(err, &ge) || len(ge.Errors) != 1 {
			t.Fatalf("status %d err %v, want 422 with one error", statusOf(resp), err)
		}
		if v := f.newViolations(); len(v) != 1 || !strings.Contains(v[0], "65537 characters") {
			t.Fatalf("violations = %v", v)
		}
	})

	t.Run("reactions", func(t *testing.T) {
		user := f.gh.AddComment("acme/web", 7, "carol", "/rigel apply web")
		_, resp, err := f.inst.Reactions.CreateIssueCommentReaction(f.ctx, "acme", "web", user.ID, "eyes")
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("reaction: %d %v", statusOf(resp), err)
		}
		_, resp, err = f.inst.Reactions.CreateIssueCommentReaction(f.ctx, "acme", "web", user.ID, "eyes")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("repeated reaction: %d %v, want 200", statusOf(resp), err)
		}
		if _, _, err := f.inst.Reactions.CreateIssueReaction(f.ctx, "acme", "web", 7, "rocket"); err != nil {
			t.Fatal(err)
		}
		got := f.gh.Reactions()
		want := []Reaction{
			{Repo: "acme/web", Issue: 7, CommentID: user.ID, Content: "eyes", User: "rigel[bot]"},
			{Repo: "acme/web", Issue: 7, Content: "rocket", User: "rigel[bot]"},
		}
		if len(got) != len(want) {
			t.Fatalf("Reactions = %+v", got)
		}
		for i := range want {
			want[i].ID = got[i].ID
			if got[i] != want[i] {
				t.Fatalf("reaction %d = %+v, want %+v", i, got[i], want[i])
			}
		}
		if _, resp, _ := f.inst.Reactions.CreateIssueCommentReaction(f.ctx, "acme", "web", 12345, "eyes"); statusOf(resp) != http.StatusNotFound {
			t.Fatalf("reaction to unknown comment: %d, want 404", statusOf(resp))
		}
		_, resp, _ = f.inst.Reactions.CreateIssueCommentReaction(f.ctx, "acme", "web", user.ID, "thumbsup")
		if statusOf(resp) != http.StatusUnprocessableEntity {
			t.Fatalf("invalid content: status %d, want 422", statusOf(resp))
		}
		if v := f.newViolations(); len(v) != 1 || !strings.Contains(v[0], "thumbsup") {
			t.Fatalf("violations = %v", v)
		}
	})

	t.Run("injected failures", func(t *testing.T) {
		f.gh.FailNext("POST", "/repos/acme/web/issues/7/comments", http.StatusBadGateway, 1)
		_, resp, _ := f.inst.Issues.CreateComment(f.ctx, "acme", "web", 7, &github.IssueComment{Body: github.String("x")})
		if statusOf(resp) != http.StatusBadGateway {
			t.Fatalf("status %d, want injected 502", statusOf(resp))
		}
		_, resp, err := f.inst.Issues.CreateComment(f.ctx, "acme", "web", 7, &github.IssueComment{Body: github.String("x")})
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("second attempt: %d %v", statusOf(resp), err)
		}
	})

	if v := f.newViolations(); len(v) > 0 {
		t.Fatalf("unexpected violations: %v", v)
	}
}

func TestGitHubValidation(t *testing.T) {
	f := newGHFixture(t)
	tok, _, err := f.apps.Apps.CreateInstallationToken(f.ctx, f.gh.InstallationID, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		violation                string // substring; "" means none
	}{
		{"valid comment", "POST", "repos/acme/web/issues/3/comments", `{"body":"hi"}`, 201, ""},
		{"missing body field", "POST", "repos/acme/web/issues/3/comments", `{"text":"hi"}`, 422, `missing required field "body"`},
		{"body of wrong type", "POST", "repos/acme/web/issues/3/comments", `{"body":5}`, 422, "body.body: must be a string"},
		{"no request body", "POST", "repos/acme/web/issues/3/comments", ``, 422, "request body is required"},
		{"broken JSON", "POST", "repos/acme/web/issues/3/comments", `{"body":`, 400, "not valid JSON"},
		{"non-numeric issue number", "GET", "repos/acme/web/issues/abc", ``, 404, "not an integer"},
		{"unknown path", "GET", "repos/acme/web/frobnicate", ``, 404, "no such path"},
		{"wrong method", "PUT", "repos/acme/web/issues/3/comments", `{"body":"x"}`, 404, "method PUT"},
		{"bad per_page", "GET", "repos/acme/web/issues/3/comments?per_page=lots", ``, 422, "per_page"},
		{"not implemented", "GET", "repos/acme/web/branches/main", ``, 501, "not implemented"},
		{"reaction enum", "POST", "repos/acme/web/issues/3/reactions", `{"content":"party"}`, 422, "is not one of"},
		{"outside /api/v3", "GET", "../../repos/acme/web", ``, 404, "not under /api/v3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := f.gh.URL() + tc.path
			if strings.HasPrefix(tc.path, "../../") {
				url = f.gh.WebURL() + "/" + strings.TrimPrefix(tc.path, "../../")
			}
			req, _ := http.NewRequest(tc.method, url, bytes.NewReader([]byte(tc.body)))
			req.Header.Set("Authorization", "token "+tok.GetToken())
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			f.checkViolation(t, tc.violation)
		})
	}

	t.Run("requests are recorded", func(t *testing.T) {
		var found bool
		for _, r := range f.gh.Requests() {
			if r.Method == "POST" && r.Path == "/repos/acme/web/issues/3/comments" && string(r.Body) == `{"body":"hi"}` && r.Status == 201 && r.Login == "rigel[bot]" {
				found = true
			}
		}
		if !found {
			t.Fatalf("valid comment request not recorded: %+v", f.gh.Requests())
		}
	})
}

func TestSpecCoversEveryHandler(t *testing.T) {
	spec, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, op := range spec.ops {
		ids[op.ID] = true
	}
	for id := range handlers {
		if !ids[id] {
			t.Errorf("handler for %s, which is not in the API description", id)
		}
	}
}
