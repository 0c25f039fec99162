package sync

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rs/zerolog"
)

// The credentials of the tests: a password that must never show.
const (
	chartUser     = "deployer"
	chartPassword = "s3cret/Pa55+"
)

// credsFile writes a Docker-config JSON with chartUser/password for each host (host:port).
func credsFile(t *testing.T, password string, hosts ...string) string {
	t.Helper()
	auths := map[string]any{}
	for _, h := range hosts {
		auths[h] = map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(chartUser + ":" + password))}
	}
	data, err := json.Marshal(map[string]any{"auths": auths})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// caFile writes the PEM of certificates to a file.
func caFile(t *testing.T, pems ...[]byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(p, bytes.Join(pems, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func hostOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// noSecret fails when s shows the password or the basic credentials made of it.
func noSecret(t *testing.T, what, s string) {
	t.Helper()
	basic := base64.StdEncoding.EncodeToString([]byte(chartUser + ":" + chartPassword))
	for _, secret := range []string{chartPassword, basic, "t0ken"} {
		for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
			if strings.Contains(s, form) {
				t.Errorf("%s shows a credential (%s): %s", what, form, s)
			}
		}
	}
}

// A chart repository with an internal CA is trusted through CAFile (beside the system's
// roots), and only then; its private index and archive are fetched with the credentials of
// its host, and another allowlisted repository, with none in the file, gets no Authorization.
func TestChartFetchCAFileAndCredentials(t *testing.T) {
	private := testenv.NewChartRepo(t, commonChart)
	private.RequireBasic(chartUser, chartPassword)
	public := testenv.NewChartRepo(t, commonChart)
	creds := credsFile(t, chartPassword, hostOf(t, private.URL))
	ca := caFile(t, private.CAPEM())

	tests := []struct {
		name    string
		repoURL string
		repos   ChartRepos
		want    string // "" renders
		auth    func(got []string) bool
		repo    *testenv.ChartRepo
	}{
		{name: "private repository, CA file and credentials", repoURL: private.URL, repo: private,
			repos: ChartRepos{Allow: []string{private.URL, public.URL}, CAFile: ca, CredentialsFile: creds},
			auth: func(got []string) bool {
				return len(got) == 2 && strings.HasPrefix(got[0], "Basic ") && got[0] == got[1]
			}},
		{name: "public repository gets no credentials", repoURL: public.URL, repo: public,
			repos: ChartRepos{Allow: []string{private.URL, public.URL}, CAFile: ca, CredentialsFile: creds},
			auth:  func(got []string) bool { return len(got) == 2 && got[0] == "" && got[1] == "" }},
		{name: "no CA file: the system's roots do not trust it", repoURL: private.URL, repo: private,
			repos: ChartRepos{Allow: []string{private.URL}, CredentialsFile: creds}, want: "add that CA to RIGEL_HELM_CA_FILE"},
		{name: "no credentials", repoURL: private.URL, repo: private,
			repos: ChartRepos{Allow: []string{private.URL}, CAFile: ca}, want: "it wants credentials, and RIGEL_HELM_CREDENTIALS_FILE has none for " + hostOf(t, private.URL)},
		{name: "wrong credentials", repoURL: private.URL, repo: private,
			repos: ChartRepos{Allow: []string{private.URL}, CAFile: ca, CredentialsFile: credsFile(t, "wrong-"+chartPassword, hostOf(t, private.URL))},
			want:  "it refused the credentials of RIGEL_HELM_CREDENTIALS_FILE for " + hostOf(t, private.URL) + " (user deployer)"},
		{name: "a CA file with no certificate", repoURL: private.URL, repo: private,
			repos: ChartRepos{Allow: []string{private.URL}, CAFile: caFile(t, []byte("not a certificate\n")), CredentialsFile: creds}, want: "RIGEL_HELM_CA_FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forgetDigests()
			before := len(tt.repo.Authorizations())
			tt.repos.CacheDir = t.TempDir()
			var logs bytes.Buffer
			ctx := zerolog.New(&logs).WithContext(context.Background())
			objs, err := RenderWith(ctx, depRepo(t, tt.repoURL, "1.2.3", true), "web", RenderOptions{Repos: &tt.repos})
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				objByName(t, objs, "ConfigMap", "web-common")
			} else if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if err != nil {
				noSecret(t, "the error", err.Error())
			}
			noSecret(t, "the log", logs.String())
			if got := tt.repo.Authorizations()[before:]; tt.auth != nil && !tt.auth(got) {
				t.Errorf("Authorization headers = %q", got)
			}
		})
	}
}

