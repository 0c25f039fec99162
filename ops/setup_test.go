package ops

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	gosync "sync"
	"testing"
	"time"

	rigel "github.com/rigel-gitops/rigel"
	"github.com/rigel-gitops/rigel/config"
)

// fakeConverter is GitHub's side of the exchange: each code gives its app once.
type fakeConverter struct {
	mu    gosync.Mutex
	apps  map[string]*ManifestApp
	calls int
	gate  func() // called inside each exchange, when set (the race test)
}

func (f *fakeConverter) ConvertManifest(_ context.Context, code string) (*ManifestApp, error) {
	if f.gate != nil {
		f.gate()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	a, ok := f.apps[code]
	if !ok {
		return nil, errors.New("GitHub knows no app for this code (404)")
	}
	delete(f.apps, code)
	c := *a
	return &c, nil
}

// goodApp is app 42 as GitHub answers it (the fake verifier knows its key).
func goodApp() *ManifestApp {
	return &ManifestApp{ID: 42, Slug: "app-42", Name: "Rigel", Owner: "acme", PrivateKey: testKeys()[0], WebhookSecret: "0123456789abcdef0123456789abcdef01234567"}
}

const (
	testBinding  = "cookie-of-the-admins-browser"
	testRedirect = "http://127.0.0.1:9090/setup/callback"
)

// setupFixture is a Setup over an empty Secret, with no identity, at a settable time.
type setupFixture struct {
	setup *Setup
	creds *fakeCredentials
	gh    *fakeConverter
	now   time.Time
}

func newSetup(t *testing.T, run *config.Settings, data map[string][]byte) *setupFixture {
	t.Helper()
	if run == nil {
		run = &config.Settings{Namespace: "rigel"}
	}
	svc, creds, _ := accountService(t, run, data)
	m, err := ParseAppManifest(rigel.AppYAML)
	if err != nil {
		t.Fatal(err)
	}
	f := &setupFixture{creds: creds, gh: &fakeConverter{apps: map[string]*ManifestApp{"good": goodApp()}}, now: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	f.setup = &Setup{Service: svc, GitHub: f.gh, Manifest: m, HookPath: "/api/github/hook", WebURL: "https://github.com/", Now: func() time.Time { return f.now }}
	return f
}

func (f *setupFixture) start(t *testing.T, req SetupRequest) (*SetupForm, string) {
	t.Helper()
	if req.RedirectURL == "" {
		req.RedirectURL = testRedirect
	}
	if req.Binding == "" {
		req.Binding = testBinding
	}
	form, err := f.setup.Start(context.Background(), req)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	u, err := url.Parse(form.Action)
	if err != nil {
		t.Fatal(err)
	}
	return form, u.Query().Get("state")
}

func setupRefusal[T Refusal](t *testing.T, err error) T {
	t.Helper()
	var r T
	if !errors.As(err, &r) {
		t.Fatalf("err = %v (%T), want a %T", err, err, r)
	}
	return r
}

// TestParseAppManifest: app.yml is a manifest GitHub takes; a field it does not know fails.
func TestParseAppManifest(t *testing.T) {
	m, err := ParseAppManifest(rigel.AppYAML)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "Rigel" || m.DefaultPermissions["issues"] != "write" || len(m.DefaultEvents) == 0 || m.Public {
		t.Errorf("app.yml read as %+v", m)
	}
	if _, err := ParseAppManifest([]byte("name: Rigel\nurl: https://x\ndefault_permissions: {issues: write}\ndefault_events: [issues]\nhook_atributes: {}\n")); err == nil || !strings.Contains(err.Error(), "hook_atributes") {
		t.Errorf("an unknown field: %v", err)
	}
	if _, err := ParseAppManifest([]byte("name: Rigel\n")); err == nil || !strings.Contains(err.Error(), "default_events") {
		t.Errorf("a manifest without events: %v", err)
	}
}

// TestSetupOpen: the setup is open only while neither the settings nor the Secret hold an
// identity, the Secret exists, and the webhook secret is not set from elsewhere.
func TestSetupOpen(t *testing.T) {
	key := testKeys()[0]
	tests := []struct {
		name string
		run  *config.Settings
		data map[string][]byte
		want string // "" open; else the refusal's words
	}{
		{"empty Secret", nil, map[string][]byte{}, ""},
		{"a webhook secret from the Secret", &config.Settings{Namespace: "rigel", WebhookSecret: "hush"}, map[string][]byte{config.SecretKeyWebhookSecret: []byte("hush\n")}, ""},
		{"no Secret", nil, nil, "create it empty first (kubectl -n rigel create secret generic helmsman-github)"},
		{"running as an app", &config.Settings{Namespace: "rigel", AppID: 7, PrivateKey: key}, map[string][]byte{}, "already configured (id 7)"},
		{"running with a token", &config.Settings{Namespace: "rigel", Token: "t", TokenLogin: "ops"}, map[string][]byte{}, "token of ops"},
		{"an app in the Secret", nil, map[string][]byte{config.SecretKeyAppID: []byte("9\n"), config.SecretKeyPrivateKey: key}, "already configured (id 9); to register another, delete the keys app-id, private-key and webhook-secret from the Secret rigel/helmsman-github"},
		{"half an app in the Secret", nil, map[string][]byte{config.SecretKeyPrivateKey: []byte("x")}, "already configured"},
		{"a token in the Secret", nil, map[string][]byte{config.SecretKeyToken: []byte("t"), config.SecretKeyLogin: []byte("ops")}, "token of ops"},
		{"webhook secret from the environment", &config.Settings{Namespace: "rigel", WebhookSecret: "env"}, map[string][]byte{}, "RIGEL_WEBHOOK_SECRET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSetup(t, tt.run, tt.data)
			page, err := f.setup.Page(context.Background())
			_, startErr := f.setup.Start(context.Background(), SetupRequest{PublicURL: "https://rigel.example.com", RedirectURL: testRedirect, Binding: testBinding})
			if tt.want == "" {
				if err != nil || startErr != nil {
					t.Fatalf("Page: %v; Start: %v", err, startErr)
				}
				if page.DefaultName != "Rigel" || page.Namespace != "rigel" || page.Secret != "helmsman-github" {
					t.Errorf("page %+v", page)
				}
				return
			}
			for _, err := range []error{err, startErr} {
				if err == nil || !IsRefusal(err) || !strings.Contains(strings.ReplaceAll(err.Error(), ":", ";"), strings.ReplaceAll(tt.want, ":", ";")) {
					t.Errorf("err = %v, want a refusal saying %q", err, tt.want)
				}
			}
		})
	}
}

// TestSetupStart: the form's fields are checked; the manifest posted is app.yml's with the
// webhook at the public URL and the redirect to the page; the org chooses the page on GitHub.
func TestSetupStart(t *testing.T) {
	f := newSetup(t, nil, map[string][]byte{})
	form, state := f.start(t, SetupRequest{PublicURL: "https://rigel.example.com/", Org: "acme", Name: "Rigel Acme"})
	if !strings.HasPrefix(form.Action, "https://github.com/organizations/acme/settings/apps/new?state=") || len(state) != 43 {
		t.Errorf("action %q, state of %d characters", form.Action, len(state))
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(form.Manifest), &m); err != nil {
		t.Fatal(err)
	}
	hook, _ := m["hook_attributes"].(map[string]any)
	if m["name"] != "Rigel Acme" || hook["url"] != "https://rigel.example.com/api/github/hook" || hook["active"] != true || m["redirect_url"] != testRedirect {
		t.Errorf("manifest %s", form.Manifest)
	}
	perms, _ := m["default_permissions"].(map[string]any)
	if perms["contents"] != "write" || perms["metadata"] != "read" || perms["deployments"] != "write" || len(perms) != 6 || m["public"] != false {
		t.Errorf("manifest permissions %v, public %v: want app.yml's", perms, m["public"])
	}
	form2, state2 := f.start(t, SetupRequest{PublicURL: "https://rigel.example.com"})
	if state2 == state || !strings.HasPrefix(form2.Action, "https://github.com/settings/apps/new?state=") || form2.Name != "Rigel" {
		t.Errorf("second start: %q, name %q", form2.Action, form2.Name)
	}

	f.setup.PublicURL = "https://hooks.example.com"
	form3, _ := f.start(t, SetupRequest{PublicURL: "https://evil.example.com"})
	if form3.HookURL != "https://hooks.example.com/api/github/hook" {
		t.Errorf("RIGEL_PUBLIC_URL set: the hook is %q", form3.HookURL)
	}
	f.setup.PublicURL = ""

	bad := []struct {
		name string
		req  SetupRequest
		want string
	}{
		{"no public URL", SetupRequest{}, "public URL"},
		{"http public URL", SetupRequest{PublicURL: "http://rigel.example.com"}, "plain http"},
		{"public URL with a password", SetupRequest{PublicURL: "https://u:p@rigel.example.com"}, "user or password"},
		{"bad org", SetupRequest{PublicURL: "https://rigel.example.com", Org: "acme/../x"}, "organization"},
		{"bad name", SetupRequest{PublicURL: "https://rigel.example.com", Name: "<script>"}, "app name"},
		{"long name", SetupRequest{PublicURL: "https://rigel.example.com", Name: strings.Repeat("a", 35)}, "app name"},
		{"page not on loopback over http", SetupRequest{PublicURL: "https://rigel.example.com", RedirectURL: "http://rigel-internal:9090/setup/callback"}, "port-forward"},
		{"no cookie", SetupRequest{PublicURL: "https://rigel.example.com", RedirectURL: testRedirect, Binding: "-"}, "browser cookie"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			if req.RedirectURL == "" {
				req.RedirectURL = testRedirect
			}
			switch req.Binding {
			case "":
				req.Binding = testBinding
			case "-":
				req.Binding = ""
			}
			_, err := f.setup.Start(context.Background(), req)
			if r := setupRefusal[*SetupInvalid](t, err); !strings.Contains(r.Error(), tt.want) {
				t.Errorf("refusal %q lacks %q", r, tt.want)
			}
		})
	}
}

