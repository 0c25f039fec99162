package githubclient

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// TestConvertManifest: a code GitHub redirected with converts once into the app's id, slug,
// key and webhook secret, which VerifyApp then authenticates; a code used twice, unknown, or
// not shaped like one is refused, the last without a request.
func TestConvertManifest(t *testing.T) {
	gh, err := testenv.StartGitHub(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gh.Stop)
	to, err := gh.SubmitManifest("acme", `{"name":"Rigel Acme","url":"https://github.com/rigel-gitops/rigel",
		"hook_attributes":{"url":"https://rigel.example.com/api/github/hook"},"redirect_url":"http://127.0.0.1:9090/setup/callback",
		"default_permissions":{"issues":"write","metadata":"read"},"default_events":["issue_comment"]}`, "s")
	if err != nil {
		t.Fatal(err)
	}
	code := to.Query().Get("code")
	ctx := context.Background()
	m := NewManifests(gh.URL(), nil)
	app, err := m.ConvertManifest(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	made := gh.CreatedApps()[0]
	if app.ID != made.ID || app.Slug != "rigel-acme" || app.Owner != "acme" || string(app.PrivateKey) != string(made.PrivateKeyPEM) || app.WebhookSecret != made.WebhookSecret {
		t.Errorf("converted %d %q owned by %q; created %d", app.ID, app.Slug, app.Owner, made.ID)
	}
	login, err := m.VerifyApp(ctx, app.ID, app.PrivateKey)
	if err != nil || login != "rigel-acme[bot]" {
		t.Errorf("VerifyApp = %q, %v", login, err)
	}
	if _, err := m.ConvertManifest(ctx, code); err == nil || !strings.Contains(err.Error(), "used already") {
		t.Errorf("a code converted twice: %v", err)
	}
	before := len(gh.Requests())
	for _, bad := range []string{"", "../../app", "a/b", "code?x=1", strings.Repeat("a", 101)} {
		if _, err := m.ConvertManifest(ctx, bad); !errors.Is(err, ErrBadManifestCode) {
			t.Errorf("code %q: %v", bad, err)
		}
	}
	if n := len(gh.Requests()) - before; n != 0 {
		t.Errorf("codes that are none sent %d requests", n)
	}
	if v := gh.Violations(); len(v) > 0 {
		t.Errorf("violations: %v", v)
	}
	down := NewManifests("http://127.0.0.1:1/api/v3/", nil)
	if _, err := down.ConvertManifest(ctx, "0123456789abcdef0123"); err == nil || strings.Contains(err.Error(), "0123456789abcdef0123") {
		t.Errorf("GitHub unreachable: %v (must not echo the code)", err)
	}
}
