package e2e

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// chromiumPath is Debian's chromium, which `make tools` installs. Its absence fails the
// browser test: it must not skip silently.
const chromiumPath = "/usr/bin/chromium"

// startSetupBot starts a Rigel with no GitHub identity (setup mode), its Secret created
// empty when secret is true, as an admin does before opening /setup.
func startSetupBot(t *testing.T, secret bool) *bot {
	t.Helper()
	s := botSettings(t, cluster)
	s.AppID, s.PrivateKey, s.WebhookSecret = 0, nil, ""
	if secret {
		sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: config.CredentialSecret, Namespace: s.Namespace}}
		if _, err := kc.Typed.CoreV1().Secrets(s.Namespace).Create(context.Background(), sec, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return serveBot(t, s, kc, zerolog.New(newTestLog(t)).Level(zerolog.InfoLevel))
}

// get answers a GET of url with host as the Host header ("" as it is).
func get(t *testing.T, u, host string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// browser is a headless chromium, for the length of the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("chromium is missing (%v): run make tools, which installs Debian's chromium", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath),
		chromedp.Flag("disable-gpu", true), chromedp.Flag("no-proxy-server", true))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // chromium's sandbox refuses to run as root
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil { // starts the browser, for as long as ctx
		t.Fatalf("failed to start chromium (%s): %v", chromiumPath, err)
	}
	return bctx
}