// TestSetupComplete: the app GitHub gives is stored, once; the setup is then closed.
func TestSetupComplete(t *testing.T) {
	f := newSetup(t, &config.Settings{Namespace: "rigel", WebhookSecret: "old"}, map[string][]byte{config.SecretKeyWebhookSecret: []byte("old"), "marker-key": []byte("kept")})
	_, state := f.start(t, SetupRequest{PublicURL: "https://rigel.example.com"})
	done, err := f.setup.Complete(context.Background(), "good", state, testBinding)
	if err != nil {
		t.Fatal(err)
	}
	if done.AppID != 42 || done.InstallURL != "https://github.com/apps/app-42/installations/new" || done.Secret != "helmsman-github" || done.Namespace != "rigel" {
		t.Errorf("done %+v", done)
	}
	d := f.creds.data
	if string(d[config.SecretKeyAppID]) != "42" || string(d[config.SecretKeyPrivateKey]) != string(testKeys()[0]) ||
		string(d[config.SecretKeyWebhookSecret]) != goodApp().WebhookSecret || string(d["marker-key"]) != "kept" {
		t.Errorf("Secret holds %v", keysOf(d))
	}
	if _, err := f.setup.Page(context.Background()); setupRefusal[*SetupClosed](t, err).AppID != 42 {
		t.Errorf("after: %v", err)
	}
	// a replay is refused before anything is asked of GitHub
	calls := f.gh.calls
	_, err = f.setup.Complete(context.Background(), "good", state, testBinding)
	if setupRefusal[*SetupClosed](t, err).AppID != 42 || f.gh.calls != calls {
		t.Errorf("replay: %v, %d exchanges", err, f.gh.calls-calls)
	}
}

