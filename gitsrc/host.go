package gitsrc

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Host is the one git host a Source talks to: the scheme and host (with the port, when not the
// scheme's default) of the GitHub Rigel is configured for. Rigel's credentials (installation
// tokens, the personal access token) are worth a write on every repository they reach, so no
// fetch or push goes anywhere else, with or without them.
type Host struct {
	Scheme string // "https" or "http"
	Name   string // lower-case host name or IP, without brackets: "github.com", "127.0.0.1", "::1"
	Port   string // always set: "443" for https without a port
}

// ErrNoHost: a Source built without a git host talks to none.
var ErrNoHost = errors.New("no git host is configured (RIGEL_GIT_URL, default: the host of RIGEL_GITHUB_WEB_URL)")

// ParseHost reads the git host from a base URL such as "https://github.com/" or
// "http://127.0.0.1:8081". Only its scheme and host count; it must hold no credentials,
// query or fragment, and its host must be plain ASCII without a trailing dot.
func ParseHost(base string) (Host, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil {
		return Host{}, fmt.Errorf("git host %q is not a URL: %w", base, err)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return Host{}, fmt.Errorf("git host %q must be only a scheme and a host, like https://github.com", base)
	}
	h, why := hostOf(u)
	if why != "" {
		return Host{}, fmt.Errorf("git host %q: %s", base, why)
	}
	return h, nil
}

// hostOf is the Host of an absolute http(s) URL, or why it has none Rigel accepts.
func hostOf(u *url.URL) (Host, string) {
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return Host{}, "not an http(s) URL"
	}
	name, port := strings.ToLower(u.Hostname()), u.Port()
	switch {
	case name == "":
		return Host{}, "no host"
	case strings.HasSuffix(name, "."):
		return Host{}, "the host ends with a dot"
	case !asciiHost(name):
		return Host{}, "the host is not plain ASCII (write an international name in its xn-- form)"
	}
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[scheme]
	}
	return Host{Scheme: scheme, Name: name, Port: port}, ""
}

// asciiHost accepts letters, digits, '-', '.', and for IPv6 literals ':'; nothing that url
// parsing might turn into another host later (percent escapes, '%' zones, unicode, '_').
func asciiHost(name string) bool {
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.', r == ':':
		default:
			return false
		}
	}
	return true
}

// String is the host as a base URL: "https://github.com", "http://127.0.0.1:8081".
func (h Host) String() string {
	if h.Name == "" {
		return "(none)"
	}
	hp := h.Name
	if strings.Contains(hp, ":") {
		hp = "[" + hp + "]"
	}
	if h.Port != map[string]string{"https": "443", "http": "80"}[h.Scheme] {
		hp += ":" + h.Port
	}
	return h.Scheme + "://" + hp
}

// IsZero reports a Host that was never set.
func (h Host) IsZero() bool { return h.Name == "" }

// Secure reports whether credentials sent to h are protected in transit: https, or a
// loopback address (tests, a local proxy).
func (h Host) Secure() bool {
	if h.Scheme == "https" || h.Name == "localhost" {
		return true
	}
	ip := net.ParseIP(h.Name)
	return ip != nil && ip.IsLoopback()
}

// Check says whether cloneURL is on h: the same scheme, host and port, and no credentials in
// the URL. The error is a *HostError.
func (h Host) Check(repo, cloneURL string) error {
	why := h.problem(cloneURL)
	if why == "" {
		why = pathProblem(repo, cloneURL)
	}
	if why == "" {
		return nil
	}
	return &HostError{Repo: repo, CloneURL: cloneURL, Allowed: h, Why: why}
}

func (h Host) problem(cloneURL string) string {
	if h.IsZero() {
		return ErrNoHost.Error()
	}
	u, err := url.Parse(cloneURL)
	if err != nil || u.Opaque != "" || !u.IsAbs() {
		return "it is not an http(s) URL"
	}
	if u.User != nil {
		return "it must not hold credentials (Rigel authenticates with its own GitHub identity)"
	}
	got, why := hostOf(u)
	switch {
	case why != "":
		return "its host is not accepted (" + why + ")"
	case got != h:
		return "it points at " + got.String() + ", not at " + h.String()
	}
	return ""
}

// pathProblem says what is wrong when cloneURL does not name repo ("owner/name", with or
// without ".git", in any case): the installation's token reaches every repository of the
// installation, so a clone URL of another one would fetch (and push) that repository under
// repo's name. An empty repo is not checked.
func pathProblem(repo, cloneURL string) string {
	if repo == "" {
		return ""
	}
	u, err := url.Parse(cloneURL)
	if err != nil {
		return "it is not an http(s) URL"
	}
	p := strings.TrimPrefix(strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), ".git"), "/")
	if !strings.EqualFold(p, repo) || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Sprintf("its path names %q, not the repository %s (a clone URL is SERVER/%s.git)", p, repo, repo)
	}
	return ""
}

// HostError: a clone URL is not on the git host Rigel is configured for. Nothing was sent to
// it. Its message names the repository and what to fix; it never holds a credential (a URL
// carrying one is not quoted).
type HostError struct {
	Repo     string
	CloneURL string
	Allowed  Host
	Why      string
}

func (e *HostError) Error() string {
	shown := fmt.Sprintf(" %q", e.CloneURL)
	if u, err := url.Parse(e.CloneURL); err != nil || u.User != nil || len(e.CloneURL) > 200 {
		shown = ""
	}
	return fmt.Sprintf("refused the clone URL%s of %s: %s. Rigel sends git requests, and its credentials, only to %s (RIGEL_GIT_URL); "+
		"fix cloneURL of %s (ConfigMap helmsman-git-sources, or POST /api/git/sources), or leave it out so Rigel asks GitHub",
		shown, e.Repo, e.Why, e.Allowed, e.Repo)
}
