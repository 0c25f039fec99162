package config

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func TestCommentSettings(t *testing.T) {
	noServiceAccount(t)
	const markerValue = "marker-KEY-0123456789abcdef"
	secret := func(data map[string]string) SecretGetter {
		return func(context.Context, string, string) (map[string][]byte, error) {
			out := map[string][]byte{}
			for k, v := range data {
				out[k] = []byte(v)
			}
			return out, nil
		}
	}
	file := filepath.Join(t.TempDir(), "rigel.yaml")
	if err := os.WriteFile(file, []byte("commandRate: 0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		env         map[string]string
		secret      map[string]string
		wantKey     string
		wantRate    int
		wantProblem string
	}{
		{"defaults", nil, nil, "", DefaultCommandRate, ""},
		{"from the environment", map[string]string{"RIGEL_MARKER_KEY": markerValue, "RIGEL_COMMAND_RATE": "5"}, nil, markerValue, 5, ""},
		{"from the Secret", nil, map[string]string{SecretKeyMarkerKey: markerValue + "\n"}, markerValue, DefaultCommandRate, ""},
		{"the environment over the Secret", map[string]string{"RIGEL_MARKER_KEY": markerValue}, map[string]string{SecretKeyMarkerKey: "another-key-of-the-secret"}, markerValue, DefaultCommandRate, ""},
		{"the file turns the limit off", map[string]string{"RIGEL_CONFIG": file}, nil, "", 0, ""},
		{"a short key", map[string]string{"RIGEL_MARKER_KEY": "short"}, nil, "short", DefaultCommandRate, "must be at least 16 characters"},
		{"a negative rate", map[string]string{"RIGEL_COMMAND_RATE": "-1"}, nil, "", -1, "RIGEL_COMMAND_RATE must be 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := LoadSettings(context.Background(), envFunc(tc.env), secret(tc.secret))
			if err != nil {
				t.Fatal(err)
			}
			if s.MarkerKey != tc.wantKey || s.CommandRate != tc.wantRate {
				t.Fatalf("marker key set %v, rate %d; want %v, %d", s.MarkerKey != "", s.CommandRate, tc.wantKey != "", tc.wantRate)
			}
			problems := strings.Join(s.commentsProblems(), "\n")
			if tc.wantProblem == "" && problems != "" || !strings.Contains(problems, tc.wantProblem) {
				t.Fatalf("problems = %q, want %q", problems, tc.wantProblem)
			}
			if strings.Contains(problems, "short") {
				t.Fatalf("a problem quotes the key: %s", problems)
			}
		})
	}
	if _, err := LoadSettings(context.Background(), envFunc(map[string]string{"RIGEL_COMMAND_RATE": "many"}), nil); err == nil || !strings.Contains(err.Error(), "RIGEL_COMMAND_RATE") {
		t.Fatalf("a rate that is not a number: %v", err)
	}
}

func TestMarkerKeyBytes(t *testing.T) {
	key := func(s *Settings) string { return fmt.Sprintf("%x", s.MarkerKeyBytes()) }
	base := func() *Settings {
		return &Settings{WebhookSecret: hookValue, PrivateKey: []byte("pem"), Token: tokenValue}
	}
	fromHook := key(base())
	if len(fromHook) != 64 || strings.Contains(fromHook, fmt.Sprintf("%x", hookValue)) {
		t.Fatalf("derived key %q", fromHook)
	}
	explicit := base()
	explicit.MarkerKey = "marker-KEY-0123456789abcdef"
	noHook := base()
	noHook.WebhookSecret = ""
	onlyToken := &Settings{Token: tokenValue}
	rotated := base()
	rotated.WebhookSecret = "hook-rotated"
	keys := map[string]string{"webhook secret": fromHook, "explicit": key(explicit), "private key": key(noHook), "token": key(onlyToken), "rotated": key(rotated)}
	seen := map[string]string{}
	for name, k := range keys {
		if other, ok := seen[k]; ok {
			t.Fatalf("%s and %s give the same key", name, other)
		}
		seen[k] = name
	}
	if key(base()) != fromHook {
		t.Fatal("the derived key is not stable")
	}
	if (&Settings{}).MarkerKeyBytes() != nil {
		t.Fatal("a key from no secret")
	}
}

func TestMarkerKeyRedacted(t *testing.T) {
	const markerValue = "marker-KEY-0123456789abcdef"
	s := validApp(t)
	s.MarkerKey = markerValue
	var logged bytes.Buffer
	log := zerolog.New(&logged)
	log.Info().Object("settings", s).Msg("x")
	js, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"zerolog": logged.String(), "json": string(js), "%v": fmt.Sprintf("%v", s), "%#v": fmt.Sprintf("%#v", *s)} {
		if strings.Contains(out, markerValue) {
			t.Errorf("%s output leaks the marker key:\n%s", name, out)
		}
	}
	if !strings.Contains(string(js), `"markerKey":"[redacted]"`) || !strings.Contains(logged.String(), `"markerKey":"[redacted]"`) {
		t.Errorf("the marker key is not shown as redacted: %s / %s", js, logged.String())
	}
}