// TestSetupStates: a redirect whose state is missing, unknown, used, expired or another
// browser's is refused without an exchange, and spends the state.
func TestSetupStates(t *testing.T) {
	tests := []struct {
		name  string
		code  string
		state func(f *setupFixture, good string) string
		bind  string
		why   StateFault
	}{
		{"no state", "good", func(*setupFixture, string) string { return "" }, testBinding, StateMissing},
		{"no code", "", func(_ *setupFixture, s string) string { return s }, testBinding, StateMissing},
		{"unknown", "good", func(*setupFixture, string) string { return "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }, testBinding, StateUnknown},
		{"another browser", "good", func(_ *setupFixture, s string) string { return s }, "attackers-cookie", StateForeign},
		{"no cookie", "good", func(_ *setupFixture, s string) string { return s }, "", StateForeign},
		{"expired", "good", func(f *setupFixture, s string) string { f.now = f.now.Add(SetupStateTTL + time.Second); return s }, testBinding, StateExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSetup(t, nil, map[string][]byte{})
			_, good := f.start(t, SetupRequest{PublicURL: "https://rigel.example.com"})
			state := tt.state(f, good)
			_, err := f.setup.Complete(context.Background(), tt.code, state, tt.bind)
			if r := setupRefusal[*SetupStateRefused](t, err); r.Why != tt.why {
				t.Errorf("why = %d (%v), want %d", r.Why, r, tt.why)
			}
			if f.gh.calls != 0 || f.creds.writes != 0 {
				t.Errorf("%d exchanges, %d writes", f.gh.calls, f.creds.writes)
			}
			if state == good { // spent: the right browser cannot use it after
				_, err := f.setup.Complete(context.Background(), "good", good, testBinding)
				if r := setupRefusal[*SetupStateRefused](t, err); r.Why != StateUsed {
					t.Errorf("after: %v", r)
				}
			}
		})
	}
}

// TestSetupAppChecked: GitHub's answer is checked before anything is written.
func TestSetupAppChecked(t *testing.T) {
	tests := []struct {
		name string
		edit func(a *ManifestApp)
		want string
	}{
		{"no id", func(a *ManifestApp) { a.ID = 0 }, "no app id"},
		{"bad slug", func(a *ManifestApp) { a.Slug = "../x" }, "slug"},
		{"no webhook secret", func(a *ManifestApp) { a.WebhookSecret = " " }, "no webhook secret"},
		{"not a key", func(a *ManifestApp) { a.PrivateKey = []byte("-----BEGIN NOPE-----") }, "private key"},
		{"another key", func(a *ManifestApp) { a.PrivateKey = testKeys()[1] }, "do not authenticate"},
		{"another app", func(a *ManifestApp) { a.Slug = "other" }, "another app"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSetup(t, nil, map[string][]byte{})
			tt.edit(f.gh.apps["good"])
			_, state := f.start(t, SetupRequest{PublicURL: "https://rigel.example.com"})
			_, err := f.setup.Complete(context.Background(), "good", state, testBinding)
			if r := setupRefusal[*SetupAppInvalid](t, err); !strings.Contains(r.Error(), tt.want) {
				t.Errorf("%v lacks %q", r, tt.want)
			}
			if f.creds.writes != 0 {
				t.Error("written")
			}
			mustHoldNoCredential(t, err.Error(), testKeys()[0], testKeys()[1], []byte(goodApp().WebhookSecret))
		})
	}
	f := newSetup(t, nil, map[string][]byte{})
	_, state := f.start(t, SetupRequest{PublicURL: "https://rigel.example.com"})
	_, err := f.setup.Complete(context.Background(), "unknown-code", state, testBinding)
	setupRefusal[*SetupExchangeFailed](t, err)

	f = newSetup(t, nil, map[string][]byte{})
	f.creds.forbid = true
	_, state = f.start(t, SetupRequest{PublicURL: "https://rigel.example.com"})
	_, err = f.setup.Complete(context.Background(), "good", state, testBinding)
	setupRefusal[*CredentialsReadOnly](t, err)
}

