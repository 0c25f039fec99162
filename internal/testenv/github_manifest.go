package testenv

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GitHub's app-manifest flow, as the fake serves it (issue 15, Rigel's /setup):
//
//   - the browser POSTs a form with the field manifest (JSON) to {web}/settings/apps/new, or
//     {web}/organizations/{org}/settings/apps/new, with ?state=… in the URL; the fake checks
//     the manifest as GitHub would (a manifest GitHub would refuse is answered 422 and recorded
//     as a violation) and shows a page with the app's name and a "Create GitHub App" button;
//   - the button creates the app — a new id, slug, RSA key and webhook secret — and redirects
//     the browser to the manifest's redirect_url with ?code=…&state=…;
//   - POST /app-manifests/{code}/conversions (no authentication) answers the app's id, slug,
//     pem and webhook_secret, once per code, within an hour.
//
// A created app is installed at once on every repository the fake holds, under an
// installation of its own (on GitHub the person clicks "Install" on the app's page, which is
// GitHub's and not Rigel's): the fake authenticates its JWTs (GET /app, installation lookups)
// and mints its installation tokens, whose bot is the app's slug + "[bot]".

// CreatedApp is an app created from a manifest.
type CreatedApp struct {
	ID             int64
	Slug, Name     string
	Owner          string // the organization, or "octocat" for a personal app
	PrivateKeyPEM  []byte
	WebhookSecret  string
	InstallationID int64
	HookURL        string // the manifest's hook_attributes.url
	RedirectURL    string // the manifest's redirect_url
	Permissions    map[string]string
	Events         []string

	key     *rsa.PrivateKey
	code    string
	codeExp time.Time
	used    bool
}

// BotLogin is the login of the app's bot user.
func (a *CreatedApp) BotLogin() string { return a.Slug + "[bot]" }

// pendingManifest is a manifest posted and shown, waiting for its "Create GitHub App".
type pendingManifest struct {
	manifest appManifest
	state    string
	owner    string
}

// appManifest is what GitHub reads of a manifest
// (docs: "Registering a GitHub App from a manifest", the GitHub App Manifest parameters).
type appManifest struct {
	Name           string `json:"name"`
	URL            string `json:"url"`
	HookAttributes *struct {
		URL    string `json:"url"`
		Active *bool  `json:"active"`
	} `json:"hook_attributes"`
	RedirectURL           string            `json:"redirect_url"`
	CallbackURLs          []string          `json:"callback_urls"`
	SetupURL              string            `json:"setup_url"`
	Description           string            `json:"description"`
	Public                bool              `json:"public"`
	DefaultEvents         []string          `json:"default_events"`
	DefaultPermissions    map[string]string `json:"default_permissions"`
	RequestOAuthOnInstall bool              `json:"request_oauth_on_install"`
	SetupOnUpdate         bool              `json:"setup_on_update"`
}

// manifestEvents are the events a manifest may name (those the fake knows GitHub has).
var manifestEvents = []string{"issue_comment", "issues", "pull_request", "pull_request_review", "push", "check_run", "check_suite", "status", "repository", "installation_target", "create", "delete"}

// manifestPermissions are the permissions a manifest may ask, with their levels.
var manifestPermissions = map[string][]string{
	"contents": {"read", "write"}, "pull_requests": {"read", "write"}, "issues": {"read", "write"},
	"checks": {"read", "write"}, "metadata": {"read"}, "statuses": {"read", "write"},
	"actions": {"read", "write"}, "deployments": {"read", "write"}, "administration": {"read", "write"},
}

var appNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,33}$`)

// check is what GitHub says of a manifest it refuses; nil when it would take it.
func (m *appManifest) check() []string {
	var errs []string
	abs := func(field, v string) {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Sprintf("%s %q is not an absolute URL", field, v))
		}
	}
	if !appNamePattern.MatchString(m.Name) {
		errs = append(errs, fmt.Sprintf("name %q is not a GitHub App name (at most 34 characters)", m.Name))
	}
	abs("url", m.URL)
	if m.HookAttributes == nil || m.HookAttributes.URL == "" {
		errs = append(errs, "hook_attributes.url is required")
	} else {
		abs("hook_attributes.url", m.HookAttributes.URL)
	}
	abs("redirect_url", m.RedirectURL)
	for e := range slices.Values(m.DefaultEvents) {
		if !slices.Contains(manifestEvents, e) {
			errs = append(errs, fmt.Sprintf("default_events: %q is not an event", e))
		}
	}
	for p, lvl := range m.DefaultPermissions {
		if !slices.Contains(manifestPermissions[p], lvl) {
			errs = append(errs, fmt.Sprintf("default_permissions: %s: %q is not a level of it", p, lvl))
		}
	}
	return errs
}

var manifestPage = template.Must(template.New("new").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Create GitHub App (fake GitHub)</title></head>
<body>
<h1>Create GitHub App for <span id="owner">{{.Owner}}</span></h1>
<p>GitHub App name: <strong id="app-name">{{.Name}}</strong></p>
<p>Webhook URL: <code id="hook-url">{{.Hook}}</code></p>
<form method="post" action="/settings/apps/new/confirm">
<input type="hidden" name="pending" value="{{.Pending}}">
<button type="submit" id="create">Create GitHub App</button>
</form>
</body></html>
`))

