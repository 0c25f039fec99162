package config

import (
	"strings"
	"testing"
)

func TestModelProblems(t *testing.T) {
	for _, tc := range []struct {
		s    Settings
		want string
	}{
		{Settings{}, ""},
		{Settings{ModelURL: "https://api.example.test/v1", ModelName: "m", ModelKeyFile: "/k"}, ""},
		{Settings{ModelURL: "http://127.0.0.1:8000/v1", ModelName: "m"}, ""},
		{Settings{ModelName: "m"}, "need RIGEL_MODEL_URL"},
		{Settings{ModelURL: "https://api.example.test/v1"}, "needs RIGEL_MODEL_NAME"},
		{Settings{ModelURL: "ftp://x/", ModelName: "m"}, "not an http(s) URL"},
		{Settings{ModelURL: "https://user:sk-secret@api.example.test/v1", ModelName: "m"}, "must not hold credentials"},
		{Settings{ModelURL: "https://api.example.test/v1", ModelName: "m", ModelTimeout: -1}, "must be positive"},
	} {
		got := strings.Join(tc.s.modelProblems(), "; ")
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%+v: problems %q, want %q", tc.s, got, tc.want)
		}
		if strings.Contains(got, "sk-secret") {
			t.Errorf("a problem shows the URL's credentials: %s", got)
		}
	}
}

func TestSecretValues(t *testing.T) {
	s := Settings{WebhookSecret: "whsec-value", Token: "ghp-token-value", ModelName: "m"}
	got := strings.Join(s.SecretValues(), ",")
	if !strings.Contains(got, "whsec-value") || !strings.Contains(got, "ghp-token-value") || strings.Contains(got, ",m,") {
		t.Errorf("SecretValues = %q", got)
	}
}
