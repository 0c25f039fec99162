package e2e

import (
	"net/http"
	"testing"

	"github.com/rigel-gitops/rigel/config"
)

// TestPersonalAccessToken: with a token and its login instead of an app, Rigel acts (API and
// git) as that user, and the token never shows in a reply.
func TestPersonalAccessToken(t *testing.T) {
	const token, login = "ghp_e2eTokenForRigelOnly0123456789", "rigel-ops"
	gh.AddPAT(token, login)
	git.AllowToken(token)
	b := startBotWith(t, func(s *config.Settings) {
		s.AppID, s.PrivateKey, s.Token, s.TokenLogin = 0, nil, token, login
		s.APIToken = apiToken // in token mode only registered repositories are acted on
	})
	if b.app.BotLogin != login {
		t.Fatalf("bot login = %q, want %q", b.app.BotLogin, login)
	}
	r := newRepo(t, webFiles(unique("pat"), 1, "pw"))
	b.api("POST", "/api/git/sources", map[string]any{"repo": r.full}, http.StatusCreated)
	c := b.issue(r)
	name := unique("pat")
	got := c.reply("/rigel add-deployment apps/web/k8s --name " + name)
	mustContain(t, got, "Registered deployment")
	got = c.reply("/rigel sync " + name)
	mustContain(t, got, "rigel:plan")
	got = c.reply("/rigel apply " + name)
	mustContain(t, got, "Succeeded")
	for _, cm := range c.botComments() {
		mustNotContain(t, cm.Body, token)
	}
}