// serveWeb serves the fake's web pages of the manifest flow; false when r is not one of them.
func (gh *GitHub) serveWeb(w http.ResponseWriter, r *http.Request) bool {
	path := r.URL.Path
	owner := ""
	switch {
	case path == "/favicon.ico": // a browser asks it of every site
		http.NotFound(w, r)
		return true
	case path == "/settings/apps/new/confirm":
		gh.confirmManifest(w, r)
		return true
	case path == "/settings/apps/new":
	case strings.HasPrefix(path, "/organizations/") && strings.HasSuffix(path, "/settings/apps/new"):
		owner = strings.TrimSuffix(strings.TrimPrefix(path, "/organizations/"), "/settings/apps/new")
		if !loginPattern.MatchString(owner) {
			gh.violation(r.Method+" "+path, "not an organization's path")
			http.NotFound(w, r)
			return true
		}
	default:
		return false
	}
	where := r.Method + " " + path
	if r.Method != http.MethodPost {
		// GitHub's own "New GitHub App" form; a manifest flow always POSTs.
		gh.violation(where, "the manifest flow POSTs the manifest; a GET shows GitHub's own form")
		http.Error(w, "fake GitHub: POST a manifest", http.StatusMethodNotAllowed)
		return true
	}
	if err := r.ParseForm(); err != nil {
		gh.violation(where, "the form does not parse: "+err.Error())
		http.Error(w, "bad form", http.StatusBadRequest)
		return true
	}
	var m appManifest
	dec := json.NewDecoder(strings.NewReader(r.PostForm.Get("manifest")))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		gh.violation(where, "the manifest field is not a manifest: "+err.Error())
		http.Error(w, "Invalid manifest", http.StatusUnprocessableEntity)
		return true
	}
	if errs := m.check(); len(errs) > 0 {
		gh.violation(where, "manifest refused: "+strings.Join(errs, "; "))
		http.Error(w, "Invalid manifest: "+strings.Join(errs, "; "), http.StatusUnprocessableEntity)
		return true
	}
	if owner == "" {
		owner = "octocat" // the signed-in person
	}
	id := randomHex(10)
	gh.mu.Lock()
	if gh.pending == nil {
		gh.pending = map[string]*pendingManifest{}
	}
	gh.pending[id] = &pendingManifest{manifest: m, state: r.URL.Query().Get("state"), owner: owner}
	gh.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = manifestPage.Execute(w, map[string]string{"Owner": owner, "Name": m.Name, "Hook": m.HookAttributes.URL, "Pending": id})
	return true
}

var loginPattern = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)

// confirmManifest is the "Create GitHub App" button: the app is created and the browser sent
// to redirect_url with its code and the state.
func (gh *GitHub) confirmManifest(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	gh.mu.Lock()
	p := gh.pending[r.PostForm.Get("pending")]
	delete(gh.pending, r.PostForm.Get("pending"))
	gh.mu.Unlock()
	if p == nil {
		http.Error(w, "no such manifest", http.StatusNotFound)
		return
	}
	app, err := gh.createApp(p)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	to, _ := url.Parse(p.manifest.RedirectURL) // checked with the manifest
	q := to.Query()
	q.Set("code", app.code)
	if p.state != "" {
		q.Set("state", p.state)
	}
	to.RawQuery = q.Encode()
	http.Redirect(w, r, to.String(), http.StatusFound)
}

func (gh *GitHub) createApp(p *pendingManifest) (*CreatedApp, error) {
	key, pemKey, _, err := rsaKeyPEM(2048)
	if err != nil {
		return nil, err
	}
	gh.mu.Lock()
	defer gh.mu.Unlock()
	slug := strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(p.manifest.Name), "-"), "-")
	for _, a := range gh.created {
		if a.Slug == slug {
			slug += "-" + strconv.Itoa(len(gh.created)+1)
		}
	}
	a := &CreatedApp{
		ID: 900000 + gh.id(), Slug: slug, Name: p.manifest.Name, Owner: p.owner, PrivateKeyPEM: pemKey,
		WebhookSecret: randomHex(20), InstallationID: 700000 + gh.id(), HookURL: p.manifest.HookAttributes.URL,
		RedirectURL: p.manifest.RedirectURL, Permissions: p.manifest.DefaultPermissions, Events: p.manifest.DefaultEvents,
		key: key, code: randomHex(10), codeExp: time.Now().Add(time.Hour),
	}
	gh.created = append(gh.created, a)
	return a, nil
}

