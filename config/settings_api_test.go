package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/fault"
)

func TestAPITokenSetting(t *testing.T) {
	const tok = "api-TOKEN-value-0123456789"
	s, err := LoadSettings(context.Background(), func(k string) string {
		return map[string]string{"RIGEL_API_TOKEN": tok}[k]
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.APIToken != tok {
		t.Fatalf("APIToken = %q, want RIGEL_API_TOKEN", s.APIToken)
	}
	var logged bytes.Buffer
	log := zerolog.New(&logged)
	log.Info().Object("settings", s).Msg("")
	js, _ := json.Marshal(s)
	for name, out := range map[string]string{"zerolog": logged.String(), "json": string(js), "%+v": fmt.Sprintf("%+v", s), "%#v": fmt.Sprintf("%#v", *s)} {
		if strings.Contains(out, tok) {
			t.Errorf("%s output leaks the API token: %s", name, out)
		}
	}
	if !strings.Contains(string(js), `"apiToken":"[redacted]"`) {
		t.Errorf("json does not say the API token is set: %s", js)
	}
}

func TestCredentialModeAndSecretCredentials(t *testing.T) {
	key := validApp(t).PrivateKey
	tests := []struct {
		name  string
		data  map[string][]byte
		mode  string
		login string
	}{
		{"app", map[string][]byte{SecretKeyAppID: []byte("12"), SecretKeyPrivateKey: key}, ModeApp, ""},
		{"token", map[string][]byte{SecretKeyToken: []byte(tokenValue), SecretKeyLogin: []byte("ops\n")}, ModeToken, "ops"},
		{"both: the app takes precedence", map[string][]byte{SecretKeyAppID: []byte("12"), SecretKeyPrivateKey: key, SecretKeyToken: []byte(tokenValue)}, ModeApp, ""},
		{"only a webhook secret", map[string][]byte{SecretKeyWebhookSecret: []byte(hookValue)}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := SecretCredentials("rigel", tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if s.CredentialMode() != tt.mode || s.TokenLogin != tt.login {
				t.Errorf("mode %q login %q, want %q %q", s.CredentialMode(), s.TokenLogin, tt.mode, tt.login)
			}
		})
	}
	if _, err := SecretCredentials("rigel", map[string][]byte{SecretKeyAppID: []byte("twelve")}); err == nil || strings.Contains(err.Error(), "twelve") {
		t.Errorf("a bad app id: %v (must fail without quoting it)", err)
	}
	if err := CheckPrivateKey([]byte("not a key")); err == nil {
		t.Error("CheckPrivateKey accepts garbage")
	}
	if err := CheckPrivateKey(key); err != nil {
		t.Errorf("CheckPrivateKey refuses an RSA key: %v", err)
	}
}

func TestValidateRepo(t *testing.T) {
	for _, tt := range []struct {
		repo Repo
		want string // "" = valid
	}{
		{Repo{Repo: "acme/shop", Branch: "main"}, ""},
		{Repo{Repo: "acme/shop.git-x_1", Branch: "release/v1", CloneURL: "https://github.com/acme/shop.git", InstallationID: 3}, ""},
		{Repo{Repo: "shop", Branch: "main"}, "owner/name"},
		{Repo{Repo: "acme/..", Branch: "main"}, "owner/name"},
		{Repo{Repo: "-acme/shop", Branch: "main"}, "owner/name"},
		{Repo{Repo: "acme/shop"}, "no branch"},
		{Repo{Repo: "acme/shop", Branch: "refs/heads/main"}, "without refs/heads/"},
		{Repo{Repo: "acme/shop", Branch: "a..b"}, "not a branch name"},
		{Repo{Repo: "acme/shop", Branch: "main", CloneURL: "ftp://x/y"}, "http(s)"},
		{Repo{Repo: "acme/shop", Branch: "main", CloneURL: "https://u:secret@github.com/acme/shop.git"}, "must not hold credentials"},
		{Repo{Repo: "acme/shop", Branch: "main", InstallationID: -1}, "positive"},
	} {
		t.Run(tt.repo.Repo+" "+tt.repo.Branch+" "+tt.want, func(t *testing.T) {
			err := ValidateRepo(tt.repo)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err = %v, want it to say %q", err, tt.want)
			case err != nil && strings.Contains(err.Error(), "secret@"):
				t.Fatalf("the error quotes credentials: %v", err)
			}
		})
	}
}

func TestPutAndRemoveRepo(t *testing.T) {
	s := &Sources{}
	if err := s.AddDeployment(Repo{Repo: "acme/shop", Branch: "main"}, Deployment{Name: "web", Path: "apps/web"}); err != nil {
		t.Fatal(err)
	}
	if s.PutRepo(Repo{Repo: "ACME/shop", Branch: "release", CloneURL: "https://x/acme/shop.git", InstallationID: 7}) {
		t.Fatal("PutRepo created a second entry for the same repo")
	}
	if r := s.FindRepo("acme/shop"); r.Branch != "release" || r.InstallationID != 7 || len(r.Deployments) != 1 {
		t.Fatalf("updated entry = %+v", r)
	}
	if !s.PutRepo(Repo{Repo: "acme/other", Branch: "main", Deployments: []Deployment{{Name: "x", Path: "x"}}}) || len(s.FindRepo("acme/other").Deployments) != 0 {
		t.Fatal("a new repo must be registered without deployments")
	}
	removed, err := s.RemoveRepo("Acme/Shop")
	if err != nil || removed.Repo != "acme/shop" || len(removed.Deployments) != 1 || s.FindRepo("acme/shop") != nil {
		t.Fatalf("RemoveRepo = %+v, %v", removed, err)
	}
	var nf *fault.NotFound
	if _, err := s.RemoveRepo("acme/shop"); !errors.As(err, &nf) || nf.Kind != KindRepository || nf.Name != "acme/shop" {
		t.Fatalf("removing a repo twice: err = %v, want a fault.NotFound of a repository", err)
	}
}
