package config

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// RIGEL_ALLOW_FORK_PREVIEW (allowForkPreview): closed by default, set by the file, the
// environment over the file, refused when not a boolean, and shown in the redacted settings.
func TestAllowForkPreviewSetting(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "rigel.yaml")
	if err := os.WriteFile(file, []byte("allowForkPreview: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc string
		env  map[string]string
		want bool
		err  string
	}{
		{desc: "default closed", want: false},
		{desc: "file", env: map[string]string{"RIGEL_CONFIG": file}, want: true},
		{desc: "env over file", env: map[string]string{"RIGEL_CONFIG": file, "RIGEL_ALLOW_FORK_PREVIEW": "false"}, want: false},
		{desc: "env", env: map[string]string{"RIGEL_ALLOW_FORK_PREVIEW": "true"}, want: true},
		{desc: "not a boolean", env: map[string]string{"RIGEL_ALLOW_FORK_PREVIEW": "forks"}, err: `RIGEL_ALLOW_FORK_PREVIEW "forks" is not true or false`},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			noServiceAccount(t)
			s, err := LoadSettings(context.Background(), func(k string) string { return tt.env[k] }, nil)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.AllowForkPreview != tt.want {
				t.Fatalf("AllowForkPreview = %v, want %v", s.AllowForkPreview, tt.want)
			}
			js, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			var shown map[string]any
			if err := json.Unmarshal(js, &shown); err != nil {
				t.Fatal(err)
			}
			if shown["allowForkPreview"] != tt.want {
				t.Fatalf("redacted settings show allowForkPreview = %v, want %v: %s", shown["allowForkPreview"], tt.want, js)
			}
		})
	}
}