// CreatedApps are the apps created from manifests, oldest first.
func (gh *GitHub) CreatedApps() []*CreatedApp {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	return slices.Clone(gh.created)
}

// createdApp is the created app of id; nil when there is none. Call with gh.mu held.
func (gh *GitHub) createdApp(id int64) *CreatedApp {
	for _, a := range gh.created {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// callerApp is the created app the caller authenticates as (its JWT or one of its
// installation tokens); nil for the fake's own app and everyone else.
func (gh *GitHub) callerApp(who *identity) *CreatedApp {
	if who == nil || who.AppID == 0 {
		return nil
	}
	gh.mu.Lock()
	defer gh.mu.Unlock()
	return gh.createdApp(who.AppID)
}

// appKey is the public key of app iss (the fake's own, or a created one).
func (gh *GitHub) appKey(iss string) (*rsa.PublicKey, int64) {
	id, err := strconv.ParseInt(iss, 10, 64)
	if err != nil {
		return nil, 0
	}
	if id == gh.AppID {
		return &gh.key.PublicKey, 0
	}
	gh.mu.Lock()
	defer gh.mu.Unlock()
	if a := gh.createdApp(id); a != nil {
		return &a.key.PublicKey, a.ID
	}
	return nil, 0
}

// convertManifest serves POST /app-manifests/{code}/conversions.
func (gh *GitHub) convertManifest(c *call) {
	code := c.params["code"]
	gh.mu.Lock()
	var app *CreatedApp
	for _, a := range gh.created {
		if a.code == code && !a.used && time.Now().Before(a.codeExp) {
			app, a.used = a, true
		}
	}
	var o map[string]any
	if app != nil {
		o = gh.createdAppObj(app)
		o["client_id"], o["client_secret"] = "Iv1."+app.Slug, randomHex(20)
		o["webhook_secret"], o["pem"] = app.WebhookSecret, string(app.PrivateKeyPEM)
	}
	gh.mu.Unlock()
	if app == nil {
		gh.errorJSON(c.w, http.StatusNotFound, "Not Found")
		return
	}
	gh.respond(c, http.StatusCreated, o)
}

// createdAppObj is the app object of a; call with gh.mu held.
func (gh *GitHub) createdAppObj(a *CreatedApp) map[string]any {
	o := gh.appObj()
	o["id"], o["slug"], o["node_id"], o["name"], o["client_id"] = a.ID, a.Slug, "A_"+a.Slug, a.Name, "Iv1."+a.Slug
	o["owner"] = gh.userObj(a.Owner, "Organization")
	o["html_url"] = gh.WebURL() + "/apps/" + a.Slug
	o["permissions"], o["events"] = a.Permissions, a.Events
	return o
}

// createdInstallationObj is the installation of a on account's repositories; gh.mu held.
func (gh *GitHub) createdInstallationObj(a *CreatedApp, account string) map[string]any {
	o := gh.installationObj(account)
	o["id"], o["app_id"], o["app_slug"], o["client_id"] = a.InstallationID, a.ID, a.Slug, "Iv1."+a.Slug
	o["access_tokens_url"] = fmt.Sprintf("%sapp/installations/%d/access_tokens", gh.URL(), a.InstallationID)
	o["html_url"] = fmt.Sprintf("%s/organizations/%s/settings/installations/%d", gh.WebURL(), account, a.InstallationID)
	o["permissions"], o["events"] = a.Permissions, a.Events
	return o
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// SubmitManifest does what a browser does in the flow: it posts manifest (JSON) to the new-app
// page of org ("" for the person's own), with state, clicks "Create GitHub App" and returns
// where GitHub redirects to (redirect_url?code=…&state=…). A manifest GitHub refuses is an error.
func (gh *GitHub) SubmitManifest(org, manifest, state string) (*url.URL, error) {
	page := gh.WebURL() + "/settings/apps/new"
	if org != "" {
		page = gh.WebURL() + "/organizations/" + org + "/settings/apps/new"
	}
	if state != "" {
		page += "?state=" + url.QueryEscape(state)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(page, url.Values{"manifest": {manifest}})
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the fake GitHub refused the manifest: %d %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	m := regexp.MustCompile(`name="pending" value="([0-9a-f]+)"`).FindSubmatch(body)
	if m == nil {
		return nil, fmt.Errorf("the fake GitHub's page has no Create button:\n%s", body)
	}
	resp, err = client.PostForm(gh.WebURL()+"/settings/apps/new/confirm", url.Values{"pending": {string(m[1])}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return nil, fmt.Errorf("creating the app answered %d, not a redirect", resp.StatusCode)
	}
	return url.Parse(resp.Header.Get("Location"))
}
