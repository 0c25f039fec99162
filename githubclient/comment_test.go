package githubclient

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// fakeGitHub starts the fake GitHub with one repository and issue, and short retry delays.
func fakeGitHub(t *testing.T) (*testenv.GitHub, Repo) {
	t.Helper()
	gh, err := testenv.StartGitHub(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gh.Stop)
	gh.AddRepo("acme/web", "main", "http://127.0.0.1:1/acme/web.git")
	gh.AddIssue("acme/web", 1, "Deploy web")
	oldPolicy, oldDelay := DefaultRetryPolicy, commentRetryDelay
	DefaultRetryPolicy.BaseDelay, DefaultRetryPolicy.MaxDelay, commentRetryDelay = 10*time.Millisecond, 50*time.Millisecond, 10*time.Millisecond
	t.Cleanup(func() { DefaultRetryPolicy, commentRetryDelay = oldPolicy, oldDelay })
	t.Cleanup(func() {
		if v := gh.Violations(); len(v) > 0 {
			t.Errorf("requests the real GitHub would reject:\n%s", strings.Join(v, "\n"))
		}
	})
	return gh, Repo{Owner: "acme", Name: "web", Installation: gh.InstallationID}
}

func appClients(t *testing.T, gh *testenv.GitHub) *Clients {
	t.Helper()
	c, err := New(Credentials{APIURL: gh.URL(), AppID: gh.AppID, PrivateKey: gh.PrivateKeyPEM})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// count counts the requests to GitHub with method and path.
func count(gh *testenv.GitHub, method, path string) int {
	n := 0
	for _, r := range gh.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

func TestCommentArrivesOnce(t *testing.T) {
	const path = "/repos/acme/web/issues/1/comments"
	tests := []struct {
		name      string
		failures  []testenv.Failure
		wantErr   string
		wantPosts int // POSTs of the comment
		wantMade  int // comments GitHub holds afterwards
	}{
		{"no failure", nil, "", 1, 1},
		{"502 after the comment was created: found, not posted again",
			[]testenv.Failure{{Method: "POST", PathPrefix: path, Status: 502, Times: 1, After: true}}, "", 1, 1},
		{"500 twice before creating it: posted again until it is there",
			[]testenv.Failure{{Method: "POST", PathPrefix: path, Status: 500, Times: 2}}, "", 3, 1},
		{"503 after creating, then the check fails: given up, never twice",
			[]testenv.Failure{{Method: "POST", PathPrefix: path, Status: 503, Times: 1, After: true}, {Method: "GET", PathPrefix: path, Status: 404, Times: 1}},
			"could not check whether it was created", 1, 1},
		{"secondary rate limit: the transport waits and sends again",
			[]testenv.Failure{testenv.SecondaryRateLimit("POST", path, time.Second, 1)}, "", 2, 1},
		{"429 then 403 rate limit used up: waits for the reset",
			[]testenv.Failure{{Method: "POST", PathPrefix: path, Status: http.StatusTooManyRequests, Times: 1, Header: http.Header{"Retry-After": {"1"}}},
				testenv.RateLimitExhausted("POST", path, time.Now().Add(time.Second), 1)}, "", 3, 1},
		{"5xx every time: an error, nothing posted",
			[]testenv.Failure{{Method: "POST", PathPrefix: path, Status: 502, Times: 100}}, "502", commentAttempts, 0},
		{"422 (a refusal): not retried",
			[]testenv.Failure{{Method: "POST", PathPrefix: path, Status: 422, Times: 1}}, "422", 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gh, repo := fakeGitHub(t)
			inst, err := appClients(t, gh).ForInstallation(gh.InstallationID)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range tc.failures {
				gh.FailWith(f)
			}
			body := fmt.Sprintf("reply for %s", t.Name())
			id, err := inst.Comment(context.Background(), repo, 1, body)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			var made []testenv.Comment
			for _, c := range gh.Comments("acme/web", 1) {
				if strings.HasPrefix(c.Body, body) {
					made = append(made, c)
				}
			}
			if len(made) != tc.wantMade || count(gh, "POST", path) != tc.wantPosts {
				t.Fatalf("%d comments after %d POSTs, want %d after %d", len(made), count(gh, "POST", path), tc.wantMade, tc.wantPosts)
			}
			if len(made) == 1 && err == nil && made[0].ID != id {
				t.Errorf("Comment returned id %d, the comment is %d", id, made[0].ID)
			}
		})
	}
}