// browse runs one action of the browser and returns its value.
func browse[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSetupInBrowser registers Rigel's GitHub App by clicking through /setup in a real
// headless chromium against the fake GitHub: the Secret then holds the new app, /setup is
// closed, a replayed callback is refused, and the running Rigel — not restarted — answers a
// delivery signed with the app's new webhook secret and refuses one signed with another.
func TestSetupInBrowser(t *testing.T) {
	b := startSetupBot(t, true)
	if code, body := get(t, b.internal+"/setup", ""); code != http.StatusOK || !strings.Contains(body, "Register Rigel") {
		t.Fatalf("GET /setup before: %d\n%s", code, body)
	}
	resp, err := testenv.PostWebhook(b.url+app.HookPath, "anything", "ping", []byte(`{"zen":"hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a delivery before the app exists: %d, want 503", resp.StatusCode)
	}

	ctx := browser(t)
	type css = chromedp.CSS
	err = chromedp.Do(ctx,
		chromedp.Navigate(b.internal+"/setup"),
		chromedp.WaitVisible(css("#public_url")),
		chromedp.SendKeys(css("#public_url"), b.url), // the webhook's listener (loopback: http allowed)
		chromedp.SendKeys(css("#org"), "acme"),
		chromedp.SendKeys(css("#name"), "Rigel E2E"),
		chromedp.Click(css("#continue")),
		chromedp.WaitVisible(css("#create-on-github")),
		chromedp.Click(css("#create-on-github")), // posts the manifest to the fake GitHub
		chromedp.WaitVisible(css("#create")),
		chromedp.Click(css("#create")), // "Create GitHub App": back to Rigel with code and state
		chromedp.WaitVisible(css("#stored")),
	)
	if err != nil {
		page, _ := chromedp.Run(ctx, chromedp.OuterHTML(css("html")))
		t.Fatalf("clicking through /setup: %v; the page:\n%s", err, page)
	}
	page := browse(t, ctx, chromedp.OuterHTML(css("html")))
	if !strings.Contains(page, `id="active"`) {
		t.Fatalf("the page does not say Rigel acts as the new app:\n%s", page)
	}
	appID := browse(t, ctx, chromedp.Text(css("#app-id")))
	active := browse(t, ctx, chromedp.Text(css("#active")))
	install := browse(t, ctx, chromedp.AttributeValue(css("#install"), "href")).Value
	callback := browse(t, ctx, chromedp.Location())
	apps := gh.CreatedApps()
	if len(apps) == 0 {
		t.Fatal("the fake GitHub created no app")
	}
	made := apps[len(apps)-1]
	if appID != strconv.FormatInt(made.ID, 10) || made.Owner != "acme" || made.Name != "Rigel E2E" {
		t.Errorf("the page says app %s; GitHub created %d %q for %s", appID, made.ID, made.Name, made.Owner)
	}
	if made.HookURL != b.url+app.HookPath || !strings.HasSuffix(made.RedirectURL, "/setup/callback") || made.Permissions["contents"] != "write" {
		t.Errorf("manifest: hook %q, redirect %q, permissions %v", made.HookURL, made.RedirectURL, made.Permissions)
	}
	if install != gh.WebURL()+"/apps/"+made.Slug+"/installations/new" || !strings.Contains(active, made.BotLogin()) {
		t.Errorf("install link %q, %q", install, active)
	}
	for _, secret := range []string{string(made.PrivateKeyPEM), "PRIVATE KEY", made.WebhookSecret} {
		if strings.Contains(page, secret) {
			t.Fatal("the success page shows a secret of the app")
		}
	}

	sec, err := kc.Typed.CoreV1().Secrets(b.namespace).Get(context.Background(), config.CredentialSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(sec.Data[config.SecretKeyAppID]) != appID || string(sec.Data[config.SecretKeyPrivateKey]) != string(made.PrivateKeyPEM) || string(sec.Data[config.SecretKeyWebhookSecret]) != made.WebhookSecret {
		t.Errorf("the Secret does not hold the new app (keys %v)", keysOf(sec.Data))
	}

	if code, body := get(t, b.internal+"/setup", ""); code != http.StatusGone || !strings.Contains(body, "already configured (id "+appID+")") {
		t.Errorf("GET /setup after: %d\n%s", code, body)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(callback), chromedp.WaitVisible(css("#refusal"))); err != nil {
		t.Fatalf("replaying the callback: %v", err)
	}
	refusal := browse(t, ctx, chromedp.Text(css("#refusal")))
	if !strings.Contains(refusal, "already configured") {
		t.Errorf("a replayed callback: %q", refusal)
	}
	if n := len(gh.CreatedApps()); n != len(apps) {
		t.Errorf("the replay created or converted another app (%d apps)", n)
	}

	active2 := b.app.Active()
	if active2 == nil || active2.BotLogin != made.BotLogin() {
		t.Fatalf("the running Rigel does not act as %s", made.BotLogin())
	}
	r := newRepo(t, map[string]string{"README.md": "hi"})
	n := int(issueSeq.Add(1))
	gh.AddIssue(r.full, n, "Deploy web")
	opts := testenv.CommentOpts{Repo: r.full, DefaultBranch: r.branch, CloneURL: git.CloneURL(r.full), Issue: n, Body: "/rigel help", User: "octocat", UserType: "User", InstallationID: made.InstallationID}
	if resp, err := testenv.PostWebhook(b.url+app.HookPath, webhookSecret, "issue_comment", gh.CommentEvent(opts)); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a delivery signed with another secret: %v %v, want 400", resp, err)
	}
	resp, err = testenv.PostWebhook(b.url+app.HookPath, made.WebhookSecret, "issue_comment", gh.CommentEvent(opts))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("a delivery signed with the app's secret: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		var replies []string
		for _, c := range gh.Comments(r.full, n) {
			if c.User == made.BotLogin() {
				replies = append(replies, c.Body)
			}
		}
		if len(replies) == 1 {
			mustContain(t, replies[0], "/rigel diff")
			break
		}
		if len(replies) > 1 || time.Now().After(deadline) {
			t.Fatalf("replies of %s: %q, want one (the delivery with another secret must get none)", made.BotLogin(), replies)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSetupRefusals: /setup answers only on loopback, needs the Secret to exist, is closed on
// a Rigel that has an identity, and refuses a callback it did not start; the HTTP API waits.
func TestSetupRefusals(t *testing.T) {
	noSecret := startSetupBot(t, false)
	if code, body := get(t, noSecret.internal+"/setup", ""); code != http.StatusConflict || !strings.Contains(body, "create secret generic helmsman-github") {
		t.Errorf("no Secret: %d\n%s", code, body)
	}
	b := startSetupBot(t, true)
	if code, body := get(t, b.internal+"/setup", "rigel.attacker.example:9090"); code != http.StatusForbidden || !strings.Contains(body, "port-forward") || strings.Contains(body, "<form") {
		t.Errorf("a Host that is not loopback (DNS rebinding): %d\n%s", code, body)
	}
	code, body := get(t, b.internal+"/setup", "")
	if code != http.StatusOK {
		t.Fatalf("GET /setup: %d", code)
	}
	if !strings.Contains(body, `name="public_url"`) || strings.Contains(body, "<script") {
		t.Errorf("the form: %s", body)
	}
	resp, err := http.Get(b.internal + "/setup")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers: %v", resp.Header)
	}
	// a POST from another site's page
	req, _ := http.NewRequest(http.MethodPost, b.internal+"/setup", strings.NewReader(url.Values{"public_url": {"https://rigel.example.com"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://attacker.example")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
		t.Errorf("a cross-site POST: %d", resp.StatusCode)
	}
	// a form with a bad public URL is shown again, escaped
	resp, err = http.PostForm(b.internal+"/setup", url.Values{"public_url": {`http://x.example/"><script>alert(1)</script>`}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || strings.Contains(string(page), "<script>") || !strings.Contains(string(page), "plain http") {
		t.Errorf("a bad public URL: %d\n%s", resp.StatusCode, page)
	}
	// GitHub's redirect with a state this Rigel never gave
	if code, body := get(t, b.internal+"/setup/callback?code=0123456789abcdef0123&state=forged", ""); code != http.StatusBadRequest || !strings.Contains(body, "not started here") {
		t.Errorf("a forged callback: %d\n%s", code, body)
	}
	if code, body := get(t, b.internal+"/api/git/sources", ""); code != http.StatusServiceUnavailable || !strings.Contains(body, "/setup") {
		t.Errorf("the API in setup mode: %d %s", code, body)
	}
	if code, _ := get(t, b.url+"/setup", ""); code != http.StatusNotFound {
		t.Errorf("/setup on the webhook's listener: %d, want 404", code)
	}
	// a Rigel with an identity: closed
	full := startBot(t)
	if code, body := get(t, full.internal+"/setup", ""); code != http.StatusGone || !strings.Contains(body, "already configured (id "+strconv.FormatInt(gh.AppID, 10)+")") {
		t.Errorf("a Rigel with an app: %d\n%s", code, body)
	}
	if code, _ := get(t, full.url+"/setup", ""); code != http.StatusNotFound {
		t.Errorf("/setup on the webhook's listener: %d, want 404", code)
	}
}

func keysOf(d map[string][]byte) []string {
	var out []string
	for k := range d {
		out = append(out, k)
	}
	return out
}

// TestSetupModeTakesCredentialsWrittenByHand: a Rigel in setup mode takes credentials an
// admin (or another replica's /setup) writes into the Secret, within its poll, without a
// restart; it then answers as that app and /setup is closed.
func TestSetupModeTakesCredentialsWrittenByHand(t *testing.T) {
	b := startSetupBot(t, true)
	secrets := kc.Typed.CoreV1().Secrets(b.namespace)
	sec, err := secrets.Get(context.Background(), config.CredentialSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sec.Data = map[string][]byte{
		config.SecretKeyAppID: []byte(strconv.FormatInt(gh.AppID, 10)), config.SecretKeyPrivateKey: gh.PrivateKeyPEM,
		config.SecretKeyWebhookSecret: []byte(webhookSecret),
	}
	if _, err := secrets.Update(context.Background(), sec, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for b.app.Active() == nil {
		if time.Now().After(deadline) {
			t.Fatal("setup mode did not take the credentials written into the Secret within 30s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, body := get(t, b.internal+"/setup", ""); code != http.StatusGone || !strings.Contains(body, "already configured") {
		t.Errorf("GET /setup after: %d\n%s", code, body)
	}
	active := *b
	active.app = b.app.Active()
	mustContain(t, active.issue(newRepo(t, map[string]string{"README.md": "hi"})).reply("/rigel help"), "/rigel diff")
}
