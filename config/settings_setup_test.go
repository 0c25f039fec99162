package config

import (
	"strings"
	"testing"
)

func TestCheckPublicURL(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{in: "https://rigel.example.com", want: "https://rigel.example.com"},
		{in: "https://rigel.example.com/", want: "https://rigel.example.com"},
		{in: " https://rigel.example.com:8443/gh/ ", want: "https://rigel.example.com:8443/gh"},
		{in: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{in: "http://localhost:8080/", want: "http://localhost:8080"},
		{in: "http://[::1]:8080", want: "http://[::1]:8080"},
		{in: "http://rigel.example.com", err: "plain http"},
		{in: "https://user:pw@rigel.example.com", err: "user or password"},
		{in: "https://rigel.example.com/?x=1", err: "query or a fragment"},
		{in: "https://rigel.example.com/#x", err: "query or a fragment"},
		{in: "rigel.example.com", err: "not an absolute https URL"},
		{in: "/api/github/hook", err: "not an absolute https URL"},
		{in: "ftp://rigel.example.com", err: "not an absolute https URL"},
		{in: "javascript:alert(1)", err: "not an absolute https URL"},
		{in: "", err: "not an absolute https URL"},
		{in: "https://%zz", err: "is not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := CheckPublicURL(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("CheckPublicURL(%q) = %q, %v; want an error with %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CheckPublicURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// TestNeedsSetup: setup mode is for no identity at all, and never for a Secret that could not
// be read; it checks every other setting, and a bad RIGEL_PUBLIC_URL.
func TestNeedsSetup(t *testing.T) {
	noServiceAccount(t)
	s, err := LoadSettings(testCtx(t), envFunc(map[string]string{"RIGEL_NAMESPACE": "rigel"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !s.NeedsSetup() {
		t.Fatal("no credentials: NeedsSetup is false")
	}
	if err := s.ValidateSetup(); err != nil {
		t.Fatalf("ValidateSetup: %v", err)
	}
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "no GitHub credentials") {
		t.Fatalf("Validate = %v, want the missing credentials", err)
	}
	bad := *s
	bad.PublicURL = "http://rigel.example.com"
	if err := bad.ValidateSetup(); err == nil || !strings.Contains(err.Error(), "RIGEL_PUBLIC_URL") {
		t.Fatalf("ValidateSetup with a plain http public URL = %v", err)
	}
	bad = *s
	bad.Workers = 0
	if err := bad.ValidateSetup(); err == nil || !strings.Contains(err.Error(), "RIGEL_WORKERS") {
		t.Fatalf("ValidateSetup with 0 workers = %v", err)
	}
	for name, set := range map[string]func(*Settings){
		"app id":        func(s *Settings) { s.AppID = 1 },
		"key":           func(s *Settings) { s.PrivateKey = []byte("x") },
		"token":         func(s *Settings) { s.Token = "t" },
		"login":         func(s *Settings) { s.TokenLogin = "l" },
		"unread Secret": func(s *Settings) { s.secretErr = errTest },
	} {
		c := *s
		set(&c)
		if c.NeedsSetup() {
			t.Errorf("%s set: NeedsSetup is true", name)
		}
	}
}

type testError string

func (e testError) Error() string { return string(e) }

const errTest = testError("forbidden")

// TestReloaded: the Secret's new credentials fill what is empty; the webhook secret read from
// the Secret at start is replaced, one from the environment is kept.
func TestReloaded(t *testing.T) {
	noServiceAccount(t)
	s, err := LoadSettings(testCtx(t), envFunc(map[string]string{"RIGEL_NAMESPACE": "rigel"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	key := testKey(t)
	data := map[string][]byte{SecretKeyAppID: []byte("77\n"), SecretKeyPrivateKey: key, SecretKeyWebhookSecret: []byte("new-secret")}
	s.WebhookSecret = "old-secret"
	got, err := s.Reloaded(data, true)
	if err != nil {
		t.Fatal(err)
	}
	if got.AppID != 77 || string(got.PrivateKey) != string(key) || got.WebhookSecret != "new-secret" {
		t.Errorf("reloaded: app %d, webhook secret replaced %v", got.AppID, got.WebhookSecret == "new-secret")
	}
	if s.AppID != 0 || s.WebhookSecret != "old-secret" {
		t.Error("Reloaded changed the settings it copied")
	}
	kept, err := s.Reloaded(data, false)
	if err != nil {
		t.Fatal(err)
	}
	if kept.WebhookSecret != "old-secret" {
		t.Error("a webhook secret from the environment was replaced by the Secret's")
	}
	if _, err := s.Reloaded(map[string][]byte{}, true); err == nil || !strings.Contains(err.Error(), "no GitHub credentials") {
		t.Errorf("an empty Secret: %v", err)
	}
	if _, err := s.Reloaded(map[string][]byte{SecretKeyAppID: []byte("77"), SecretKeyPrivateKey: []byte("nope"), SecretKeyWebhookSecret: []byte("x")}, true); err == nil || !strings.Contains(err.Error(), "private key") {
		t.Errorf("a broken key: %v", err)
	}
}
