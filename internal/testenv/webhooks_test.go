package testenv

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/google/go-github/v62/github"
)

func TestPayload(t *testing.T) {
	for _, tc := range []struct{ event, file, action string }{
		{"issue_comment", "created-4.json", "created"},
		{"issue_comment", "edited-1", "edited"},
		{"issue_comment", "deleted-2", "deleted"},
		{"issues", "opened-1", "opened"},
		{"pull_request", "opened-1", "opened"},
		{"installation", "created-1", "created"},
		{"push", "event-1", ""},
		{"ping", "event-1", ""},
	} {
		t.Run(tc.event+"/"+tc.file, func(t *testing.T) {
			p := Payload(tc.event, tc.file)
			if got, _ := p["action"].(string); got != tc.action {
				t.Fatalf("action = %q, want %q", got, tc.action)
			}
			data, _ := json.Marshal(p)
			if _, err := github.ParseWebHook(tc.event, data); err != nil {
				t.Fatalf("go-github cannot parse it: %v", err)
			}
		})
	}
}

func TestIssueComment(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts CommentOpts
	}{
		{"pull request comment", CommentOpts{Repo: "acme/web", CloneURL: "http://x/acme/web.git", DefaultBranch: "trunk", Issue: 7, IsPull: true, CommentID: 55, Body: "/rigel diff web", User: "alice", InstallationID: 9}},
		{"issue comment with defaults", CommentOpts{Repo: "acme/ops", Issue: 1, Body: "/rigel list"}},
		{"bot comment", CommentOpts{Repo: "acme/web", Issue: 2, Body: "diff", User: "rigel[bot]", UserType: "Bot", Action: "edited"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := github.ParseWebHook("issue_comment", IssueComment(tc.opts))
			if err != nil {
				t.Fatal(err)
			}
			e := ev.(*github.IssueCommentEvent)
			o := tc.opts
			wantAction, wantUser, wantType, wantInst, wantBranch := o.Action, o.User, o.UserType, o.InstallationID, o.DefaultBranch
			if wantAction == "" {
				wantAction = "created"
			}
			if wantUser == "" {
				wantUser = "octocat"
			}
			if wantType == "" {
				wantType = "User"
			}
			if wantInst == 0 {
				wantInst = DefaultInstallationID
			}
			if wantBranch == "" {
				wantBranch = "main"
			}
			checks := map[string][2]any{
				"action":          {e.GetAction(), wantAction},
				"full_name":       {e.GetRepo().GetFullName(), o.Repo},
				"owner":           {e.GetRepo().GetOwner().GetLogin() + "/" + e.GetRepo().GetName(), o.Repo},
				"clone_url":       {e.GetRepo().GetCloneURL(), o.CloneURL},
				"default_branch":  {e.GetRepo().GetDefaultBranch(), wantBranch},
				"issue number":    {e.GetIssue().GetNumber(), o.Issue},
				"is pull":         {e.GetIssue().IsPullRequest(), o.IsPull},
				"body":            {e.GetComment().GetBody(), o.Body},
				"user":            {e.GetComment().GetUser().GetLogin(), wantUser},
				"user type":       {e.GetComment().GetUser().GetType(), wantType},
				"sender":          {e.GetSender().GetLogin(), wantUser},
				"installation id": {e.GetInstallation().GetID(), wantInst},
			}
			if o.CommentID != 0 {
				checks["comment id"] = [2]any{e.GetComment().GetID(), o.CommentID}
			}
			for name, c := range checks {
				if c[0] != c[1] {
					t.Errorf("%s = %v, want %v", name, c[0], c[1])
				}
			}
		})
	}

	t.Run("comment ids are unique", func(t *testing.T) {
		seen := map[int64]bool{}
		for i := 0; i < 5; i++ {
			ev, _ := github.ParseWebHook("issue_comment", IssueComment(CommentOpts{Repo: "a/b", Issue: 1}))
			id := ev.(*github.IssueCommentEvent).GetComment().GetID()
			if seen[id] {
				t.Fatalf("duplicate comment id %d", id)
			}
			seen[id] = true
		}
	})
}

func TestCommentEvent(t *testing.T) {
	f := newGHFixture(t)
	body := f.gh.CommentEvent(CommentOpts{Repo: "acme/web", Issue: 7, Body: "/rigel sync web", User: "alice"})
	ev, err := github.ParseWebHook("issue_comment", body)
	if err != nil {
		t.Fatal(err)
	}
	e := ev.(*github.IssueCommentEvent)
	if !e.GetIssue().IsPullRequest() || e.GetRepo().GetCloneURL() != f.gs.CloneURL("acme/web") || e.GetInstallation().GetID() != f.gh.InstallationID {
		t.Fatalf("event = pr %v clone %s installation %d", e.GetIssue().IsPullRequest(), e.GetRepo().GetCloneURL(), e.GetInstallation().GetID())
	}
	got := f.gh.Comments("acme/web", 7)
	if len(got) != 1 || got[0].ID != e.GetComment().GetID() || got[0].User != "alice" {
		t.Fatalf("Comments = %+v", got)
	}
	if _, _, err := f.inst.Reactions.CreateIssueCommentReaction(f.ctx, "acme", "web", e.GetComment().GetID(), "+1"); err != nil {
		t.Fatalf("reaction to the event's comment: %v", err)
	}
	f.gh.CommentEvent(CommentOpts{Action: "edited", Repo: "acme/web", Issue: 7, CommentID: got[0].ID, Body: "/rigel apply web", User: "alice"})
	if b := f.gh.Comments("acme/web", 7)[0].Body; b != "/rigel apply web" {
		t.Fatalf("edited body = %q", b)
	}
	f.gh.CommentEvent(CommentOpts{Action: "deleted", Repo: "acme/web", Issue: 7, CommentID: got[0].ID, User: "alice"})
	if n := len(f.gh.Comments("acme/web", 7)); n != 0 {
		t.Fatalf("%d comments after delete event", n)
	}
}

func TestSign(t *testing.T) {
	// The example from GitHub's "Validating webhook deliveries" documentation.
	got := Sign("It's a Secret to Everybody", []byte("Hello, World!"))
	want := "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestPostWebhook(t *testing.T) {
	var got *http.Request
	var gotBody []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		gotBody, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	body := IssueComment(CommentOpts{Repo: "acme/web", Issue: 1, Body: "/rigel list"})
	resp, err := PostWebhook(srv.URL+"/hook", "s3cret", "issue_comment", body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// go-github's own validation must accept what we sent.
	payload, err := github.ValidatePayloadFromBody(got.Header.Get("Content-Type"), io.NopCloser(bytesReader(gotBody)), got.Header.Get("X-Hub-Signature-256"), []byte("s3cret"))
	if err != nil {
		t.Fatalf("signature: %v", err)
	}
	if string(payload) != string(body) {
		t.Fatal("payload changed in transit")
	}
	if _, err := github.ValidatePayloadFromBody("application/json", io.NopCloser(bytesReader(gotBody)), got.Header.Get("X-Hub-Signature-256"), []byte("wrong")); err == nil {
		t.Fatal("signature validated with the wrong secret")
	}
	if e := github.WebHookType(got); e != "issue_comment" {
		t.Fatalf("event header = %q", e)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(github.DeliveryID(got)) {
		t.Fatalf("delivery id = %q", github.DeliveryID(got))
	}
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
