package testenv

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v62/github"
)

const testManifest = `{"name":"Rigel Acme","url":"https://github.com/rigel-gitops/rigel",
"hook_attributes":{"url":"https://rigel.example.com/api/github/hook","active":true},
"redirect_url":"http://127.0.0.1:9090/setup/callback","public":false,
"default_permissions":{"contents":"write","issues":"write","metadata":"read"},
"default_events":["issue_comment","issues"]}`

// TestGitHubManifestFlow: a manifest posted and created gives a code that converts once into
// an app the fake then authenticates (GET /app, installation tokens of its own bot).
func TestGitHubManifestFlow(t *testing.T) {
	f := newGHFixture(t)
	gh := f.gh
	to, err := gh.SubmitManifest("acme", testManifest, "the-state")
	if err != nil {
		t.Fatal(err)
	}
	if to.Host != "127.0.0.1:9090" || to.Path != "/setup/callback" || to.Query().Get("state") != "the-state" || to.Query().Get("code") == "" {
		t.Fatalf("redirected to %s, want the redirect_url with code and state", to)
	}
	code := to.Query().Get("code")
	anon, err := github.NewClient(nil).WithEnterpriseURLs(gh.URL(), gh.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := anon.Apps.CompleteAppManifest(f.ctx, code)
	if err != nil {
		t.Fatal(err, gh.Violations())
	}
	apps := gh.CreatedApps()
	if len(apps) != 1 {
		t.Fatalf("%d apps created", len(apps))
	}
	a := apps[0]
	if cfg.GetID() != a.ID || cfg.GetSlug() != "rigel-acme" || cfg.GetPEM() != string(a.PrivateKeyPEM) || cfg.GetWebhookSecret() != a.WebhookSecret || a.WebhookSecret == "" || a.Owner != "acme" {
		t.Errorf("conversion: id %d slug %q, owner %q; created %d", cfg.GetID(), cfg.GetSlug(), a.Owner, a.ID)
	}
	if a.HookURL != "https://rigel.example.com/api/github/hook" {
		t.Errorf("hook url %q", a.HookURL)
	}
	if _, resp, err := anon.Apps.CompleteAppManifest(f.ctx, code); err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("a code converted twice: %v", err)
	}
	if _, resp, err := anon.Apps.CompleteAppManifest(f.ctx, "0123456789abcdef0123"); err == nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown code: %v", err)
	}

	atr, err := ghinstallation.NewAppsTransport(http.DefaultTransport, a.ID, a.PrivateKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	atr.BaseURL = strings.TrimSuffix(gh.URL(), "/")
	jwt, err := github.NewClient(&http.Client{Transport: atr}).WithEnterpriseURLs(gh.URL(), gh.URL())
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := jwt.Apps.Get(f.ctx, "")
	if err != nil || got.GetID() != a.ID || got.GetSlug() != a.Slug {
		t.Fatalf("GET /app as the created app: %v, %v", got, err)
	}
	inst, _, err := jwt.Apps.FindRepositoryInstallation(f.ctx, "acme", "web")
	if err != nil || inst.GetID() != a.InstallationID || inst.GetAppID() != a.ID {
		t.Fatalf("the created app's installation: %v, %v", inst, err)
	}
	if _, _, err := jwt.Apps.CreateInstallationToken(f.ctx, gh.InstallationID, nil); err == nil {
		t.Error("the created app got a token of the fake's own installation")
	}
	itr := ghinstallation.NewFromAppsTransport(atr, a.InstallationID)
	itr.BaseURL = atr.BaseURL
	client, err := github.NewClient(&http.Client{Transport: itr}).WithEnterpriseURLs(gh.URL(), gh.URL())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := client.Issues.CreateComment(f.ctx, "acme", "web", 3, &github.IssueComment{Body: github.String("hello")}); err != nil {
		t.Fatal(err)
	}
	cs := gh.Comments("acme/web", 3)
	if len(cs) == 0 || cs[len(cs)-1].User != "rigel-acme[bot]" {
		t.Errorf("comments %v, want the last by rigel-acme[bot]", cs)
	}
	// the fake's own app is as it was
	if own, _, err := f.apps.Apps.Get(f.ctx, ""); err != nil || own.GetID() != gh.AppID {
		t.Errorf("the fake's own app: %v, %v", own, err)
	}
	if v := f.newViolations(); len(v) > 0 {
		t.Errorf("violations: %v", v)
	}
}

// TestGitHubManifestRefused: manifests GitHub would refuse are refused and recorded.
func TestGitHubManifestRefused(t *testing.T) {
	f := newGHFixture(t)
	for name, m := range map[string]string{
		"not JSON":          `{`,
		"unknown field":     strings.Replace(testManifest, `"public"`, `"pubilc"`, 1),
		"no hook":           strings.Replace(testManifest, `"hook_attributes":{"url":"https://rigel.example.com/api/github/hook","active":true},`, ``, 1),
		"relative redirect": strings.Replace(testManifest, `http://127.0.0.1:9090/setup/callback`, `/setup/callback`, 1),
		"bad permission":    strings.Replace(testManifest, `"metadata":"read"`, `"metadata":"write"`, 1),
		"bad event":         strings.Replace(testManifest, `"issues"]`, `"issue"]`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := f.gh.SubmitManifest("", m, "s"); err == nil {
				t.Fatal("the manifest was taken")
			}
			if v := f.newViolations(); len(v) != 1 {
				t.Errorf("violations %v, want one", v)
			}
		})
	}
	resp, err := http.Get(f.gh.WebURL() + "/settings/apps/new?state=x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || len(f.newViolations()) != 1 {
		t.Errorf("a GET of the new-app page: %d", resp.StatusCode)
	}
	resp, err = http.PostForm(f.gh.WebURL()+"/settings/apps/new/confirm", url.Values{"pending": {"nope"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || len(f.gh.CreatedApps()) != 0 {
		t.Errorf("an unknown pending manifest: %d", resp.StatusCode)
	}
}
