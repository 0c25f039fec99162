package config

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"strings"
)

// The registration of Rigel's GitHub App from its own page (issue 15, /setup, GitHub's
// app-manifest flow). While Rigel has no GitHub identity at all it starts in setup mode
// (NeedsSetup, app/setup_mode.go): it checks every other setting (ValidateSetup), serves /setup
// on the internal listener, and takes the credentials the flow stores in the Secret
// (Reloaded) without a restart. PublicURL is where GitHub is to deliver the app's webhooks.

func publicURLSetting() setting {
	return str("PublicURL", "RIGEL_PUBLIC_URL", "publicURL", func(s *Settings) *string { return &s.PublicURL }).
		inStr().docs("the public base URL of the webhook's listener (https://rigel.example.com), for the GitHub App /setup registers; empty: the page asks for it")
}

// NeedsSetup says that Rigel has no GitHub identity: no app id, private key, token or login
// from the environment, the file or the Secret, and the Secret was read (or does not exist).
// Rigel then serves /setup until one is stored. A Secret that could not be read is not "no
// identity": Validate reports it.
func (s *Settings) NeedsSetup() bool {
	return s.AppID == 0 && len(s.PrivateKey) == 0 && s.Token == "" && s.TokenLogin == "" && s.secretErr == nil
}

// ValidateSetup is Validate without the GitHub credentials and the webhook secret: what
// setup mode needs.
func (s *Settings) ValidateSetup() error { return s.validate(false) }

// setupProblems checks PublicURL when set.
func (s *Settings) setupProblems() []string {
	if s.PublicURL == "" {
		return nil
	}
	if _, err := CheckPublicURL(s.PublicURL); err != nil {
		return []string{fmt.Sprintf("RIGEL_PUBLIC_URL: %v", err)}
	}
	return nil
}

// CheckPublicURL checks the public base URL of the webhook's listener and returns it without
// a trailing slash: an absolute https URL with a host, without user, password, query or
// fragment (a path is a prefix, for a proxy that serves Rigel under one). Plain http is
// accepted only for a loopback host (tests, a local GitHub): deliveries elsewhere would
// travel unencrypted. Its errors quote the value: it is no secret.
func CheckPublicURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case err != nil:
		return "", fmt.Errorf("%q is not a URL", raw)
	case u.Scheme != "https" && u.Scheme != "http", u.Host == "", u.Opaque != "":
		return "", fmt.Errorf("%q is not an absolute https URL such as https://rigel.example.com", raw)
	case u.User != nil:
		return "", fmt.Errorf("%q holds a user or password: GitHub would send them with every delivery; remove them", raw)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#"):
		return "", fmt.Errorf("%q has a query or a fragment: give the base URL only, such as https://rigel.example.com", raw)
	case u.Scheme == "http" && !IsLoopbackHost(u.Hostname()):
		return "", fmt.Errorf("%q is plain http: GitHub's deliveries would travel unencrypted; use https", raw)
	}
	return strings.TrimSuffix(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}

// IsLoopbackHost says whether host (without port) is this machine: localhost or a loopback IP.
func IsLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Reloaded is a copy of s with the credentials the Secret's data holds now, filled as
// LoadSettings fills them at start: each one still empty, so what the environment or the
// file set keeps precedence. webhookFromSecret says that s's webhook secret was itself read
// from the Secret, so the Secret's new one replaces it. The copy is validated.
func (s *Settings) Reloaded(data map[string][]byte, webhookFromSecret bool) (*Settings, error) {
	c := *s
	c.RepoWebhookSecrets = maps.Clone(s.RepoWebhookSecrets)
	if webhookFromSecret {
		c.WebhookSecret = ""
	}
	if err := c.applySecret(data); err != nil {
		return nil, err
	}
	if c.NeedsSetup() {
		return nil, errors.New("the Secret " + CredentialSecret + " holds no GitHub credentials yet")
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// SecretHoldsIdentity says whether the Secret's data holds a GitHub identity, or part of one:
// any of the keys of an app (app-id, private-key) or of a token (token, login) set.
func SecretHoldsIdentity(data map[string][]byte) bool {
	for _, k := range []string{SecretKeyAppID, SecretKeyPrivateKey, SecretKeyToken, SecretKeyLogin} {
		if strings.TrimSpace(string(data[k])) != "" {
			return true
		}
	}
	return false
}
