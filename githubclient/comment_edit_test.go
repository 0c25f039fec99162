package githubclient

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
)

// TestEditComment edits a comment in place through the fake GitHub, reads it back with its
// node id, and refuses a body GitHub would.
func TestEditComment(t *testing.T) {
	gh, repo := fakeGitHub(t)
	inst, err := appClients(t, gh).ForInstallation(gh.InstallationID)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id, err := inst.Comment(ctx, repo, 1, "preview of abc1234")
	if err != nil {
		t.Fatal(err)
	}
	for i, body := range []string{"preview of def5678", "preview of def5678"} {
		got, err := inst.EditComment(ctx, repo, id, body)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != id || got.Body != body || got.NodeID == "" || got.Author != gh.BotLogin() {
			t.Fatalf("edit %d = %+v", i, got)
		}
	}
	c, _ := gh.Comment(id)
	if c.Edits != 2 || c.Body != "preview of def5678" || len(gh.Comments("acme/web", 1)) != 1 {
		t.Fatalf("comment = %+v among %d", c, len(gh.Comments("acme/web", 1)))
	}
	read, err := inst.ReadComment(ctx, repo, id)
	if err != nil || read.Body != c.Body {
		t.Fatalf("ReadComment = %+v, %v", read, err)
	}
	listed, err := inst.Comments(ctx, repo, 1)
	if err != nil || len(listed) != 1 || listed[0].NodeID != read.NodeID {
		t.Fatalf("Comments = %+v, %v; want node id %s", listed, err, read.NodeID)
	}
	before := len(gh.Requests())
	if _, err := inst.EditComment(ctx, repo, id, strings.Repeat("x", MaxComment+1)); !errors.Is(err, ErrCommentTooLong) || len(gh.Requests()) != before {
		t.Fatalf("too long: %v", err)
	}
	if _, err := inst.EditComment(ctx, repo, id+1000, "x"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("no such comment: %v", err)
	}
	if e := gh.FakeErrors(); len(e) > 0 {
		t.Fatalf("the fake answered shapes GitHub's description does not allow: %v", e)
	}
}

// TestMinimizeComment hides a comment as outdated and shows it again with GraphQL through the
// fake GitHub, which checks each mutation against GitHub's schema.
func TestMinimizeComment(t *testing.T) {
	gh, repo := fakeGitHub(t)
	inst, err := appClients(t, gh).ForInstallation(gh.InstallationID)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	typed := gh.AddComment("acme/web", 1, gh.BotLogin(), "preview of abc1234 (typed)")
	c, err := inst.ReadComment(ctx, repo, typed.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // hiding twice is harmless
		if err := inst.MinimizeComment(ctx, repo, c.NodeID); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := gh.Comment(typed.ID); got.Minimized != "outdated" {
		t.Fatalf("comment = %+v, want hidden as outdated", got)
	}
	if err := inst.UnminimizeComment(ctx, repo, c.NodeID); err != nil {
		t.Fatal(err)
	}
	if got, _ := gh.Comment(typed.ID); got.Minimized != "" {
		t.Fatalf("comment = %+v, want shown", got)
	}
	err = inst.MinimizeComment(ctx, repo, "IC_404")
	var ge *GraphQLError
	if !errors.As(err, &ge) || ge.Types[0] != "NOT_FOUND" {
		t.Fatalf("a comment that is not there: %v", err)
	}
	n := 0
	for _, r := range gh.Requests() {
		if r.Method == "POST" && r.Path == "/api/graphql" && r.Login == gh.BotLogin() {
			n++
		}
	}
	if n != 4 {
		t.Fatalf("%d GraphQL requests as the installation, want 4", n)
	}
}

func TestGraphQLURL(t *testing.T) {
	for base, want := range map[string]string{
		"https://api.github.com/":           "https://api.github.com/graphql",
		"https://ghe.example.com/api/v3/":   "https://ghe.example.com/api/graphql",
		"http://127.0.0.1:8080/api/v3/":     "http://127.0.0.1:8080/api/graphql",
		"https://proxy.example.com/github/": "https://proxy.example.com/github/graphql",
	} {
		u, _ := url.Parse(base)
		if got := graphqlURL(u); got != want {
			t.Errorf("graphqlURL(%s) = %s, want %s", base, got, want)
		}
	}
}