// Credentials never follow a redirect to another host: the private repository's index and
// archive redirect to another allowlisted repository, which gets no Authorization; a
// redirect off the allowlist that echoes the password is refused with the password redacted.
func TestChartFetchCredentialsNotAcrossRedirects(t *testing.T) {
	other := testenv.NewChartRepo(t, commonChart)
	var sawBasic []string
	var echo bool
	front := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		sawBasic = append(sawBasic, u+":"+p)
		if echo { // a hostile repository puts what it got in the URL it redirects to
			http.Redirect(w, r, "https://charts.example.com/stolen?p="+url.QueryEscape(p)+"&b="+url.QueryEscape(r.Header.Get("Authorization")), http.StatusFound)
			return
		}
		http.Redirect(w, r, other.Server.URL+r.URL.Path, http.StatusFound)
	}))
	defer front.Close()
	repoURL := front.URL + "/charts"
	repos := ChartRepos{Allow: []string{repoURL, other.URL}, CacheDir: t.TempDir(), CAFile: caFile(t, other.CAPEM()),
		CredentialsFile: credsFile(t, chartPassword, hostOf(t, front.URL))}
	forgetDigests()
	if _, err := RenderWith(context.Background(), depRepo(t, repoURL, "1.2.3", true), "web", RenderOptions{Repos: &repos}); err != nil {
		t.Fatal(err)
	}
	if len(sawBasic) != 2 || sawBasic[0] != chartUser+":"+chartPassword {
		t.Errorf("the repository got %q, want its credentials twice (index, archive)", sawBasic)
	}
	if got := other.Authorizations(); len(got) != 2 || got[0] != "" || got[1] != "" {
		t.Errorf("the host redirected to got Authorization %q, want none", got)
	}

	echo = true
	forgetDigests()
	var logs bytes.Buffer
	ctx := zerolog.New(&logs).WithContext(context.Background())
	_, err := RenderWith(ctx, depRepo(t, repoURL, "1.2.3", true), "web", RenderOptions{Repos: &repos})
	if err == nil || !strings.Contains(err.Error(), "not below an entry of RIGEL_HELM_REPOSITORIES") || !strings.Contains(err.Error(), "p=***") {
		t.Fatalf("err = %v, want the redirect refused, the password redacted", err)
	}
	noSecret(t, "the error", err.Error())
	noSecret(t, "the log", logs.String())
}

