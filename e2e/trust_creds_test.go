package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// attacker is an HTTP server on another loopback port that a hostile clone URL points at. It
// records every request, and whether it carried credentials.
type attacker struct {
	srv  *httptest.Server
	mu   gosync.Mutex
	seen []string // method path, and "+auth" when an Authorization header came
}

func startAttacker(t *testing.T) *attacker {
	t.Helper()
	a := &attacker{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		line := r.Method + " " + r.URL.Path
		if r.Header.Get("Authorization") != "" {
			line += " +auth"
		}
		a.mu.Lock()
		a.seen = append(a.seen, line)
		a.mu.Unlock()
		w.Header().Set("WWW-Authenticate", `Basic realm="git"`) // ask for credentials, as a thief would
		http.Error(w, "auth", http.StatusUnauthorized)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *attacker) cloneURL(full string) string { return a.srv.URL + "/" + full + ".git" }

// mustSeeNothing fails when the attacker's server got any request.
func (a *attacker) mustSeeNothing(t *testing.T) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.seen) > 0 {
		t.Fatalf("the attacker's server got %d request(s): %v", len(a.seen), a.seen)
	}
}

// writeRegistry replaces the bot's registry ConfigMap with repos.yaml, as someone with edit
// rights in Rigel's namespace could.
func (b *bot) writeRegistry(reposYAML string) {
	b.t.Helper()
	cms := kc.Typed.CoreV1().ConfigMaps(b.namespace)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: config.SourcesConfigMap, Namespace: b.namespace},
		Data: map[string]string{"version": "2", "repos.yaml": reposYAML}}
	ctx := context.Background()
	if old, err := cms.Get(ctx, config.SourcesConfigMap, metav1.GetOptions{}); err == nil {
		cm.ResourceVersion = old.ResourceVersion
		if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
			b.t.Fatal(err)
		}
		return
	}
	if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		b.t.Fatal(err)
	}
}

