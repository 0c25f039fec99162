package e2e

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/config"
)

// secretData reads the bot's Secret helmsman-github (nil when there is none).
func (b *bot) secretData() map[string][]byte {
	b.t.Helper()
	sec, err := kc.Typed.CoreV1().Secrets(b.namespace).Get(context.Background(), config.CredentialSecret, metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return sec.Data
}

func (b *bot) createCredentials(data map[string][]byte) {
	b.t.Helper()
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: config.CredentialSecret, Namespace: b.namespace}, Data: data}
	if _, err := kc.Typed.CoreV1().Secrets(b.namespace).Create(context.Background(), sec, metav1.CreateOptions{}); err != nil {
		b.t.Fatal(err)
	}
}

// mustNotLeak fails when an answer holds a credential, raw or base64-encoded.
func mustNotLeak(t *testing.T, raw string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		lines := strings.Split(strings.TrimSpace(s), "\n")
		probe := lines[len(lines)/2] // a line of a PEM key, or the whole token
		for _, p := range []string{probe, base64.StdEncoding.EncodeToString([]byte(s))[:20]} {
			if strings.Contains(raw, p) {
				t.Fatalf("the answer leaks a credential (%q): %s", p[:8]+"…", raw)
			}
		}
	}
	mustNotContain(t, raw, "-----BEGIN", webhookSecret)
}

func otherKeyPEM(t *testing.T) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