// A private OCI registry: its token realm (on its host) gets the registry's credentials, the
// token goes to the registry only; a realm neither on the registry's host nor on the
// allowlist is refused before anything is sent; one on another allowlisted host is asked with
// the registry's credentials; a registry wanting Basic gets the credentials of its host.
func TestChartFetchOCICredentials(t *testing.T) {
	reg := testenv.NewChartRepo(t, commonChart)
	reg.RequireToken.Store(true)
	reg.RequireBasic(chartUser, chartPassword)
	ca := caFile(t, reg.CAPEM())
	creds := credsFile(t, chartPassword, hostOf(t, reg.Server.URL))
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(chartUser+":"+chartPassword))

	pull := func(t *testing.T, r ChartRepos) error {
		t.Helper()
		forgetDigests()
		r.CacheDir = t.TempDir()
		_, err := RenderWith(context.Background(), depRepo(t, reg.OCIURL, "1.2.3", true), "web", RenderOptions{Repos: &r})
		if err != nil {
			noSecret(t, "the error", err.Error())
		}
		return err
	}

	before := len(reg.Requests())
	if err := pull(t, ChartRepos{Allow: []string{reg.OCIURL}, CAFile: ca, CredentialsFile: creds}); err != nil {
		t.Fatal(err)
	}
	reqs, auths := reg.Requests()[before:], reg.Authorizations()[before:]
	want := []struct{ req, auth string }{
		{"GET /v2/charts/common/manifests/1.2.3", basic}, {"GET /token", basic},
		{"GET /v2/charts/common/manifests/1.2.3", "Bearer t0ken"}, {"GET /v2/charts/common/blobs/", "Bearer t0ken"},
	}
	if len(reqs) != len(want) {
		t.Fatalf("requests %q, want %d", reqs, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(reqs[i], w.req) || auths[i] != w.auth {
			t.Errorf("request %d: %s with %q, want %s with %q", i, reqs[i], auths[i], w.req, w.auth)
		}
	}

	t.Run("no credentials", func(t *testing.T) {
		err := pull(t, ChartRepos{Allow: []string{reg.OCIURL}, CAFile: ca})
		if err == nil || !strings.Contains(err.Error(), "has none for "+hostOf(t, reg.Server.URL)) {
			t.Errorf("err = %v, want the missing credentials named", err)
		}
	})

	t.Run("realm off the allowlist", func(t *testing.T) {
		reg.SetRealm("https://auth.example.com/token")
		defer reg.SetRealm("")
		before := len(reg.Requests())
		err := pull(t, ChartRepos{Allow: []string{reg.OCIURL}, CAFile: ca, CredentialsFile: creds})
		if err == nil || !strings.Contains(err.Error(), "token realm https://auth.example.com/token is neither on the registry's host nor below an entry of RIGEL_HELM_REPOSITORIES") {
			t.Errorf("err = %v, want the realm refused", err)
		}
		if got := reg.Requests()[before:]; len(got) != 1 {
			t.Errorf("requests %q, want only the first manifest request", got)
		}
	})

	t.Run("realm on another allowlisted host", func(t *testing.T) {
		auth := testenv.NewChartRepo(t)
		auth.RequireBasic(chartUser, chartPassword)
		reg.SetRealm(auth.Server.URL + "/token")
		defer reg.SetRealm("")
		if err := pull(t, ChartRepos{Allow: []string{reg.OCIURL, auth.Server.URL + "/token"}, CAFile: ca, CredentialsFile: creds}); err != nil {
			t.Fatal(err)
		}
		if got := auth.Authorizations(); len(got) != 1 || got[0] != basic {
			t.Errorf("the realm got %q, want the registry's credentials once", got)
		}
	})

	t.Run("basic registry", func(t *testing.T) {
		reg.RequireToken.Store(false)
		defer reg.RequireToken.Store(true)
		before := len(reg.Requests())
		if err := pull(t, ChartRepos{Allow: []string{reg.OCIURL}, CAFile: ca, CredentialsFile: creds}); err != nil {
			t.Fatal(err)
		}
		for i, a := range reg.Authorizations()[before:] {
			if a != basic {
				t.Errorf("request %d bore %q, want the basic credentials", i, a)
			}
		}
	})
}

// Every credential and token of a fetch is redacted from its errors, a *HermeticError
// keeping its type.
func TestChartFetchRedactsErrors(t *testing.T) {
	a, err := loadAuth(credsFile(t, chartPassword, "registry.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	a.setToken("registry.example.com:443", "tok-123")
	basic := base64.StdEncoding.EncodeToString([]byte(chartUser + ":" + chartPassword))
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"plain", errors.New("GET https://x/?p=" + chartPassword), "GET https://x/?p=***"},
		{"escaped", errors.New("GET https://x/?p=" + url.QueryEscape(chartPassword) + "&q=" + url.PathEscape(chartPassword)), "p=***&q=***"},
		{"basic header", errors.New("got Basic " + basic), "got Basic ***"},
		{"token", errors.New("Bearer tok-123"), "Bearer ***"},
		{"hermetic", &HermeticError{File: "web/Chart.lock", Reason: "served " + chartPassword}, "served ***"},
		{"nothing to redact", errors.New("GET https://x/: 404"), "GET https://x/: 404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := a.redactErr(tt.err)
			if !strings.Contains(got.Error(), tt.want) || strings.Contains(got.Error(), chartPassword) || strings.Contains(got.Error(), "tok-123") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			var he *HermeticError
			if errors.As(tt.err, &he) != errors.As(got, &he) {
				t.Errorf("the type changed: %T", got)
			}
		})
	}
}
