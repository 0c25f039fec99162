package handlers

import (
	"context"
	"errors"
	"testing"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// TestPullRequestActions: the actions of a new head (opened, synchronize, reopened,
// ready_for_review) reach the runner once the gate admits the repository; the others, and
// an undecodable payload, run nothing; a refused repository runs nothing. (closed gives back
// the PR's holds: pull_request_closed_test.go.)
func TestPullRequestActions(t *testing.T) {
	tests := []struct {
		action  string
		reached bool
	}{
		{"opened", true}, {"synchronize", true}, {"reopened", true}, {"ready_for_review", true},
		{"edited", false}, {"labeled", false}, {"assigned", false},
	}
	for _, tc := range tests {
		t.Run(tc.action, func(t *testing.T) {
			c := &clientsReached{}
			h := &PullRequest{Deps: Deps{Clients: c}}
			payload := testenv.PullRequestWebhook(testenv.PullOpts{Action: tc.action, Repo: "acme/web", Number: 7,
				HeadSHA: "0123456789abcdef0123456789abcdef01234567", HeadRef: "feature", InstallationID: 42})
			err := h.Handle(context.Background(), "pull_request", "d-1", payload)
			if reached := errors.Is(err, errReached); reached != tc.reached || (!tc.reached && err != nil) {
				t.Fatalf("Handle = %v; want reached %v", err, tc.reached)
			}
			if tc.reached && (len(c.asked) != 1 || c.asked[0] != 42) {
				t.Fatalf("asked installations %v, want [42]", c.asked)
			}
		})
	}
	t.Run("undecodable", func(t *testing.T) {
		c := &clientsReached{}
		if err := (&PullRequest{Deps: Deps{Clients: c}}).Handle(context.Background(), "pull_request", "d-2", []byte("{")); err != nil || len(c.asked) != 0 {
			t.Fatalf("Handle = %v, asked %v; want nothing run", err, c.asked)
		}
	})
}

// TestCheckRunActions: only a rerequested preview check run of Rigel's on a pull request
// goes on; another app's name, another action, or a run on no pull request runs nothing.
func TestCheckRunActions(t *testing.T) {
	tests := []struct {
		desc    string
		opts    testenv.CheckRunOpts
		reached bool
	}{
		{"a preview asked again", testenv.CheckRunOpts{Name: "rigel/preview: web", PullRequests: []int{7}}, true},
		{"another check's name", testenv.CheckRunOpts{Name: "ci/build", PullRequests: []int{7}}, false},
		{"an apply check", testenv.CheckRunOpts{Name: "rigel/apply: web", PullRequests: []int{7}}, false},
		{"created, not asked again", testenv.CheckRunOpts{Action: "created", Name: "rigel/preview: web", PullRequests: []int{7}}, false},
		{"on no pull request", testenv.CheckRunOpts{Name: "rigel/preview: web"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			c := &clientsReached{}
			tc.opts.Repo, tc.opts.ID, tc.opts.HeadSHA, tc.opts.InstallationID = "acme/web", 99, "0123456789abcdef0123456789abcdef01234567", 42
			err := (&CheckRun{Deps: Deps{Clients: c}}).Handle(context.Background(), "check_run", "d-3", testenv.CheckRunWebhook(tc.opts))
			if reached := errors.Is(err, errReached); reached != tc.reached || (!tc.reached && err != nil) {
				t.Fatalf("Handle = %v; want reached %v", err, tc.reached)
			}
		})
	}
}