// TestCredentialsOnlyToTheGitHost: a clone URL on another host (here another port of the same
// machine) is refused when registered through the API and when read from the registry
// ConfigMap, with a message naming the repository and what to fix; the other repositories
// keep working, and the attacker's server sees no request at all.
func TestCredentialsOnlyToTheGitHost(t *testing.T) {
	evil := startAttacker(t)
	b := startAPIBot(t)
	r := newRepo(t, webFiles(unique("cred"), 1, "pw"))

	t.Run("POST /api/git/sources refuses a clone URL elsewhere", func(t *testing.T) {
		before := b.registryYAML()
		for _, u := range []string{
			evil.cloneURL(r.full),
			"http://127.0.0.1@" + evil.srv.Listener.Addr().String() + "/" + r.full + ".git",
			git.URL() + "." + "/" + r.full + ".git",
			"https://" + git.URL()[len("http://"):] + "/" + r.full + ".git", // the right host, another scheme
		} {
			got := b.api("POST", "/api/git/sources", map[string]any{"repo": r.full, "branch": "main", "cloneURL": u}, http.StatusBadRequest)
			mustContain(t, got.raw, r.full, "RIGEL_GIT_URL", "Nothing was sent")
		}
		if after := b.registryYAML(); after != before {
			t.Fatalf("a refused registration changed the registry:\n%s\n%s", before, after)
		}
	})

	t.Run("a clone URL elsewhere in the ConfigMap is refused when read, the others work", func(t *testing.T) {
		good := newRepo(t, map[string]string{"deploy/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\n  namespace: default\n"})
		b.writeRegistry("- repo: " + r.full + "\n  branch: main\n  cloneURL: " + evil.cloneURL(r.full) + "\n  installationID: " + strconv.FormatInt(gh.InstallationID, 10) + "\n  deployments: []\n" +
			"- repo: " + good.full + "\n  branch: main\n  cloneURL: " + git.CloneURL(good.full) + "\n  installationID: " + strconv.FormatInt(gh.InstallationID, 10) + "\n  deployments: []\n")
		for _, c := range []struct{ method, path string }{
			{"GET", "/api/git/repo-tree?repo=" + r.full},
		} {
			got := b.api(c.method, c.path, nil, http.StatusConflict)
			mustContain(t, got.raw, r.full, "helmsman-git-sources", "RIGEL_GIT_URL")
		}
		got := b.api("POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "apps/web/k8s"}, http.StatusConflict)
		mustContain(t, got.raw, r.full, "cloneURL")
		b.api("GET", "/api/git/repo-tree?repo="+good.full, nil, http.StatusOK)
		b.api("POST", "/api/git/sources/deployment", map[string]any{"repo": good.full, "path": "deploy", "name": unique("good")}, http.StatusCreated)
	})
	evil.mustSeeNothing(t)
}

// TestWebhookPayloadIsChecked: a signed delivery whose clone URL is elsewhere, or whose
// installation is not the one GitHub names for the repository, runs nothing; the same
// command in a correct delivery is answered.
func TestWebhookPayloadIsChecked(t *testing.T) {
	evil := startAttacker(t)
	b := startBot(t)
	r := newRepo(t, webFiles(unique("hook"), 1, "pw"))
	c := b.issue(r)
	for _, mutate := range []func(*testenv.CommentOpts){
		func(o *testenv.CommentOpts) { o.CloneURL = evil.cloneURL(r.full) },
		func(o *testenv.CommentOpts) { o.InstallationID = gh.InstallationID + 1 },
	} {
		if code := c.post("/rigel add-deployment apps/web/k8s", mutate); code >= 300 {
			t.Fatalf("webhook answered %d", code)
		}
	}
	got := c.reply("/rigel help") // a correct delivery, after the refused ones
	if got == "" {
		t.Fatal("no reply")
	}
	time.Sleep(300 * time.Millisecond) // give a wrongly admitted delivery time to answer
	if n := len(c.botComments()); n != 1 {
		t.Fatalf("%d replies, want only the one to the correct delivery: %v", n, c.botComments())
	}
	if reg := b.registry().FindRepo(r.full); reg != nil {
		t.Fatalf("a refused delivery registered %+v", reg)
	}
	evil.mustSeeNothing(t)
}

// TestTokenModeTrust: with a personal access token each repository's deliveries are verified
// with that repository's own webhook secret, so one repository's secret cannot command
// another; and a repository that is not registered is refused before anything runs.
func TestTokenModeTrust(t *testing.T) {
	const token, login = "ghp_e2eTrustTokenForRigel0123456789", "rigel-trust"
	const secretA, secretB = "secret-of-repo-a-0123456789", "secret-of-repo-b-0123456789"
	gh.AddPAT(token, login)
	git.AllowToken(token)
	ra := newRepo(t, webFiles(unique("ta"), 1, "pw"))
	rb := newRepo(t, webFiles(unique("tb"), 1, "pw"))
	rc := newRepo(t, webFiles(unique("tc"), 1, "pw")) // never registered
	b := startBotWith(t, func(s *config.Settings) {
		s.AppID, s.PrivateKey, s.Token, s.TokenLogin, s.APIToken = 0, nil, token, login, apiToken
		s.RepoWebhookSecrets = map[string]string{strings.ToLower(ra.full): secretA, strings.ToLower(rb.full): secretB}
	})
	b.api("POST", "/api/git/sources", map[string]any{"repo": ra.full}, http.StatusCreated)
	b.api("POST", "/api/git/sources", map[string]any{"repo": rb.full}, http.StatusCreated)

	send := func(c *conversation, secret, body string) int {
		t.Helper()
		payload := gh.CommentEvent(testenv.CommentOpts{Repo: c.r.full, Issue: c.number, Body: body, User: "octocat", UserType: "User"})
		resp, err := testenv.PostWebhook(b.url+app.HookPath, secret, "issue_comment", payload)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	ca, cb, cc := b.issue(ra), b.issue(rb), b.issue(rc)
	if code := send(cb, secretA, "/rigel add-deployment apps/web/k8s"); code < 400 {
		t.Errorf("a delivery for B signed with A's secret answered %d, want a refusal", code)
	}
	if code := send(cb, webhookSecret, "/rigel add-deployment apps/web/k8s"); code < 400 {
		t.Errorf("a delivery for B signed with the default secret answered %d, want a refusal", code)
	}
	if code := send(cc, webhookSecret, "/rigel add-deployment apps/web/k8s"); code >= 300 {
		t.Errorf("a delivery for unregistered C answered %d", code) // accepted, then refused by the gate
	}
	if code := send(ca, secretA, "/rigel help"); code >= 300 {
		t.Fatalf("a delivery for A signed with A's secret answered %d", code)
	}
	ca.waitReplies(1)
	if code := send(cb, secretB, "/rigel help"); code >= 300 {
		t.Fatalf("a delivery for B signed with B's secret answered %d", code)
	}
	cb.waitReplies(1)
	time.Sleep(300 * time.Millisecond)
	if n := len(cb.botComments()); n != 1 {
		t.Errorf("B: %d replies, want only the one to its own secret's delivery", n)
	}
	if n := len(cc.botComments()); n != 0 {
		t.Errorf("unregistered C got %d replies", n)
	}
	src := b.registry()
	if rep := src.FindRepo(rb.full); rep == nil || len(rep.Deployments) != 0 {
		t.Errorf("a forged delivery changed B's registration: %+v", rep)
	}
	if src.FindRepo(rc.full) != nil {
		t.Errorf("a delivery for an unregistered repository registered it")
	}

	// Markers verify in token mode as with an app: a person using the token's account who
	// types (or copies) a plan marker into a conversation arms nothing there.
	ns := unique("tokmark")
	rm := newRepo(t, webFiles(ns, 1, "pw"))
	b.api("POST", "/api/git/sources", map[string]any{"repo": rm.full}, http.StatusCreated)
	secretM := webhookSecret // no secret of its own: the default covers it
	cx, cy := b.issue(rm), b.issue(rm)
	name := unique("tm")
	say := func(c *conversation, body string) string {
		t.Helper()
		before := len(c.botComments())
		if code := send(c, secretM, body); code >= 300 {
			t.Fatalf("webhook answered %d", code)
		}
		c.waitReplies(before + 1)
		return c.botComments()[before].Body
	}
	mustContain(t, say(cx, "/rigel add-deployment apps/web/k8s --name "+name), "Registered deployment")
	m := signedPlan.FindStringSubmatch(say(cx, "/rigel sync "+name))
	if m == nil {
		t.Fatal("the sync reply carries no signed plan marker")
	}
	// The token's user writes the marker into another conversation (not a delivery: Rigel ignores
	// its own login's comments as commands, and reads them when looking for a plan).
	gh.CommentEvent(testenv.CommentOpts{Repo: rm.full, Issue: cy.number, Body: "Rigel's plan:\n" + m[0] + "\n", User: login, UserType: "User"})
	mustContain(t, say(cy, "/rigel apply "+name), "❌", "nothing was previewed for `"+name+"` in this conversation")
	if deploymentExists(t, ns) {
		t.Fatal("a marker typed by the token's user was applied")
	}
}