// TestSetupRace: two setups completed at once (both past the first check before either
// writes) store one app; the other is refused as closed, its app not written.
func TestSetupRace(t *testing.T) {
	f := newSetup(t, nil, map[string][]byte{})
	other := goodApp()
	other.PrivateKey = testKeys()[1]
	fv := f.setup.Service.Verifier.(*fakeVerifier)
	fv.apps[43] = testKeys()[1]
	f.setup.Service.Verifier = &lockedVerifier{v: fv} // the fake counts its calls unguarded
	other.ID, other.Slug = 43, "app-43"
	f.gh.apps["other"] = other
	var inside gosync.WaitGroup
	inside.Add(2)
	f.gh.gate = func() { inside.Done(); inside.Wait() } // both exchanges run before either stores
	_, s1 := f.start(t, SetupRequest{PublicURL: "https://rigel.example.com"})
	_, s2 := f.start(t, SetupRequest{PublicURL: "https://rigel.example.com"})
	errs := make([]error, 2)
	var wg gosync.WaitGroup
	for i, c := range []struct{ code, state string }{{"good", s1}, {"other", s2}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.setup.Complete(context.Background(), c.code, c.state, testBinding)
		}()
	}
	wg.Wait()
	var won, closed int
	for _, err := range errs {
		var sc *SetupClosed
		switch {
		case err == nil:
			won++
		case errors.As(err, &sc):
			closed++
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	if won != 1 || closed != 1 || f.creds.writes != 1 {
		t.Fatalf("%d stored, %d closed, %d writes; want one of each", won, closed, f.creds.writes)
	}
	id := string(f.creds.data[config.SecretKeyAppID])
	key := string(f.creds.data[config.SecretKeyPrivateKey])
	if !(id == "42" && key == string(testKeys()[0])) && !(id == "43" && key == string(testKeys()[1])) {
		t.Errorf("the Secret mixes the two apps: app-id %s", id)
	}
}

// TestSetupStatesBounded: the states kept are bounded; the oldest go first.
func TestSetupStatesBounded(t *testing.T) {
	f := newSetup(t, nil, map[string][]byte{})
	_, first := f.start(t, SetupRequest{PublicURL: "https://rigel.example.com"})
	for range maxSetupStates {
		f.now = f.now.Add(time.Millisecond)
		f.start(t, SetupRequest{PublicURL: "https://rigel.example.com"})
	}
	if n := len(f.setup.states); n != maxSetupStates {
		t.Errorf("%d states kept", n)
	}
	_, err := f.setup.Complete(context.Background(), "good", first, testBinding)
	if setupRefusal[*SetupStateRefused](t, err).Why != StateUnknown {
		t.Errorf("the oldest state: %v", err)
	}
}

// lockedVerifier serializes the calls of a fakeVerifier, for tests that call it at once.
type lockedVerifier struct {
	mu gosync.Mutex
	v  *fakeVerifier
}

func (l *lockedVerifier) VerifyToken(ctx context.Context, token string) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.v.VerifyToken(ctx, token)
}

func (l *lockedVerifier) VerifyApp(ctx context.Context, appID int64, key []byte) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.v.VerifyApp(ctx, appID, key)
}
