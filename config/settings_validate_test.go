package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"
)

const (
	hookValue  = "hook-VALUE-9f8e7d"
	tokenValue = "ghp_TOKENVALUE1234567890"
)

func validApp(t *testing.T) *Settings {
	s := defaultSettings()
	s.Namespace, s.GitHubWebURL = "rigel", "https://github.com/"
	s.AppID, s.PrivateKey, s.WebhookSecret = 12, testKey(t), hookValue
	return s
}

func pkcs8(t *testing.T, ec bool) []byte {
	t.Helper()
	var k any
	if ec {
		e, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		k = e
	} else {
		block, _ := pem.Decode(testKey(t))
		r, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		k = r
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func TestValidate(t *testing.T) {
	garbledKey := []byte("-----BEGIN RSA PRIVATE KEY-----\nS0VZTUFURVJJQUwtc2VjcmV0LWJ5dGVz\n-----END RSA PRIVATE KEY-----\n")
	tests := []struct {
		desc   string
		change func(s *Settings)
		want   string // "" means valid
	}{
		{"app", func(s *Settings) {}, ""},
		{"app pkcs8", func(s *Settings) { s.PrivateKey = pkcs8(t, false) }, ""},
		{"token", func(s *Settings) { s.AppID, s.PrivateKey, s.Token, s.TokenLogin = 0, nil, tokenValue, "rigel-bot" }, ""},
		{"no webhook secret", func(s *Settings) { s.WebhookSecret = "" },
			"refusing to start: no webhook secret: set webhook-secret in Secret helmsman-github or RIGEL_WEBHOOK_SECRET"},
		{"no credentials", func(s *Settings) { s.AppID, s.PrivateKey = 0, nil }, "no GitHub credentials"},
		{"app id without key", func(s *Settings) { s.PrivateKey = nil }, "app id 12 is set but no private key"},
		{"key without app id", func(s *Settings) { s.AppID = 0 }, "a private key is set but no app id"},
		{"key not pem", func(s *Settings) { s.PrivateKey = []byte("KEYMATERIAL-secret-bytes") }, "is not PEM"},
		{"key garbled", func(s *Settings) { s.PrivateKey = garbledKey }, `is not an RSA private key (PEM block "RSA PRIVATE KEY"`},
		{"key not rsa", func(s *Settings) { s.PrivateKey = pkcs8(t, true) }, "is a *ecdsa.PrivateKey, not an RSA key"},
		{"token without login", func(s *Settings) { s.AppID, s.PrivateKey, s.Token = 0, nil, tokenValue }, "a token is set but not the login"},
		{"login without token", func(s *Settings) { s.AppID, s.PrivateKey, s.TokenLogin = 0, nil, "bot" }, "a login is set but no token"},
		{"bad namespace", func(s *Settings) { s.Namespace = "Rigel_NS" }, `namespace "Rigel_NS" is not valid`},
		{"bad api url", func(s *Settings) { s.GitHubAPIURL = "api.github.com" }, `RIGEL_GITHUB_API_URL "api.github.com" is not an http(s) URL`},
		{"workers", func(s *Settings) { s.Workers = 0 }, "RIGEL_WORKERS must be at least 1, not 0"},
		{"apply wait", func(s *Settings) { s.ApplyWait = -time.Second }, "RIGEL_APPLY_WAIT must be positive"},
		{"hook timeout", func(s *Settings) { s.HookTimeout = -time.Second }, "RIGEL_HOOK_TIMEOUT must be positive"},
		{"log level", func(s *Settings) { s.LogLevel = "loud" }, `RIGEL_LOG_LEVEL "loud"`},
		{"permissions", func(s *Settings) { s.Permissions = map[string]string{"apply": "maintain", "help": "none"} }, ""},
		{"permission for no command", func(s *Settings) { s.Permissions = map[string]string{"deploy": "write"} },
			`RIGEL_PERMISSIONS names "deploy", which is not a command (add-deployment, apply, diff, fix, help, history, link, list, policy, remove-deployment, rollback, sync, unlink)`},
		{"unknown level", func(s *Settings) { s.Permissions = map[string]string{"apply": "owner"} },
			`RIGEL_PERMISSIONS gives apply the level "owner", which is not one of none, read, triage, write, maintain, admin`},
		{"several", func(s *Settings) { s.WebhookSecret, s.Workers = "", 0 }, "refusing to start: no webhook secret: set webhook-secret in Secret helmsman-github or RIGEL_WEBHOOK_SECRET; "},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			s := validApp(t)
			tt.change(s)
			err := s.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "refusing to start: ") {
				t.Fatalf("error does not say the bot refuses to start: %v", err)
			}
			for _, secret := range []string{hookValue, tokenValue, "KEYMATERIAL", "S0VZTUFURVJJQUwtc2VjcmV0LWJ5dGVz", "BEGIN RSA PRIVATE KEY-----\nMII"} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error leaks a secret (%q): %v", secret, err)
				}
			}
			if len(s.PrivateKey) > 60 && strings.Contains(err.Error(), string(s.PrivateKey[40:60])) {
				t.Fatalf("error leaks the private key: %v", err)
			}
		})
	}
}

func TestRequiredPermission(t *testing.T) {
	s := &Settings{Permissions: map[string]string{"apply": "maintain"}}
	for _, tc := range []struct{ cmd, want string }{
		{"apply", "maintain"}, {"sync", "write"}, {"help", "read"}, {"diff", "read"}, {"add-deployment", "write"},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			if got := s.RequiredPermission(tc.cmd); got != tc.want {
				t.Fatalf("RequiredPermission(%s) = %q, want %q", tc.cmd, got, tc.want)
			}
		})
	}
	if LevelRank("none") >= LevelRank("read") || LevelRank("triage") >= LevelRank("write") || LevelRank("maintain") >= LevelRank("admin") || LevelRank("owner") != -1 {
		t.Fatal("levels are not ordered none<read<triage<write<maintain<admin")
	}
}
