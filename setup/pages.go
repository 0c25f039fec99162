package setup

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/ops"
)

//go:embed templates
var templateFS embed.FS

var templates = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// pageBase is what every page shows.
type pageBase struct {
	Title     string
	Namespace string
}

func (p *pages) base(title string) pageBase { return pageBase{Title: title, Namespace: p.Namespace} }

// form is what the admin typed (untrusted; shown back escaped).
type form struct{ PublicURL, Org, Name string }

type startPage struct {
	pageBase
	PublicURL, HookPath, DefaultName, Secret, WebHost string
	Form                                              form
	Error                                             string
}

func (p *pages) startPage(page *ops.SetupPage, f form, problem string) startPage {
	return startPage{pageBase: p.base("Register Rigel's GitHub App"), PublicURL: page.PublicURL, HookPath: page.HookPath,
		DefaultName: page.DefaultName, Secret: page.Secret, WebHost: hostOf(page.WebURL), Form: f, Error: problem}
}

type githubPage struct {
	pageBase
	Action, Manifest, HookURL, Owner, Name, Expires string
}

// WebHost is GitHub's host, as the page names it.
func (g githubPage) WebHost() string { return hostOf(g.Action) }

type donePage struct {
	pageBase
	AppID                           int64
	Slug, Owner, InstallURL, Secret string
	Active                          bool
	Login                           string
	ActivateError                   string
}

type refusedPage struct {
	pageBase
	Message string
	Next    string
	Restart bool // offer to start again
}

// render writes page name with data; a template that fails is a failure (500).
func (p *pages) render(c echo.Context, status int, name string, data any) error {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// refused words a refusal of the setup (or a failure) as a page, with its status.
func (p *pages) refused(c echo.Context, err error) error { return p.refusedPage(c, err, false) }

// refusedCallback is refused for GitHub's redirect: GitHub may have created an app that was
// not stored, which the page then says to delete.
func (p *pages) refusedCallback(c echo.Context, err error) error { return p.refusedPage(c, err, true) }

func (p *pages) refusedPage(c echo.Context, err error, fromGitHub bool) error {
	page := refusedPage{pageBase: p.base("Setup refused"), Message: err.Error()}
	status := http.StatusBadRequest
	var (
		closed   *ops.SetupClosed
		missing  *ops.SetupSecretMissing
		override *ops.SetupWebhookOverride
		state    *ops.SetupStateRefused
		exchange *ops.SetupExchangeFailed
		invalid  *ops.SetupAppInvalid
		readOnly *ops.CredentialsReadOnly
	)
	switch {
	case asRefusal(err, &closed):
		status, page.Title = http.StatusGone, "Setup closed: Rigel already has a GitHub identity"
		if fromGitHub {
			page.Next = "If GitHub just created an app for this page, it was not stored: delete it (GitHub → Settings → Developer settings → GitHub Apps → the app → Advanced)."
		}
	case asRefusal(err, &missing):
		status, page.Title = http.StatusConflict, "Create the Secret first"
		page.Next, page.Restart = "Then reload this page.", true
	case asRefusal(err, &override):
		status, page.Title = http.StatusConflict, "Setup refused: the webhook secret is set elsewhere"
	case asRefusal(err, &state):
		page.Title, page.Restart = "Setup refused: this return from GitHub is not one Rigel expects", true
		page.Next = "Nothing was exchanged or stored. If GitHub created an app on the way, delete it (GitHub → Settings → Developer settings → GitHub Apps → the app → Advanced), then start again."
	case asRefusal(err, &exchange), asRefusal(err, &invalid):
		status, page.Title, page.Restart = http.StatusBadGateway, "Setup failed: GitHub's answer cannot be used", true
		page.Next = "Nothing was stored. Delete the app GitHub created (GitHub → Settings → Developer settings → GitHub Apps → the app → Advanced), then start again."
	case asRefusal(err, &readOnly):
		status, page.Title = http.StatusForbidden, "Setup failed: Rigel may not write its Secret"
		page.Next = "Give Rigel's Role update on the Secret (the chart and deploy/base do), delete the app GitHub created, and start again."
	default:
		zerolog.Ctx(c.Request().Context()).Error().Err(err).Msg("setup failed")
		status, page.Title = http.StatusInternalServerError, "Setup failed"
		page.Next, page.Restart = "Nothing was stored; Rigel's log says more. Start again.", true
	}
	return p.render(c, status, "refused.html", page)
}

// asRefusal is errors.As for the setup's refusals.
func asRefusal[T error](err error, target *T) bool { return errors.As(err, target) }

// hostOf is u's host ("github.com"), for the pages to name GitHub.
func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return "GitHub"
	}
	return p.Host
}
