package ops

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	gosync "sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/githubclient"
)

// Setup registers Rigel's GitHub App from Rigel's own page (issue 15), with GitHub's
// app-manifest flow: Start gives the manifest (app.yml, with the webhook's public URL and
// the page's redirect) and a one-time state to post to GitHub; GitHub creates the app and
// redirects the browser back with a code and the state; Complete checks the state, exchanges
// the code for the app's id, private key and webhook secret, checks them as SetApp does,
// and stores them in the Secret helmsman-github.
//
// It is open only while Rigel has no GitHub identity: neither the settings it runs with nor
// the Secret hold an app or a token (SetupClosed otherwise), checked again at the write,
// under the Secret's resourceVersion, so of two completions one wins. Whoever completes it
// decides which app Rigel acts as: the adapter serves it only on the internal listener.
//
// The states live in this replica's memory (with several replicas, the port-forward reaches
// one pod, and GitHub's redirect comes back through it): a restart forgets them, and the
// flow is started again. Each is bound to the browser that started it (Binding, a cookie),
// expires after SetupStateTTL, and is consumed by its first use, good or bad.
type Setup struct {
	Service   *Service          // Credentials (the Secret), Verifier (GitHub), Running (the settings): the account operations' (account.go)
	GitHub    ManifestConverter // exchanges the code
	Manifest  *AppManifest      // app.yml
	HookPath  string            // the webhook's path on the public listener, "/api/github/hook"
	PublicURL string            // the webhook listener's public base URL (RIGEL_PUBLIC_URL); "": asked
	WebURL    string            // GitHub's web address ("https://github.com/", or GHES's)
	Now       func() time.Time  // nil: time.Now

	mu     gosync.Mutex
	states map[string]*setupState
}

// ManifestConverter exchanges the code of GitHub's redirect for the app it created
// (githubclient.Manifests).
type ManifestConverter interface {
	ConvertManifest(ctx context.Context, code string) (*ManifestApp, error)
}

// ManifestApp is what GitHub answers for the app created from a manifest.
type ManifestApp = githubclient.ManifestApp

// SetupStateTTL is how long a started setup may take to come back from GitHub.
const SetupStateTTL = 10 * time.Minute

// SetupPage is what the first page shows: the setup is open.
type SetupPage struct {
	PublicURL         string // set by RIGEL_PUBLIC_URL; "" when the page must ask
	HookPath          string
	WebURL            string // where the app will be created
	DefaultName       string // app.yml's name
	Secret, Namespace string
}

// SetupRequest is the form the admin filled in.
type SetupRequest struct {
	PublicURL   string // ignored when RIGEL_PUBLIC_URL is set
	Org         string // the organization to own the app; "": the person's own account
	Name        string // the app's name; "": app.yml's
	RedirectURL string // where GitHub sends the browser back: the page's own address + /setup/callback
	Binding     string // the browser's random cookie, which the redirect must carry back
}

// SetupForm is what the browser posts to GitHub: Manifest in the field "manifest" to Action
// (which holds the state).
type SetupForm struct {
	Action   string
	Manifest string // JSON
	HookURL  string
	Owner    string // the organization, "" for the person's account
	Name     string
	Expires  time.Time
}

// SetupDone is the app registered and stored.
type SetupDone struct {
	AppID      int64
	Slug       string
	Owner      string // untrusted (GitHub's answer)
	AppURL     string // {web}/apps/{slug}
	InstallURL string // {web}/apps/{slug}/installations/new
	Secret     string
	Namespace  string
}

