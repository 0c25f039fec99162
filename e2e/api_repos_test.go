package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// reposEntry is the entry of GET /api/git/repos for full, failing when it is not listed once.
func reposEntry(t *testing.T, got apiResp, full string) map[string]any {
	t.Helper()
	list, ok := got.body["repos"].([]any)
	if !ok {
		t.Fatalf("GET /api/git/repos has no repos list: %s", got.raw)
	}
	var found map[string]any
	for _, e := range list {
		m, _ := e.(map[string]any)
		if strings.EqualFold(m["repo"].(string), full) {
			if found != nil {
				t.Fatalf("%s is listed twice: %s", full, got.raw)
			}
			found = m
		}
	}
	if found == nil {
		t.Fatalf("%s is not listed: %s", full, got.raw)
	}
	return found
}

// checkRepos checks what GET /api/git/repos says of a registered repository (with its one
// deployment dep), an unregistered one, and a registered one GitHub does not show.
func checkRepos(t *testing.T, b *bot, registered, other, dep, ghost string, inst int64) {
	t.Helper()
	got := b.api("GET", "/api/git/repos", nil, http.StatusOK)
	if got.body["truncated"] != false || got.body["limit"] != float64(1000) {
		t.Fatalf("want an untruncated list with limit 1000: %s", got.raw)
	}
	reg := reposEntry(t, got, registered)
	deps, _ := reg["deployments"].([]any)
	if reg["registered"] != true || reg["branch"] != "main" || reg["defaultBranch"] != "main" || len(deps) != 1 || deps[0] != dep {
		t.Fatalf("registered %s = %v; want registered on main with deployment %s", registered, reg, dep)
	}
	un := reposEntry(t, got, other)
	if deps, _ := un["deployments"].([]any); un["registered"] != false || un["defaultBranch"] != "main" || len(deps) != 0 || un["branch"] != nil {
		t.Fatalf("unregistered %s = %v", other, un)
	}
	for _, e := range []map[string]any{reg, un} {
		if id, _ := e["installationID"].(float64); int64(id) != inst {
			t.Fatalf("%v: installationID %v, want %d", e, e["installationID"], inst)
		}
		if e["private"] != false {
			t.Fatalf("%v: private %v, want false (the fake's repositories are public)", e, e["private"])
		}
	}
	unseen, _ := got.body["unseen"].([]any)
	if len(unseen) != 1 || unseen[0] != ghost {
		t.Fatalf("unseen = %v, want [%s]: %s", unseen, ghost, got.raw)
	}
	mustContain(t, got.str("note"), "does not show Rigel 1 registered repositories")
	if v := gh.Violations(); len(v) > 0 {
		t.Fatalf("requests the GitHub description refuses: %v", v)
	}
}

// seedGhost writes a registry holding only ghost, a repository GitHub does not know (one
// renamed or uninstalled since it was registered).
func seedGhost(t *testing.T, b *bot, ghost string) {
	t.Helper()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: config.SourcesConfigMap, Namespace: b.namespace},
		Data: map[string]string{"version": "2", "repos.yaml": "- repo: " + ghost + "\n  branch: main\n  deployments: []\n"}}
	if _, err := kc.Typed.CoreV1().ConfigMaps(b.namespace).Create(context.Background(), cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// waitAsked waits until the fake GitHub has recorded a request since the first before that
// matches: it records a request once its answer is written, so the record can trail the
// answer the bot already acted on.
func waitAsked(t *testing.T, before int, what string, match func(testenv.Request) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, q := range gh.Requests()[before:] {
			if match(q) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GitHub was not asked %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAPIRepos: GET /api/git/repos lists the repositories the app's installation can see
// (GET /app/installations, then /installation/repositories page by page on the fake GitHub),
// each saying whether it is registered and its deployments, and the registered ones GitHub
// does not show; a token sees the repositories of GET /user/repos, without installations.
func TestAPIRepos(t *testing.T) {
	t.Run("app", func(t *testing.T) {
		b := startAPIBot(t)
		ghost := unique("ghost/gone")
		seedGhost(t, b, ghost)
		r, other := newRepo(t, webFiles(unique("repos"), 1, "rp")), newRepo(t, webFiles(unique("repos"), 1, "rp"))
		dep := unique("rp")
		b.api("POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "apps/web/k8s", "name": dep}, http.StatusCreated)
		before := len(gh.Requests())
		checkRepos(t, b, r.full, other.full, dep, ghost, gh.InstallationID)
		waitAsked(t, before, "GET /app/installations as the app", func(q testenv.Request) bool {
			return strings.HasSuffix(q.Path, "/app/installations") && q.Login == "app"
		})
		waitAsked(t, before, "GET /installation/repositories", func(q testenv.Request) bool {
			return strings.HasSuffix(q.Path, "/installation/repositories") && q.Status == http.StatusOK
		})
	})
	t.Run("token", func(t *testing.T) {
		const token, login = "ghp_e2eApiReposToken0123456789", "rigel-repos-ops"
		gh.AddPAT(token, login)
		git.AllowToken(token)
		b := startBotWith(t, func(s *config.Settings) {
			s.AppID, s.PrivateKey, s.Token, s.TokenLogin = 0, nil, token, login
			s.APIToken = apiToken
		})
		ghost := unique("ghost/gone")
		seedGhost(t, b, ghost)
		r, other := newRepo(t, webFiles(unique("repos"), 1, "rp")), newRepo(t, webFiles(unique("repos"), 1, "rp"))
		b.api("POST", "/api/git/sources", map[string]any{"repo": r.full}, http.StatusCreated)
		dep := unique("rp")
		b.api("POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "apps/web/k8s", "name": dep}, http.StatusCreated)
		before := len(gh.Requests())
		checkRepos(t, b, r.full, other.full, dep, ghost, 0)
		waitAsked(t, before, "GET /user/repos with the token", func(q testenv.Request) bool {
			return strings.HasSuffix(q.Path, "/user/repos") && q.Login == login && q.Status == http.StatusOK
		})
	})
}
