package app

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/google/go-github/v62/github"

	"github.com/rigel-gitops/rigel/config"
)

// TestHookKeysTokenMode: in token mode a delivery is verified with the secret of the
// repository it names (repository.owner.login/name), the default secret covers only
// repositories without one, and the dispatcher sees a delivery signed with its inner key only
// when it verified.
func TestHookKeysTokenMode(t *testing.T) {
	const def, secretA, secretB = "default-secret-0123456789", "secret-of-acme-a-0123456789", "secret-of-acme-b-0123456789"
	s := &config.Settings{Token: "ghp_x", TokenLogin: "ops", WebhookSecret: def,
		RepoWebhookSecrets: map[string]string{"acme/a": secretA, "acme/b": secretB}}
	keys := newHookKeys(s)
	payload := func(owner, name string) []byte {
		return []byte(`{"action":"created","repository":{"name":"` + name + `","full_name":"x/y","owner":{"login":"` + owner + `"}},"issue":{"number":1},"comment":{"body":"hi"}}`)
	}
	tests := []struct {
		desc   string
		body   []byte
		form   bool
		secret string
		pass   bool
	}{
		{"repo A signed with A's secret", payload("acme", "a"), false, secretA, true},
		{"repo A, case differs", payload("ACME", "A"), false, secretA, true},
		{"repo B signed with A's secret", payload("acme", "b"), false, secretA, false},
		{"repo B signed with the default secret", payload("acme", "b"), false, def, false},
		{"a repo without its own secret, default", payload("acme", "c"), false, def, true},
		{"a repo without its own secret, A's", payload("acme", "c"), false, secretA, false},
		{"form: repo B signed with A's secret", []byte("payload=" + url.QueryEscape(string(payload("acme", "b")))), true, secretA, false},
		{"form: repo B signed with B's secret", []byte("payload=" + url.QueryEscape(string(payload("acme", "b")))), true, secretB, true},
		{"no repository: default", []byte(`{"zen":"hi"}`), false, def, true},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			var got *http.Request
			var gotBody []byte
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r; gotBody, _ = io.ReadAll(r.Body) })
			req := httptest.NewRequest(http.MethodPost, HookPath, bytes.NewReader(tt.body))
			req.Header.Set("Content-Type", map[bool]string{true: "application/x-www-form-urlencoded", false: "application/json"}[tt.form])
			req.Header.Set("X-GitHub-Event", "issue_comment")
			req.Header.Set(github.SHA256SignatureHeader, sign(tt.secret, tt.body))
			guardDelivery(next, MaxWebhookBytes, keys).ServeHTTP(httptest.NewRecorder(), req)
			if got == nil {
				t.Fatal("the guard did not pass the delivery on")
			}
			// What the dispatcher checks: the signature against its one secret.
			err := github.ValidateSignature(got.Header.Get(github.SHA256SignatureHeader), gotBody, []byte(keys.dispatcherSecret()))
			if (err == nil) != tt.pass {
				t.Fatalf("dispatcher verifies: %v, want pass %v", err, tt.pass)
			}
			for _, sec := range []string{def, secretA, secretB} {
				if keys.dispatcherSecret() == sec {
					t.Fatal("the dispatcher's key is a configured secret")
				}
			}
		})
	}
}

// TestHookKeysApp: an app has one secret; per-repository secrets play no part.
func TestHookKeysApp(t *testing.T) {
	s := &config.Settings{AppID: 1, PrivateKey: []byte("k"), WebhookSecret: "app-secret", RepoWebhookSecrets: map[string]string{"acme/a": "secret-of-acme-a-0123456789"}}
	keys := newHookKeys(s)
	if keys.dispatcherSecret() != "app-secret" || keys.secretFor("application/json", []byte(`{"repository":{"name":"a","owner":{"login":"acme"}}}`)) != "app-secret" {
		t.Fatal("an app must verify every delivery with its webhook secret")
	}
}
