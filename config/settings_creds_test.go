package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCredsSettings(t *testing.T) {
	noServiceAccount(t)
	const repoSecret = "secret-of-acme-shop-0123"
	file := filepath.Join(t.TempDir(), "rigel.yaml")
	if err := os.WriteFile(file, []byte("gitURL: https://git.example.com/\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	secret := func(data map[string]string) SecretGetter {
		return func(context.Context, string, string) (map[string][]byte, error) {
			out := map[string][]byte{}
			for k, v := range data {
				out[k] = []byte(v)
			}
			return out, nil
		}
	}
	base := map[string]string{"webhook-secret": "whs", "token": "ghp_x", "login": "ops"}
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	tests := []struct {
		name        string
		env         map[string]string
		secret      map[string]string
		wantHost    string
		wantRepo    string // RepoWebhookSecret("Acme/Shop")
		wantLoad    string // LoadSettings error
		wantProblem string // Validate error
		wantWarning bool
	}{
		{name: "github.com by default", secret: base, wantHost: "https://github.com", wantRepo: "whs"},
		{name: "GHE: the host of the web URL", env: map[string]string{"RIGEL_GITHUB_API_URL": "https://ghe.example.com/api/v3/"}, secret: base, wantHost: "https://ghe.example.com", wantRepo: "whs"},
		{name: "RIGEL_GIT_URL", env: map[string]string{"RIGEL_GIT_URL": "https://git.example.com:8443/"}, secret: base, wantHost: "https://git.example.com:8443", wantRepo: "whs"},
		{name: "gitURL in the file", env: map[string]string{"RIGEL_CONFIG": file}, secret: base, wantHost: "https://git.example.com", wantRepo: "whs"},
		{name: "plain http is warned about", env: map[string]string{"RIGEL_GIT_URL": "http://git.internal"}, secret: base, wantHost: "http://git.internal", wantRepo: "whs", wantWarning: true},
		{name: "plain http on loopback is not", env: map[string]string{"RIGEL_GIT_URL": "http://127.0.0.1:8081"}, secret: base, wantHost: "http://127.0.0.1:8081", wantRepo: "whs"},
		{name: "a bad git URL", env: map[string]string{"RIGEL_GIT_URL": "https://u:p@github.com"}, secret: base, wantProblem: "the git host is not valid"},
		{name: "a trailing dot", env: map[string]string{"RIGEL_GIT_URL": "https://github.com."}, secret: base, wantProblem: "ends with a dot"},
		{name: "a repository's own secret", secret: with(map[string]string{"webhook-secret.acme.shop": repoSecret + "\n"}), wantHost: "https://github.com", wantRepo: repoSecret},
		{name: "another repository's secret is not this one's", secret: with(map[string]string{"webhook-secret.acme.shop2": repoSecret}), wantHost: "https://github.com", wantRepo: "whs"},
		{name: "a dotted repository name", secret: with(map[string]string{"webhook-secret.acme.shop.io": repoSecret}), wantHost: "https://github.com", wantRepo: "whs"},
		{name: "a key naming no repository", secret: with(map[string]string{"webhook-secret.acme": repoSecret}), wantLoad: "does not name a repository"},
		{name: "a short repository secret", secret: with(map[string]string{"webhook-secret.acme.shop": "short"}), wantProblem: "webhook secret of acme/shop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := LoadSettings(context.Background(), func(k string) string { return tt.env[k] }, secret(tt.secret))
			if tt.wantLoad != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantLoad) || strings.Contains(err.Error(), repoSecret) {
					t.Fatalf("LoadSettings = %v, want %q (without the secret)", err, tt.wantLoad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			verr := s.Validate()
			if tt.wantProblem != "" {
				if verr == nil || !strings.Contains(verr.Error(), tt.wantProblem) || strings.Contains(verr.Error(), "short") {
					t.Fatalf("Validate = %v, want %q (without the secret)", verr, tt.wantProblem)
				}
				return
			}
			if verr != nil {
				t.Fatal(verr)
			}
			if h, err := s.GitHost(); err != nil || h.String() != tt.wantHost {
				t.Errorf("GitHost = %v, %v; want %s", h, err, tt.wantHost)
			}
			if got := s.RepoWebhookSecret("Acme/Shop"); got != tt.wantRepo {
				t.Errorf("RepoWebhookSecret = %q, want %q", got, tt.wantRepo)
			}
			if w := s.GitHostWarning(); (w != "") != tt.wantWarning {
				t.Errorf("GitHostWarning = %q, want a warning: %v", w, tt.wantWarning)
			}
			if w := s.CredsWarnings(); strings.Contains(strings.Join(w, " "), "token mode with one webhook secret") != (len(s.RepoWebhookSecrets) == 0) {
				t.Errorf("CredsWarnings = %q: token mode without per-repository secrets must be warned about, and only then", w)
			}
		})
	}
}
