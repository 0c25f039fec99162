package deploy

import (
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/rigel-gitops/rigel/handlers"
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
	// Each permission, with the code that needs it: a file and a call it makes. The test reads
	// the file, so a permission whose last use is removed fails here.
	uses := map[string]struct {
		level string
		code  [][2]string // file, a call or request in it
	}{
		"contents": {"write", [][2]string{
			{"../gitsrc/push.go", "Push"},                                       // the branch of a /rigel fix pull request
			{"../githubclient/clients.go", "Installation"},                      // installation tokens clone the repositories
			{"../githubclient/commit_comment.go", "Repositories.CreateComment"}, // push-triggered sync reports on the pushed commit (issue 12)
		}},
		"pull_requests": {"write", [][2]string{
			{"../githubclient/pulls.go", "PullRequests.Create"},         // open a /rigel fix pull request
			{"../githubclient/installation.go", "PullRequests.Get"},     // a PR's head and mergeability
			{"../githubclient/pull_files.go", "PullRequests.ListFiles"}, // autoplan: what a PR changes
			{"../githubclient/merged_pull.go", "PullRequests.List"},     // apply on merge: the PR a push merged
		}},
		"issues": {"write", [][2]string{
			{"../githubclient/comment.go", "Issues.CreateComment"},                      // every reply
			{"../githubclient/comment_edit.go", "Issues.EditComment"},                   // the living comment
			{"../githubclient/installation.go", "Reactions.CreateIssueCommentReaction"}, // 👀 on a command
		}},
		"checks": {"write", [][2]string{
			{"../githubclient/checks.go", "Checks.CreateCheckRun"}, // rigel/preview: <deployment>
			{"../githubclient/checks.go", "Checks.UpdateCheckRun"},
		}},
		"deployments": {"write", [][2]string{
			{"../githubclient/deployments.go", "Repositories.CreateDeployment"},       // a GitHub Deployment of each apply (issue 12)
			{"../githubclient/deployments.go", "Repositories.CreateDeploymentStatus"}, // its statuses, and drift's
		}},
		"metadata": {"read", nil}, // mandatory for every app
	}
	wantPerms := map[string]string{}
	for perm, u := range uses {
		wantPerms[perm] = u.level
		for _, c := range u.code {
			src, err := os.ReadFile(c[0])
			if err != nil {
				t.Fatalf("permission %s: %v", perm, err)
			}
			if !strings.Contains(string(src), c[1]) {
				t.Errorf("permission %s is said to be used by %s in %s, which no longer calls it: ask for it no more, or name its use", perm, c[1], c[0])
			}
		}
	}
	if !maps.Equal(m.DefaultPermissions, wantPerms) {
		t.Errorf("default_permissions = %v, want exactly %v", m.DefaultPermissions, wantPerms)
	}
	// The events: exactly those Rigel's handlers handle (handlers.All, what app's dispatcher
	// serves); any other delivery would be answered and dropped.
	var wantEvents []string
	for _, h := range handlers.All(handlers.Deps{}) {
		wantEvents = append(wantEvents, h.Handles()...)
	}
	slices.Sort(wantEvents)
	got := slices.Clone(m.DefaultEvents)
	slices.Sort(got)
	if !slices.Equal(got, wantEvents) {
		t.Errorf("default_events = %v, want exactly what handlers.All handles: %v", m.DefaultEvents, wantEvents)
	}
}
