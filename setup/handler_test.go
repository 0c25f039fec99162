package setup

import (
	"crypto/tls"
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/rigel-gitops/rigel/ops"
)

func TestSameOrigin(t *testing.T) {
	tests := []struct {
		name, host, origin, referer string
		tls                         bool
		want                        bool
	}{
		{name: "the page itself", host: "127.0.0.1:9090", origin: "http://127.0.0.1:9090", want: true},
		{name: "localhost", host: "localhost:9090", origin: "http://localhost:9090", want: true},
		{name: "no Origin, own Referer", host: "127.0.0.1:9090", referer: "http://127.0.0.1:9090/setup", want: true},
		{name: "not a browser", host: "127.0.0.1:9090", want: true},
		{name: "another site", host: "127.0.0.1:9090", origin: "https://attacker.example", want: false},
		{name: "another port", host: "127.0.0.1:9090", origin: "http://127.0.0.1:8080", want: false},
		{name: "null origin (sandboxed frame)", host: "127.0.0.1:9090", origin: "null", want: false},
		{name: "another site's Referer", host: "127.0.0.1:9090", referer: "https://attacker.example/x", want: false},
		{name: "https page", host: "rigel:9443", origin: "https://rigel:9443", tls: true, want: true},
		{name: "http origin to https", host: "rigel:9443", origin: "http://rigel:9443", tls: true, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "http://"+tt.host+"/setup", nil)
			r.Host = tt.host
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			if tt.referer != "" {
				r.Header.Set("Referer", tt.referer)
			}
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			if got := sameOrigin(r); got != tt.want {
				t.Errorf("sameOrigin = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRefusedPages: each refusal of the setup gets its status and title, with its message
// escaped; a failure is a 500 that says nothing was stored.
func TestRefusedPages(t *testing.T) {
	tests := []struct {
		err    error
		status int
		title  string
	}{
		{&ops.SetupClosed{Mode: "app", AppID: 7, Secret: "helmsman-github", Namespace: "rigel"}, http.StatusGone, "Setup closed"},
		{&ops.SetupSecretMissing{Secret: "helmsman-github", Namespace: "rigel"}, http.StatusConflict, "Create the Secret first"},
		{&ops.SetupWebhookOverride{}, http.StatusConflict, "webhook secret is set elsewhere"},
		{&ops.SetupStateRefused{Why: ops.StateForeign}, http.StatusBadRequest, "not one Rigel expects"},
		{&ops.SetupExchangeFailed{Cause: errors.New("404 <b>x</b>")}, http.StatusBadGateway, "GitHub's answer cannot be used"},
		{&ops.SetupAppInvalid{AppID: 3, Why: "no webhook secret"}, http.StatusBadGateway, "GitHub's answer cannot be used"},
		{&ops.CredentialsReadOnly{Secret: "helmsman-github", Namespace: "rigel", Cause: errors.New("forbidden")}, http.StatusForbidden, "may not write its Secret"},
		{errors.New("the cluster <script>alert(1)</script> is down"), http.StatusInternalServerError, "Setup failed"},
	}
	e := echo.New()
	p := &pages{Deps: Deps{Namespace: "rigel", Setup: &ops.Setup{WebURL: "https://github.com/"}}}
	for _, tt := range tests {
		t.Run(tt.title, func(t *testing.T) {
			rec := httptest.NewRecorder()
			c := e.NewContext(httptest.NewRequest(http.MethodGet, "/setup/callback", nil), rec)
			if err := p.refused(c, tt.err); err != nil {
				t.Fatal(err)
			}
			body := rec.Body.String()
			if rec.Code != tt.status || !strings.Contains(html.UnescapeString(body), tt.title) {
				t.Errorf("%d, want %d with %q:\n%s", rec.Code, tt.status, tt.title, body)
			}
			if strings.Contains(body, "<script>") || strings.Contains(body, "<b>") {
				t.Errorf("the message is not escaped:\n%s", body)
			}
			if !strings.Contains(body, "kubectl -n rigel port-forward svc/rigel-internal 9090") {
				t.Error("the page does not say how it is to be reached")
			}
		})
	}
}

// TestEveryPageRenders: the templates execute with the data each handler gives them.
func TestEveryPageRenders(t *testing.T) {
	p := &pages{Deps: Deps{Namespace: "rigel"}}
	pages := map[string]any{
		"start.html":   p.startPage(&ops.SetupPage{HookPath: "/api/github/hook", WebURL: "https://github.com/", DefaultName: "Rigel", Secret: "helmsman-github", Namespace: "rigel"}, form{PublicURL: `"><x`}, "bad <i>"),
		"github.html":  githubPage{pageBase: p.base("t"), Action: "https://github.com/settings/apps/new?state=s", Manifest: `{"name":"<Rigel>"}`},
		"done.html":    donePage{pageBase: p.base("t"), AppID: 1, Slug: "rigel", InstallURL: "https://github.com/apps/rigel/installations/new", Active: true, Login: "rigel[bot]"},
		"refused.html": refusedPage{pageBase: p.base("t"), Message: "m", Next: "n", Restart: true},
	}
	for name, data := range pages {
		var b strings.Builder
		if err := templates.ExecuteTemplate(&b, name, data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if strings.Contains(b.String(), "<x") || strings.Contains(b.String(), "<i>") || strings.Contains(b.String(), "<Rigel>") {
			t.Errorf("%s: untrusted text not escaped:\n%s", name, b.String())
		}
	}
}
