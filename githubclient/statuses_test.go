package githubclient

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestSetStatus sets commit statuses as an app installation and as a token's user through the
// fake GitHub, and reads the latest of each context back.
func TestSetStatus(t *testing.T) {
	gh, _, app, repo, head := forgeWithGit(t)
	gh.AddPAT("ghp_status", "octo-bot")
	c, err := New(Credentials{APIURL: gh.URL(), Token: "ghp_status", TokenLogin: "octo-bot"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := c.ForInstallation(0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	long := strings.Repeat("ä", 200)
	for _, tc := range []struct {
		name     string
		inst     *Installation
		status   CommitStatus
		wantDesc string
		wantBy   string
	}{
		{"pending, by the app", app, CommitStatus{Context: "rigel/preview: api", State: StatusPending, Description: "Previewing"}, "Previewing", "rigel[bot]"},
		{"success, by a token", token, CommitStatus{Context: "rigel/preview: api", State: StatusSuccess, Description: "1 change", TargetURL: "http://127.0.0.1/c/1"}, "1 change", "octo-bot"},
		{"a long description is cut to 140", token, CommitStatus{Context: "rigel/apply: api", State: StatusFailure, Description: long}, strings.Repeat("ä", 139) + "…", "octo-bot"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.inst.SetStatus(ctx, repo, head, tc.status); err != nil {
				t.Fatal(err)
			}
			got, ok := gh.LatestStatus("acme/api", head, tc.status.Context)
			if !ok || got.State != tc.status.State || got.Description != tc.wantDesc || got.TargetURL != tc.status.TargetURL || got.Creator != tc.wantBy {
				t.Fatalf("status %+v", got)
			}
			if n := utf8.RuneCountInString(got.Description); n > MaxStatusDescription {
				t.Fatalf("description of %d characters", n)
			}
		})
	}
	all, err := app.Statuses(ctx, repo, head)
	if err != nil || len(all) != 2 {
		t.Fatalf("Statuses = %+v, %v; want the latest of 2 contexts", all, err)
	}
	for _, s := range all {
		if s.Context == "rigel/preview: api" && (s.State != StatusSuccess || s.TargetURL != "http://127.0.0.1/c/1") {
			t.Fatalf("latest preview status = %+v", s)
		}
	}
	before := len(gh.Requests())
	for _, bad := range []CommitStatus{{Context: "x", State: "done"}, {State: StatusSuccess}} {
		if err := app.SetStatus(ctx, repo, head, bad); err == nil {
			t.Fatalf("SetStatus(%+v) took it", bad)
		}
	}
	if len(gh.Requests()) != before {
		t.Fatal("an invalid status was sent")
	}
}
