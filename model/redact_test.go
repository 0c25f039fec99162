package model

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	known := []string{"hunter2-db-password", "line-one-of-key\nline-two-of-key"}
	for _, tc := range []struct{ name, in, keep string }{
		{"known value", "connecting with hunter2-db-password", "connecting with"},
		{"known base64", "pw=aHVudGVyMi1kYi1wYXNzd29yZA== ok", "ok"},
		{"known line", "read line-two-of-key from file", "read"},
		{"github token", "token ghs_abcdefghijklmnopqrstuvwxyz0123 used", "used"},
		{"fine-grained pat", "github_pat_11ABCDEFG0123456789_abcdefghijklmnop", ""},
		{"openai key", "key sk-proj-abcdefghijklmnop1234", "key"},
		{"aws key", "AKIAIOSFODNN7EXAMPLE", ""},
		{"jwt", "Authorization eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJlLXBhcnQ", ""},
		{"assignment", `DB_PASSWORD=swordfish retry`, "DB_PASSWORD="},
		{"json assignment", `{"api_key": "opensesame"}`, `"api_key": "`},
		{"bearer", "Authorization: Bearer abc.def", "Authorization: Bearer "},
		{"url password", "postgres://app:letmein@db:5432/x", "postgres://app:"},
		{"random", "seed Zq8xT2mP9vL4kR7wN3bY6cH1jF5gD0sA end", "end"},
		{"pem", "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Redact(tc.in, known)
			if !strings.Contains(got, Mask) || !strings.Contains(got, tc.keep) {
				t.Errorf("Redact(%q) = %q", tc.in, got)
			}
			for _, secret := range []string{"hunter2", "swordfish", "opensesame", "letmein", "ghs_", "sk-proj", "AKIA", "eyJ", "MIIEow", "Zq8xT2", "line-two", "abc.def"} {
				if strings.Contains(got, secret) {
					t.Errorf("Redact(%q) = %q keeps %q", tc.in, got, secret)
				}
			}
		})
	}
	for _, plain := range []string{"image: nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "memory: 128Mi", "Back-off restarting failed container app"} {
		if got := Redact(plain, known); got != plain {
			t.Errorf("Redact(%q) = %q, want it unchanged", plain, got)
		}
	}
}

func TestRedactedBounds(t *testing.T) {
	var logs strings.Builder
	for i := 0; i < 100; i++ {
		logs.WriteString("line \x1b[31mred\x1b[0m " + strings.Repeat("x", 100) + "\n")
	}
	c := Context{
		Manifest: strings.Repeat("a: b\n", 10000),
		Logs:     logs.String(),
		Events:   make([]string, 100),
		Request:  strings.Repeat("help ", 5000),
		Secrets:  []string{"never-sent-value"},
	}
	r := c.Redacted()
	if len(r.Manifest) > MaxManifest+3 || len(r.Request) > MaxRequest+3 || len(r.Events) != MaxEvents || len(r.Logs) > MaxLogs {
		t.Errorf("not bounded: manifest %d, request %d, events %d, logs %d", len(r.Manifest), len(r.Request), len(r.Events), len(r.Logs))
	}
	if n := strings.Count(r.Logs, "\n") + 1; n > MaxLogLines || strings.Contains(r.Logs, "\x1b") {
		t.Errorf("logs: %d lines, escapes kept: %q", n, r.Logs[:40])
	}
	b, _ := json.Marshal(r)
	if strings.Contains(string(b), "never-sent-value") || strings.Contains(string(b), "Secrets") {
		t.Errorf("the secrets travel with the context: %s", b[:100])
	}
}
