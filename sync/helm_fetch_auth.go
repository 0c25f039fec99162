package sync

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	gosync "sync"

	"github.com/rigel-gitops/rigel/config"
)

// Private and internal chart sources (issue 13): the fetch client trusts the system's roots
// plus ChartRepos.CAFile, and sends the credentials of ChartRepos.CredentialsFile only to the
// host they are for — which must be on the allowlist, since the client dials nothing else.
//
//   - Credentials are added by the client's transport (authTransport) from the URL of each
//     request, never by the code that makes a request; a redirect drops every Authorization
//     header (the client's CheckRedirect), so a redirect to another host carries that host's
//     credentials, if any, never the first one's.
//   - An OCI registry's Bearer challenge is answered from its realm, which must be an https
//     URL on the registry's own host or below an entry of the allowlist; the registry's
//     credentials go to that realm only, and the token it gives goes only to the registry.
//   - Every error of a fetch has the credentials and tokens it used replaced by "***"
//     (fetchAuth.redact), so no reply and no log shows them, even when a server echoes them.

// fetchAuth is what one fetch authenticates with: the credentials by host, the tokens the
// registries' realms gave (by registry host), and the secrets to redact.
type fetchAuth struct {
	creds map[string]config.HelmCredential // by host:port

	mu      gosync.Mutex
	tokens  map[string]string // registry host:port -> bearer token
	secrets []string
}

// loadAuth reads the credentials file ("" none).
func loadAuth(file string) (*fetchAuth, error) {
	a := &fetchAuth{creds: map[string]config.HelmCredential{}, tokens: map[string]string{}}
	if file == "" {
		return a, nil
	}
	list, err := config.ReadHelmCredentials(file)
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		a.creds[c.Host] = c
		basic := base64.StdEncoding.EncodeToString([]byte(c.Username + ":" + c.Password))
		for _, secret := range []string{c.Password, basic} {
			a.secrets = append(a.secrets, secret, url.QueryEscape(secret), url.PathEscape(secret))
		}
	}
	return a, nil
}

// roots are the certificates a fetch trusts: base (nil: the system's) plus the CA file's.
func roots(base *x509.CertPool, caFile string) (*x509.CertPool, error) {
	if caFile == "" {
		return base, nil
	}
	pem, err := config.ReadHelmCA(caFile)
	if err != nil {
		return nil, err
	}
	pool := base
	if pool == nil {
		if pool, err = x509.SystemCertPool(); err != nil {
			pool = x509.NewCertPool() // no system roots (a scratch image): the CA file only
		}
	} else {
		pool = pool.Clone()
	}
	pool.AppendCertsFromPEM(pem)
	return pool, nil
}

// credential is the credential for host (host:port), if any.
func (a *fetchAuth) credential(host string) (config.HelmCredential, bool) {
	if a == nil {
		return config.HelmCredential{}, false
	}
	c, ok := a.creds[host]
	return c, ok
}

// setToken keeps the token a realm gave for the registry host.
func (a *fetchAuth) setToken(host, token string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tokens[host] = token
	a.secrets = append(a.secrets, token)
}

func (a *fetchAuth) token(host string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.tokens[host]
}

// redact replaces every credential and token of the fetch in s by "***".
func (a *fetchAuth) redact(s string) string {
	if a == nil {
		return s
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, secret := range a.secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "***")
		}
	}
	return s
}

// caHint adds to a certificate signed by an unknown authority what to do about it.
func caHint(err error) error {
	var ua x509.UnknownAuthorityError
	if !errors.As(err, &ua) {
		return err
	}
	return fmt.Errorf("%w: the server's certificate is signed by a CA Rigel does not trust: ask Rigel's admin to add that CA to RIGEL_HELM_CA_FILE", err)
}

// redactErr is err, or when its message holds a credential, an error with the message
// redacted (and nothing to unwrap to the credential). A *HermeticError keeps its type.
func (a *fetchAuth) redactErr(err error) error {
	if err == nil {
		return nil
	}
	if a.redact(err.Error()) == err.Error() {
		return err
	}
	var he *HermeticError
	if errors.As(err, &he) {
		c := *he
		c.Value, c.Reason = a.redact(c.Value), a.redact(c.Reason)
		return &c
	}
	return errors.New(a.redact(err.Error()))
}

// authTransport adds, to each request that has no Authorization header, the bearer token a
// realm gave for its host, else the basic credentials of its host.
type authTransport struct {
	base http.RoundTripper
	auth *fetchAuth
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" || req.Header.Get("Authorization") != "" {
		return t.base.RoundTrip(req)
	}
	host := hostPort(req.URL)
	if tok := t.auth.token(host); tok != "" {
		req = req.Clone(req.Context())
		req.Header.Set("Authorization", "Bearer "+tok)
	} else if c, ok := t.auth.credential(host); ok {
		req = req.Clone(req.Context())
		req.SetBasicAuth(c.Username, c.Password)
	}
	return t.base.RoundTrip(req)
}

// realmAllowed reports whether the token realm u of the registry on host registry may be
// asked (and given the registry's credentials): https, on the registry's own host or below
// an entry of the allowlist.
func realmAllowed(list []allowedRepo, registry string, u *url.URL) error {
	bare := *u
	bare.RawQuery = ""
	switch {
	case u.Scheme != "https" || u.Host == "" || u.User != nil:
		return fmt.Errorf("its token realm %q is not an https URL", u.Redacted())
	case hostPort(u) == registry:
		return nil
	case allows(list, bare.String()):
		return nil
	}
	return fmt.Errorf("its token realm %s is neither on the registry's host nor below an entry of RIGEL_HELM_REPOSITORIES, so Rigel does not ask it (nor send it credentials): add the realm's URL to the allowlist", bare.Redacted())
}
