package githubclient

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestDeployments creates a deployment of a commit and its statuses through the fake GitHub,
// as the app and as a token's user, and reads the environment's latest deployment and status
// back; a failing commit status does not stop it (required_contexts is empty), and an invalid
// state is never sent.
func TestDeployments(t *testing.T) {
	gh, _, app, repo, head := forgeWithGit(t)
	gh.AddPAT("ghp_deploy", "octo-bot")
	c, err := New(Credentials{APIURL: gh.URL(), Token: "ghp_deploy", TokenLogin: "octo-bot"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := c.ForInstallation(0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := app.SetStatus(ctx, repo, head, CommitStatus{Context: "ci", State: StatusFailure}); err != nil {
		t.Fatal(err)
	}
	latest, err := app.LatestDeployment(ctx, repo, "api")
	if err != nil || latest != nil {
		t.Fatalf("LatestDeployment before any = %+v, %v; want none", latest, err)
	}
	for _, tc := range []struct {
		name   string
		inst   *Installation
		by     string
		states []string
		desc   string
	}{
		{"the app", app, "rigel[bot]", []string{DeploymentInProgress, DeploymentSuccess}, "applied"},
		{"a token", token, "octo-bot", []string{DeploymentInProgress, DeploymentFailure}, strings.Repeat("ä", 200)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, err := tc.inst.CreateDeployment(ctx, repo, NewDeployment{SHA: head, Environment: "api", Description: tc.desc, Payload: map[string]any{"kind": "rollback"}})
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range tc.states {
				if err := tc.inst.SetDeploymentStatus(ctx, repo, id, DeploymentStatus{State: st, Description: tc.desc, LogURL: "http://127.0.0.1/c/1"}); err != nil {
					t.Fatal(err)
				}
			}
			all := gh.Deployments("acme/api")
			d := all[len(all)-1]
			if d.ID != id || d.SHA != head || d.Environment != "api" || d.Creator != tc.by || len(d.Statuses) != len(tc.states) {
				t.Fatalf("deployment %+v", d)
			}
			for _, s := range d.Statuses {
				if utf8.RuneCountInString(s.Description) > MaxStatusDescription || s.LogURL != "http://127.0.0.1/c/1" {
					t.Fatalf("status %+v", s)
				}
			}
			got, err := app.LatestDeployment(ctx, repo, "api")
			if err != nil || got == nil || got.ID != id || got.SHA != head || got.Creator != tc.by {
				t.Fatalf("LatestDeployment = %+v, %v; want %d", got, err, id)
			}
			st, err := app.LatestDeploymentStatus(ctx, repo, id)
			if err != nil || st == nil || st.State != tc.states[len(tc.states)-1] {
				t.Fatalf("LatestDeploymentStatus = %+v, %v; want %s", st, err, tc.states[len(tc.states)-1])
			}
		})
	}
	if other, err := app.LatestDeployment(ctx, repo, "web"); err != nil || other != nil {
		t.Fatalf("another environment's latest = %+v, %v; want none", other, err)
	}
	before := len(gh.Requests())
	if err := app.SetDeploymentStatus(ctx, repo, 1, DeploymentStatus{State: "done"}); err == nil {
		t.Fatal("an invalid state was taken")
	}
	if _, err := app.CreateDeployment(ctx, repo, NewDeployment{Environment: "api"}); err == nil {
		t.Fatal("a deployment without a commit was taken")
	}
	if len(gh.Requests()) != before {
		t.Fatal("an invalid request was sent")
	}
}
