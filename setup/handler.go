package setup

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

// Path is where the setup is served; GitHub sends the browser back to CallbackPath.
const (
	Path         = "/setup"
	CallbackPath = Path + "/callback"
	cssPath      = Path + "/setup.css"
	cookieName   = "rigel_setup"
	maxFormBytes = 16 << 10
)

// Deps is what the pages work with.
type Deps struct {
	Setup     *ops.Setup
	Namespace string // Rigel's, for the commands the pages show
	// Activate makes the running Rigel act as the app just stored, without a restart, and
	// says as whom; nil: Rigel already runs with an identity (the setup is closed anyway).
	Activate func(ctx context.Context) (login string, err error)
}

type pages struct{ Deps }

// Mount serves the setup's pages on e (the internal listener's router).
func Mount(e *echo.Echo, d Deps) {
	p := &pages{Deps: d}
	g := e.Group(Path, p.guard)
	g.GET("", p.start)
	g.POST("", p.toGitHub)
	g.GET("/callback", p.callback)
	g.GET("/setup.css", p.css)
}

// guard sets the headers of every page and refuses a request whose Host is not this
// machine: the page is reached through kubectl port-forward, and a Host of another name is a
// web page reaching it by DNS rebinding (or a proxy exposing it).
func (p *pages) guard(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' "+p.webOrigin()+"; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		// same-origin: the callback's URL (with the code) goes to no other site, and the form's
		// POST still carries its Origin (no-referrer would make it "null").
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		host := c.Request().Host
		if hn, _, err := net.SplitHostPort(host); err == nil {
			host = hn
		}
		if !config.IsLoopbackHost(host) {
			zerolog.Ctx(c.Request().Context()).Warn().Str("host", c.Request().Host).Msg("setup page refused: not reached on loopback")
			return p.render(c, http.StatusForbidden, "refused.html", refusedPage{
				pageBase: p.base("Open this page through kubectl port-forward"),
				Message:  "This page answers only on this machine's loopback address, as reached through kubectl port-forward, not under another name.",
				Next:     "Run kubectl -n " + p.Namespace + " port-forward svc/rigel-internal 9090 and open http://127.0.0.1:9090/setup.",
			})
		}
		return next(c)
	}
}

// start is the first page: the form, or why the setup is not open.
func (p *pages) start(c echo.Context) error {
	ctx := c.Request().Context()
	page, err := p.Setup.Page(ctx)
	if err != nil {
		return p.refused(c, err)
	}
	return p.render(c, http.StatusOK, "start.html", p.startPage(page, form{}, ""))
}

// toGitHub takes the form and answers the page that posts the manifest to GitHub.
func (p *pages) toGitHub(c echo.Context) error {
	r := c.Request()
	ctx := r.Context()
	if !sameOrigin(r) {
		return p.render(c, http.StatusForbidden, "refused.html", refusedPage{
			pageBase: p.base("Refused: not sent from this page"),
			Message:  "The form was not sent from Rigel's setup page (its Origin is another site's).",
			Next:     "Open http://127.0.0.1:9090/setup (through kubectl port-forward) and fill it there.", Restart: true,
		})
	}
	r.Body = http.MaxBytesReader(c.Response(), r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return p.render(c, http.StatusBadRequest, "refused.html", refusedPage{pageBase: p.base("Refused: the form does not parse"), Message: "The form could not be read.", Restart: true})
	}
	f := form{PublicURL: r.PostForm.Get("public_url"), Org: r.PostForm.Get("org"), Name: r.PostForm.Get("name")}
	binding, err := randomToken()
	if err != nil {
		return err
	}
	started, err := p.Setup.Start(ctx, ops.SetupRequest{
		PublicURL: f.PublicURL, Org: f.Org, Name: f.Name, Binding: binding,
		RedirectURL: scheme(r) + "://" + r.Host + CallbackPath,
	})
	if err != nil {
		var bad *ops.SetupInvalid
		if asRefusal(err, &bad) {
			page, perr := p.Setup.Page(ctx)
			if perr != nil {
				return p.refused(c, perr)
			}
			return p.render(c, http.StatusBadRequest, "start.html", p.startPage(page, f, bad.Error()))
		}
		return p.refused(c, err)
	}
	c.SetCookie(&http.Cookie{
		Name: cookieName, Value: binding, Path: Path, MaxAge: int(ops.SetupStateTTL / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	})
	return p.render(c, http.StatusOK, "github.html", githubPage{
		pageBase: p.base("Create the GitHub App"),
		Action:   started.Action, Manifest: started.Manifest, HookURL: started.HookURL, Owner: started.Owner, Name: started.Name,
		Expires: started.Expires.UTC().Format("15:04 UTC"),
	})
}

// callback is where GitHub sends the browser back, with the code and the state.
func (p *pages) callback(c echo.Context) error {
	r := c.Request()
	ctx := r.Context()
	q := r.URL.Query()
	binding := ""
	if ck, err := r.Cookie(cookieName); err == nil {
		binding = ck.Value
	}
	c.SetCookie(&http.Cookie{Name: cookieName, Value: "", Path: Path, MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	done, err := p.Setup.Complete(ctx, q.Get("code"), q.Get("state"), binding)
	if err != nil {
		return p.refusedCallback(c, err)
	}
	page := donePage{pageBase: p.base("Rigel's GitHub App is registered"), AppID: done.AppID, Slug: done.Slug, Owner: done.Owner,
		InstallURL: done.InstallURL, Secret: done.Secret}
	if p.Activate != nil {
		login, err := p.Activate(ctx)
		if err != nil {
			zerolog.Ctx(ctx).Error().Err(err).Msg("failed to act as the GitHub App /setup stored")
			page.ActivateError = err.Error()
		} else {
			page.Active, page.Login = true, login
		}
	}
	return p.render(c, http.StatusOK, "done.html", page)
}

func (p *pages) css(c echo.Context) error {
	b, err := templateFS.ReadFile("templates/setup.css")
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "text/css; charset=utf-8", b)
}

// sameOrigin says whether a POST comes from a page of this origin: its Origin (or, without
// one, its Referer — sent by no page of ours) names this scheme and host. A browser always
// sends Origin with a POST form; a request with neither is not a browser's and is let through.
func sameOrigin(r *http.Request) bool {
	from := r.Header.Get("Origin")
	if from == "" {
		from = r.Header.Get("Referer")
	}
	if from == "" {
		return true
	}
	u, err := url.Parse(from)
	if err != nil {
		return false
	}
	return u.Scheme == scheme(r) && u.Host == r.Host
}

// scheme is the scheme the browser used: the connection's (no X-Forwarded-Proto: the page is
// reached directly, through a port-forward).
func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

func (p *pages) webOrigin() string {
	u, err := url.Parse(p.Setup.WebURL)
	if err != nil || u.Host == "" {
		return "https://github.com"
	}
	return u.Scheme + "://" + u.Host
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
