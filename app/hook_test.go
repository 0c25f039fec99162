package app

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/inbox"
)

func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// chunked hides a body's length, as a chunked upload does.
type chunked struct{ io.Reader }

func TestGuardHook(t *testing.T) {
	const secret = "s3cret"
	const limit = 1000
	good := []byte(`{"action":"created","comment":{"body":"/rigel help"}}`)
	form := []byte("payload=" + url.QueryEscape(string(good)))
	big := []byte(`{"zen":"` + strings.Repeat("a", limit) + `"}`)
	tests := []struct {
		name        string
		event       string
		contentType string
		body        []byte
		sig         string
		hideLength  bool
		want        int  // status; 0 when the request reaches the dispatcher
		reached     bool // the dispatcher saw the body, intact
	}{
		{"a good delivery passes", "issue_comment", "application/json", good, sign(secret, good), false, 0, true},
		{"a form delivery passes", "issue_comment", "application/x-www-form-urlencoded", form, sign(secret, form), false, 0, true},
		{"too large by its length", "issue_comment", "application/json", big, sign(secret, big), false, 413, false},
		{"too large while read", "issue_comment", "application/json", big, sign(secret, big), true, 413, false},
		{"signed malformed JSON", "issue_comment", "application/json", []byte(`{"action":`), sign(secret, []byte(`{"action":`)), false, 400, false},
		{"signed JSON of the wrong shape", "issue_comment", "application/json", []byte(`{"comment":"not an object"}`), sign(secret, []byte(`{"comment":"not an object"}`)), false, 400, false},
		{"signed malformed form payload", "issue_comment", "application/x-www-form-urlencoded", []byte("payload=%7B"), sign(secret, []byte("payload=%7B")), false, 400, false},
		{"unsigned is refused unread", "issue_comment", "application/json", good, "", false, 400, false},
		{"wrongly signed malformed JSON is the dispatcher's to refuse", "issue_comment", "application/json", []byte(`{"action":`), sign("other", []byte(`{"action":`)), false, 0, true},
		{"an event go-github does not know", "brand_new_event", "application/json", []byte(`{"x":1}`), sign(secret, []byte(`{"x":1}`)), false, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var seen []byte
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen, _ = io.ReadAll(r.Body)
				w.WriteHeader(http.StatusAccepted)
			})
			var body io.Reader = bytes.NewReader(tc.body)
			if tc.hideLength {
				body = chunked{body}
			}
			req := httptest.NewRequest(http.MethodPost, HookPath, body)
			if tc.hideLength {
				req.ContentLength = -1
			}
			req.Header.Set("Content-Type", tc.contentType)
			req.Header.Set("X-GitHub-Event", tc.event)
			if tc.sig != "" {
				req.Header.Set("X-Hub-Signature-256", tc.sig)
			}
			rec := httptest.NewRecorder()
			guardHook(next, limit, secret).ServeHTTP(rec, req)
			want := tc.want
			if want == 0 {
				want = http.StatusAccepted
			}
			if rec.Code != want {
				t.Fatalf("status %d, want %d: %s", rec.Code, want, rec.Body)
			}
			if tc.reached != (seen != nil) || (tc.reached && !bytes.Equal(seen, tc.body)) {
				t.Fatalf("dispatcher saw %q, want reached=%v with the body intact", seen, tc.reached)
			}
			if strings.Contains(rec.Body.String(), "action") || strings.Contains(rec.Body.String(), "aaaa") {
				t.Errorf("the reply quotes the body: %s", rec.Body)
			}
		})
	}
}

// TestLaneOfEventIsTheQueuesLane: the lane the hook reads from the event it decoded is the
// one the queue would read from the payload (inbox.Lane), or none, and then the queue reads it.
func TestLaneOfEventIsTheQueuesLane(t *testing.T) {
	tests := []struct {
		name, event, payload string
		found                bool
	}{
		{"an installation", "issue_comment", `{"action":"created","installation":{"id":42},"repository":{"full_name":"acme/web"}}`, true},
		{"a repository, no installation (token mode)", "issue_comment", `{"action":"created","repository":{"full_name":"acme/web"}}`, true},
		{"an installation of id 0", "pull_request", `{"installation":{"id":0},"repository":{"full_name":"acme/api"}}`, true},
		{"neither", "issues", `{"action":"opened"}`, false},
		{"a push", "push", `{"installation":{"id":7},"repository":{"full_name":"acme/web"}}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg, ev := checkPayload("application/json", tc.event, []byte(tc.payload))
			if msg != "" {
				t.Fatal(msg)
			}
			lane, found := laneOfEvent(ev)
			if found != tc.found {
				t.Fatalf("found = %v, want %v", found, tc.found)
			}
			if want := inbox.Lane([]byte(tc.payload)); found && lane != want {
				t.Fatalf("lane %q, the queue's %q", lane, want)
			}
		})
	}
}