var (
	orgPattern  = loginPattern
	slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,99}$`)
)

// Page says whether the setup is open, and what its first page shows. It refuses with
// *SetupClosed, *SetupSecretMissing and *SetupWebhookOverride.
func (s *Setup) Page(ctx context.Context) (*SetupPage, error) {
	if _, err := s.open(ctx); err != nil {
		return nil, err
	}
	run := s.Service.running()
	return &SetupPage{PublicURL: s.PublicURL, HookPath: s.HookPath, WebURL: s.webURL(), DefaultName: s.Manifest.Name,
		Secret: config.CredentialSecret, Namespace: run.Namespace}, nil
}

// Start checks the form and gives what to post to GitHub, with a new state. It refuses as
// Page does, and with *SetupInvalid.
func (s *Setup) Start(ctx context.Context, req SetupRequest) (*SetupForm, error) {
	if _, err := s.open(ctx); err != nil {
		return nil, err
	}
	base := s.PublicURL
	if base == "" {
		checked, err := config.CheckPublicURL(req.PublicURL)
		if err != nil {
			return nil, &SetupInvalid{Field: "public URL", Why: err.Error()}
		}
		base = checked
	}
	org := strings.TrimSpace(req.Org)
	if org != "" && !orgPattern.MatchString(org) {
		return nil, &SetupInvalid{Field: "organization", Why: strconv.Quote(org) + " is not a GitHub login (letters, digits and '-', at most 39)"}
	}
	name := strings.TrimSpace(req.Name)
	if name != "" && !appNamePattern.MatchString(name) {
		return nil, &SetupInvalid{Field: "app name", Why: strconv.Quote(name) + " is not a GitHub App name (at most 34 letters, digits, spaces, '.', '_' or '-')"}
	}
	redirect, err := config.CheckPublicURL(req.RedirectURL)
	if err != nil {
		return nil, &SetupInvalid{Field: "address of this page", Why: err.Error() + ": open it through kubectl port-forward, at http://127.0.0.1:PORT/setup"}
	}
	if req.Binding == "" {
		return nil, &SetupInvalid{Field: "browser cookie", Why: "missing"}
	}
	hook := base + s.HookPath
	manifest, err := s.Manifest.forSetup(name, hook, redirect)
	if err != nil {
		return nil, err
	}
	state, expires, err := s.newState(req.Binding)
	if err != nil {
		return nil, err
	}
	action := s.webURL() + "settings/apps/new"
	if org != "" {
		action = s.webURL() + "organizations/" + org + "/settings/apps/new"
	}
	if name == "" {
		name = s.Manifest.Name
	}
	zerolog.Ctx(ctx).Info().Str("hook", hook).Str("org", org).Msg("github app setup started")
	return &SetupForm{Action: action + "?state=" + state, Manifest: manifest, HookURL: hook, Owner: org, Name: name, Expires: expires}, nil
}

// Complete takes GitHub's redirect: it checks the setup is still open, consumes the state
// (*SetupStateRefused unless this browser was given it in the last SetupStateTTL and never
// used it), exchanges the code (*SetupExchangeFailed), checks the app GitHub gives
// (*SetupAppInvalid) and stores its id, private key and webhook secret in the Secret —
// refused with *SetupClosed when an identity got there first.
func (s *Setup) Complete(ctx context.Context, code, state, binding string) (*SetupDone, error) {
	if code == "" || state == "" {
		if state != "" {
			s.takeState(state, binding) // a state is spent by any use
		}
		return nil, &SetupStateRefused{Why: StateMissing, TTL: SetupStateTTL}
	}
	if _, err := s.open(ctx); err != nil { // closed: a replay after success says so
		return nil, err
	}
	if err := s.takeState(state, binding); err != nil {
		return nil, err
	}
	app, err := s.GitHub.ConvertManifest(ctx, code)
	if err != nil {
		return nil, &SetupExchangeFailed{Cause: err}
	}
	switch {
	case app.ID <= 0:
		return nil, &SetupAppInvalid{Why: "no app id"}
	case !slugPattern.MatchString(app.Slug):
		return nil, &SetupAppInvalid{AppID: app.ID, Why: "its slug is not one (lower-case letters, digits and '-')"}
	case strings.TrimSpace(app.WebhookSecret) == "":
		return nil, &SetupAppInvalid{AppID: app.ID, Why: "no webhook secret"}
	}
	login, err := s.Service.checkApp(ctx, app.ID, app.PrivateKey) // SetApp's checks
	if err != nil {
		return nil, &SetupAppInvalid{AppID: app.ID, Why: "its id and key do not authenticate it", Cause: err}
	}
	if login != app.Slug+"[bot]" {
		return nil, &SetupAppInvalid{AppID: app.ID, Why: "GitHub names another app for this id and key (" + login + ")"}
	}
	ns := s.Service.credentialsNamespace()
	_, err = s.Service.Credentials.Update(ctx, func(data map[string][]byte) error {
		if closed := s.closedBy(data); closed != nil { // another completion, or an admin, got there first
			return closed
		}
		if s.webhookOverridden(data) {
			return &SetupWebhookOverride{}
		}
		data[config.SecretKeyAppID] = []byte(strconv.FormatInt(app.ID, 10))
		data[config.SecretKeyPrivateKey] = app.PrivateKey
		data[config.SecretKeyWebhookSecret] = []byte(app.WebhookSecret)
		return nil
	})
	if err != nil {
		return nil, s.Service.writeFailed(err)
	}
	zerolog.Ctx(ctx).Info().Int64("appID", app.ID).Str("slug", app.Slug).Str("owner", app.Owner).Msg("github app registered by /setup and stored")
	appURL := s.webURL() + "apps/" + app.Slug
	return &SetupDone{AppID: app.ID, Slug: app.Slug, Owner: app.Owner, AppURL: appURL, InstallURL: appURL + "/installations/new",
		Secret: config.CredentialSecret, Namespace: ns}, nil
}

// open refuses when Rigel has an identity, when the Secret is missing, or when the webhook
// secret comes from elsewhere than the Secret; it returns the Secret's data.
func (s *Setup) open(ctx context.Context) (map[string][]byte, error) {
	if err := s.Service.accountReady(); err != nil {
		return nil, err
	}
	run := s.Service.running()
	if mode := run.CredentialMode(); mode != "" {
		return nil, &SetupClosed{Mode: mode, AppID: run.AppID, Login: run.TokenLogin, Secret: config.CredentialSecret, Namespace: run.Namespace}
	}
	data, exists, err := s.Service.readCredentials(ctx)
	if err != nil {
		return nil, err
	}
	if closed := s.closedBy(data); closed != nil {
		return nil, closed
	}
	if !exists {
		return nil, &SetupSecretMissing{Secret: config.CredentialSecret, Namespace: run.Namespace}
	}
	if s.webhookOverridden(data) {
		return nil, &SetupWebhookOverride{}
	}
	return data, nil
}

// closedBy is the refusal of a Secret that holds an app or a token (any of their keys set,
// even broken); nil when it holds neither.
func (s *Setup) closedBy(data map[string][]byte) *SetupClosed {
	ns := s.Service.credentialsNamespace()
	has := func(k string) bool { return strings.TrimSpace(string(data[k])) != "" }
	switch {
	case has(config.SecretKeyAppID) || has(config.SecretKeyPrivateKey):
		id, _ := strconv.ParseInt(strings.TrimSpace(string(data[config.SecretKeyAppID])), 10, 64)
		return &SetupClosed{Mode: config.ModeApp, AppID: id, Secret: config.CredentialSecret, Namespace: ns}
	case has(config.SecretKeyToken) || has(config.SecretKeyLogin):
		return &SetupClosed{Mode: config.ModeToken, Login: strings.TrimSpace(string(data[config.SecretKeyLogin])), Secret: config.CredentialSecret, Namespace: ns}
	}
	return nil
}

// webhookOverridden says that the running webhook secret is not the Secret's: it comes from
// RIGEL_WEBHOOK_SECRET or the file, which would keep precedence over the app's.
func (s *Setup) webhookOverridden(data map[string][]byte) bool {
	run := s.Service.running().WebhookSecret
	return run != "" && run != strings.TrimRight(string(data[config.SecretKeyWebhookSecret]), "\r\n")
}

func (s *Setup) webURL() string {
	w := s.WebURL
	if w == "" {
		w = "https://github.com/"
	}
	if !strings.HasSuffix(w, "/") {
		w += "/"
	}
	return w
}

func (s *Setup) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
