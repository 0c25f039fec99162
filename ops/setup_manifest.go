package ops

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// AppManifest is a GitHub App manifest: app.yml, the definition of Rigel's app, as GitHub's
// app-manifest flow takes it (the fields GitHub documents; app.yml may hold no other).
type AppManifest struct {
	Name                  string            `json:"name"`
	URL                   string            `json:"url"`
	HookAttributes        HookAttributes    `json:"hook_attributes"`
	RedirectURL           string            `json:"redirect_url"`
	CallbackURLs          []string          `json:"callback_urls,omitempty"`
	SetupURL              string            `json:"setup_url,omitempty"`
	Description           string            `json:"description,omitempty"`
	Public                bool              `json:"public"`
	DefaultEvents         []string          `json:"default_events"`
	DefaultPermissions    map[string]string `json:"default_permissions"`
	RequestOAuthOnInstall bool              `json:"request_oauth_on_install,omitempty"`
	SetupOnUpdate         bool              `json:"setup_on_update,omitempty"`
}

// HookAttributes is where GitHub delivers the app's webhooks.
type HookAttributes struct {
	URL    string `json:"url"`
	Active bool   `json:"active"`
}

// appNamePattern is a GitHub App name: at most 34 characters, unique on GitHub.
var appNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,33}$`)

// ParseAppManifest reads app.yml. A field GitHub does not know, or a manifest without a
// name, a homepage, permissions or events, is an error: app.yml is Rigel's own file, and a
// test reads it through here.
func ParseAppManifest(data []byte) (*AppManifest, error) {
	var m AppManifest
	if err := yaml.UnmarshalStrict(data, &m); err != nil {
		return nil, fmt.Errorf("app.yml is not a GitHub App manifest: %w", err)
	}
	var missing []string
	for field, empty := range map[string]bool{
		"name": !appNamePattern.MatchString(m.Name), "url": m.URL == "",
		"default_permissions": len(m.DefaultPermissions) == 0, "default_events": len(m.DefaultEvents) == 0,
	} {
		if empty {
			missing = append(missing, field)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("app.yml lacks a valid %s", strings.Join(missing, ", "))
	}
	return &m, nil
}

// forSetup is the manifest posted to GitHub: app.yml's, named name (when not ""), delivering
// to hook and redirecting to redirect.
func (m *AppManifest) forSetup(name, hook, redirect string) (string, error) {
	c := *m
	if name != "" {
		c.Name = name
	}
	c.HookAttributes = HookAttributes{URL: hook, Active: true}
	c.RedirectURL = redirect
	b, err := json.Marshal(&c)
	if err != nil {
		return "", fmt.Errorf("failed to encode the app manifest: %w", err)
	}
	return string(b), nil
}