// TestAPIAccount: the account endpoints say which identity Rigel acts as and what the Secret
// holds, by key name only; they store credentials GitHub accepts, refuse the others and never
// answer a secret.
func TestAPIAccount(t *testing.T) {
	pemKey := string(gh.PrivateKeyPEM)
	const token, login = "ghp_e2eApiAccountToken0123456789", "rigel-api-ops"
	gh.AddPAT(token, login)

	t.Run("an app without a Secret", func(t *testing.T) {
		b := startAPIBot(t)
		got := b.api("GET", "/api/git/account", nil, http.StatusOK)
		if got.str("mode") != "app" || got.body["appID"] != float64(gh.AppID) || got.str("login") != gh.BotLogin() || got.str("apiURL") != gh.URL() {
			t.Fatalf("account = %s", got.raw)
		}
		secret, _ := got.body["secret"].(map[string]any)
		if secret["exists"] != false || got.body["restartRequired"] != false {
			t.Fatalf("account = %s", got.raw)
		}
		mustNotLeak(t, got.raw, pemKey)
	})

	b := startAPIBot(t)
	b.createCredentials(map[string][]byte{
		config.SecretKeyAppID: []byte(strconv.FormatInt(gh.AppID, 10)), config.SecretKeyPrivateKey: gh.PrivateKeyPEM, config.SecretKeyWebhookSecret: []byte(webhookSecret),
	})
	t.Run("the Secret holds what Rigel runs with", func(t *testing.T) {
		got := b.api("GET", "/api/git/account", nil, http.StatusOK)
		mustContain(t, got.raw, `"keys":["app-id","private-key","webhook-secret"]`, `"restartRequired":false`)
		mustNotLeak(t, got.raw, pemKey)
	})
	before := b.secretData()
	for _, tc := range []struct {
		name   string
		body   any
		status int
		want   string
	}{
		{"nothing", map[string]any{}, 400, "give the credentials"},
		{"both forms", map[string]any{"token": token, "appID": 1}, 400, "not both"},
		{"a token GitHub refuses", map[string]any{"token": "ghp_notValidAnywhere0000"}, 400, "refuses the token"},
		{"a token of another login", map[string]any{"token": token, "login": "someone-else"}, 400, "belongs to " + login},
		{"a token with spaces", map[string]any{"token": "ghp_ x"}, 400, "not a GitHub token"},
		{"a token while the app takes precedence", map[string]any{"token": token}, 409, "takes precedence"},
		{"a key that is not PEM", map[string]any{"appID": gh.AppID, "privateKey": "not a key"}, 400, "is not PEM"},
		{"another app's key", map[string]any{"appID": gh.AppID, "privateKey": otherKeyPEM(t)}, 400, "refuses app"},
		{"no app id", map[string]any{"privateKey": pemKey}, 400, "app id"},
	} {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			got := b.call(apiToken, "POST", "/api/git/account", tc.body)
			if got.status != tc.status {
				t.Fatalf("answered %d, want %d: %s", got.status, tc.status, got.raw)
			}
			mustContain(t, got.str("error"), tc.want)
			mustNotLeak(t, got.raw, token, pemKey)
			if after := b.secretData(); !equalData(after, before) {
				t.Fatal("a refused request changed the Secret")
			}
		})
	}
	t.Run("store the app again: accepted by GitHub, nothing to restart", func(t *testing.T) {
		got := b.api("POST", "/api/git/account", map[string]any{"appID": gh.AppID, "privateKey": pemKey}, http.StatusOK)
		mustContain(t, got.raw, `"restartRequired":false`, `"mode":"app"`)
		mustNotLeak(t, got.raw, pemKey)
	})
	t.Run("DELETE without a token changes nothing", func(t *testing.T) {
		got := b.api("DELETE", "/api/git/account", nil, http.StatusOK)
		mustContain(t, got.str("note"), "holds no token")
		if !equalData(b.secretData(), before) {
			t.Fatal("the Secret changed")
		}
	})

	t.Run("a token bot switched to the app", func(t *testing.T) {
		tb := startBotWith(t, func(s *config.Settings) {
			s.APIToken, s.AppID, s.PrivateKey, s.Token, s.TokenLogin = apiToken, 0, nil, token, login
		})
		tb.createCredentials(map[string][]byte{config.SecretKeyToken: []byte(token), config.SecretKeyLogin: []byte(login), config.SecretKeyWebhookSecret: []byte(webhookSecret)})
		got := tb.api("GET", "/api/git/account", nil, http.StatusOK)
		if got.str("mode") != "token" || got.str("login") != login || got.body["restartRequired"] != false {
			t.Fatalf("account = %s", got.raw)
		}
		mustNotLeak(t, got.raw, token)

		got = tb.call(apiToken, "DELETE", "/api/git/account", nil)
		if got.status != http.StatusConflict {
			t.Fatalf("removing the only identity answered %d: %s", got.status, got.raw)
		}
		mustContain(t, got.str("error"), "no GitHub App credentials")

		got = tb.api("POST", "/api/git/account", map[string]any{"token": token}, http.StatusOK) // the login comes from GitHub
		mustContain(t, got.raw, `"login":"`+login+`"`, `"restartRequired":false`)

		got = tb.api("POST", "/api/git/account", map[string]any{"appID": gh.AppID, "privateKey": pemKey}, http.StatusOK)
		secret, _ := got.body["secret"].(map[string]any)
		if secret["mode"] != "app" || got.body["restartRequired"] != true || got.str("mode") != "token" {
			t.Fatalf("after storing the app: %s", got.raw)
		}
		mustContain(t, got.str("note"), "restart", "rollout restart")
		mustNotLeak(t, got.raw, token, pemKey)

		got = tb.api("DELETE", "/api/git/account", nil, http.StatusOK)
		data := tb.secretData()
		if _, ok := data[config.SecretKeyToken]; ok {
			t.Fatal("the token is still in the Secret")
		}
		if string(data[config.SecretKeyPrivateKey]) != pemKey || string(data[config.SecretKeyWebhookSecret]) != webhookSecret {
			t.Fatal("DELETE lost the other keys")
		}
		mustContain(t, got.raw, `"keys":["app-id","private-key","webhook-secret"]`)
		mustNotLeak(t, got.raw, token, pemKey)
	})
}

func equalData(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if string(b[k]) != string(v) {
			return false
		}
	}
	return true
}
