package deploy

import (
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// appManifest is the part of a GitHub App manifest Rigel's app.yml fills in.
type appManifest struct {
	Name           string `json:"name"`
	Description    string `json:"description"`
	URL            string `json:"url"`
	HookAttributes struct {
		URL    string `json:"url"`
		Active *bool  `json:"active,omitempty"`
	} `json:"hook_attributes"`
	RedirectURL        string            `json:"redirect_url"`
	Public             *bool             `json:"public"`
	DefaultPermissions map[string]string `json:"default_permissions"`
	DefaultEvents      []string          `json:"default_events"`
}

// TestAppManifest checks that app.yml asks GitHub for what Rigel needs and nothing broader,
// and subscribes to the events its handlers serve.
func TestAppManifest(t *testing.T) {
	raw, err := os.ReadFile("../app.yml")
	if err != nil {
		t.Fatal(err)
	}
	var m appManifest
	if err := yaml.UnmarshalStrict(raw, &m); err != nil {
		t.Fatalf("app.yml is not a GitHub App manifest of the expected shape: %v", err)
	}
	if m.Name == "" || !strings.HasPrefix(m.URL, "https://") {
		t.Errorf("name %q and url %q must be set", m.Name, m.URL)
	}
	if !strings.HasPrefix(m.HookAttributes.URL, "https://") || !strings.HasSuffix(m.HookAttributes.URL, "/api/github/hook") {
		t.Errorf("hook_attributes.url = %q, want https://…/api/github/hook (Rigel's webhook path)", m.HookAttributes.URL)
	}
	if m.HookAttributes.Active != nil && !*m.HookAttributes.Active {
		t.Error("hook_attributes.active is false: Rigel would receive no deliveries")
	}
	if !strings.HasPrefix(m.RedirectURL, "https://") {
		t.Errorf("redirect_url = %q, want an https URL", m.RedirectURL)
	}
	if m.Public == nil || *m.Public {
		t.Error("public must be false: each organization registers its own Rigel")
	}
	wantPerms := map[string]string{
		"contents":      "write",
		"pull_requests": "write",
		"issues":        "write",
		"checks":        "write",
		"metadata":      "read",
	}
	if !maps.Equal(m.DefaultPermissions, wantPerms) {
		t.Errorf("default_permissions = %v, want exactly %v", m.DefaultPermissions, wantPerms)
	}
	for k, v := range m.DefaultPermissions {
		if v != "read" && v != "write" {
			t.Errorf("permission %s: %q, want read or write", k, v)
		}
	}
	wantEvents := []string{"check_run", "issue_comment", "issues", "pull_request", "push"} // check_run: handlers/check_run.go
	got := slices.Clone(m.DefaultEvents)
	slices.Sort(got)
	if !slices.Equal(got, wantEvents) {
		t.Errorf("default_events = %v, want exactly %v", m.DefaultEvents, wantEvents)
	}
}
