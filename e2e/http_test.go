package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

func TestRefusesToStartWithoutWebhookSecret(t *testing.T) {
	s := &config.Settings{Namespace: "default", GitHubAPIURL: gh.URL(), GitHubWebURL: gh.WebURL(), GitURL: git.URL(), ListenAddr: "127.0.0.1:0", InternalListenAddr: "127.0.0.1:0", AppID: gh.AppID, PrivateKey: gh.PrivateKeyPEM,
		CacheDir: t.TempDir(), DiffConcurrency: 4, Workers: 1, QueueSize: 1}
	_, err := app.New(context.Background(), s, kc, zerolog.Nop())
	if err == nil || !strings.Contains(err.Error(), "webhook secret") {
		t.Fatalf("app.New without a webhook secret = %v, want a refusal naming the webhook secret", err)
	}
	if strings.Contains(err.Error(), "PRIVATE KEY") {
		t.Fatal("the error leaks the private key")
	}
}

func TestHTTPEndpoints(t *testing.T) {
	b := startBot(t)
	body := testenv.IssueComment(testenv.CommentOpts{Repo: "acme/none", DefaultBranch: "main", Issue: 1, Body: "/rigel help", User: "octocat", UserType: "User", InstallationID: gh.InstallationID})
	tests := []struct {
		name   string
		method string
		path   string
		header map[string]string
		body   []byte
		want   int
		text   string
		inside bool // on the internal listener, not the hook's
	}{
		{name: "healthz", method: "GET", path: "/healthz", want: 200, text: "ok"},
		{name: "healthz inside", method: "GET", path: "/healthz", want: 200, text: "ok", inside: true},
		{name: "readyz", method: "GET", path: "/readyz", want: 200, text: "ok", inside: true},
		{name: "metrics", method: "GET", path: "/metrics", want: 200, text: "go_goroutines", inside: true},
		{name: "no readyz on the hook's port", method: "GET", path: "/readyz", want: 404},
		{name: "no metrics on the hook's port", method: "GET", path: "/metrics", want: 404},
		{name: "no API on the hook's port", method: "GET", path: "/api/git/sources", want: 404},
		{name: "no hook on the internal port", method: "POST", path: app.HookPath, header: map[string]string{"X-GitHub-Event": "ping", "X-GitHub-Delivery": "d0", "Content-Type": "application/json", "X-Hub-Signature-256": testenv.Sign(webhookSecret, []byte(`{"zen":"hi"}`))}, body: []byte(`{"zen":"hi"}`), want: 404, inside: true},
		{name: "unsigned webhook", method: "POST", path: app.HookPath, header: map[string]string{"X-GitHub-Event": "issue_comment", "X-GitHub-Delivery": "d1", "Content-Type": "application/json"}, body: body, want: 400},
		{name: "wrong signature", method: "POST", path: app.HookPath, header: map[string]string{"X-GitHub-Event": "issue_comment", "X-GitHub-Delivery": "d2", "Content-Type": "application/json", "X-Hub-Signature-256": testenv.Sign("not-the-secret", body)}, body: body, want: 400},
		{name: "signature of another body", method: "POST", path: app.HookPath, header: map[string]string{"X-GitHub-Event": "issue_comment", "X-GitHub-Delivery": "d3", "Content-Type": "application/json", "X-Hub-Signature-256": testenv.Sign(webhookSecret, []byte("{}"))}, body: body, want: 400},
		{name: "no event header", method: "POST", path: app.HookPath, header: map[string]string{"X-Hub-Signature-256": testenv.Sign(webhookSecret, body)}, body: body, want: 400},
		{name: "signed ping", method: "POST", path: app.HookPath, header: map[string]string{"X-GitHub-Event": "ping", "X-GitHub-Delivery": "d4", "Content-Type": "application/json", "X-Hub-Signature-256": testenv.Sign(webhookSecret, []byte(`{"zen":"hi"}`))}, body: []byte(`{"zen":"hi"}`), want: 200},
		{name: "signed malformed JSON", method: "POST", path: app.HookPath, header: map[string]string{"X-GitHub-Event": "issue_comment", "X-GitHub-Delivery": "d5", "Content-Type": "application/json", "X-Hub-Signature-256": testenv.Sign(webhookSecret, []byte(`{"action":`))}, body: []byte(`{"action":`), want: 400, text: "Malformed JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := b.url
			if tc.inside {
				base = b.internal
			}
			req, err := http.NewRequest(tc.method, base+tc.path, bytes.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, got)
			}
			if !strings.Contains(string(got), tc.text) {
				t.Errorf("body lacks %q: %.300s", tc.text, got)
			}
		})
	}
	// The server survives all of the above and still answers a real command.
	r := newRepo(t, webFiles(unique("http"), 1, "pw"))
	mustContain(t, b.issue(r).reply("/rigel help"), "/rigel diff")
}
