package config

import (
	"context"
	"strings"
	"testing"
)

func TestInternalListenAddr(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    string
		problem string // "" : valid
	}{
		{name: "default", want: ":9090"},
		{name: "from the environment", env: map[string]string{"RIGEL_INTERNAL_LISTEN": "127.0.0.1:9191"}, want: "127.0.0.1:9191"},
		{name: "same as the hook", env: map[string]string{"RIGEL_LISTEN": ":8080", "RIGEL_INTERNAL_LISTEN": ":8080"}, want: ":8080", problem: "port of their own"},
		{name: "same port, all hosts", env: map[string]string{"RIGEL_LISTEN": "127.0.0.1:8080", "RIGEL_INTERNAL_LISTEN": ":8080"}, want: ":8080", problem: "port of their own"},
		{name: "same port, other host", env: map[string]string{"RIGEL_LISTEN": "127.0.0.1:8080", "RIGEL_INTERNAL_LISTEN": "127.0.0.2:8080"}, want: "127.0.0.2:8080"},
		{name: "both pick a free port", env: map[string]string{"RIGEL_LISTEN": "127.0.0.1:0", "RIGEL_INTERNAL_LISTEN": "127.0.0.1:0"}, want: "127.0.0.1:0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			noServiceAccount(t)
			env := map[string]string{"RIGEL_WEBHOOK_SECRET": "hush", "RIGEL_GITHUB_TOKEN": "tok", "RIGEL_GITHUB_LOGIN": "bot"}
			for k, v := range tc.env {
				env[k] = v
			}
			s, err := LoadSettings(context.Background(), envFunc(env), nil)
			if err != nil {
				t.Fatal(err)
			}
			if s.InternalListenAddr != tc.want {
				t.Errorf("InternalListenAddr = %q, want %q", s.InternalListenAddr, tc.want)
			}
			err = s.Validate()
			switch {
			case tc.problem == "" && err != nil:
				t.Errorf("Validate: %v", err)
			case tc.problem != "" && (err == nil || !strings.Contains(err.Error(), tc.problem) || !strings.Contains(err.Error(), "RIGEL_INTERNAL_LISTEN")):
				t.Errorf("Validate = %v, want a problem naming RIGEL_INTERNAL_LISTEN and %q", err, tc.problem)
			}
		})
	}
	s := &Settings{ListenAddr: ":8080"}
	if p := s.listenersProblems(); len(p) != 1 || !strings.Contains(p[0], "RIGEL_INTERNAL_LISTEN") {
		t.Errorf("no internal address: problems %v, want one naming RIGEL_INTERNAL_LISTEN", p)
	}
}
