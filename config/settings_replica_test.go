package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReplicaSettings(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "rigel.yaml")
	if err := os.WriteFile(file, []byte("identity: from-file\nleaseDuration: 15s\nshutdownGrace: 5s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		env          map[string]string
		identity     string
		lease, grace time.Duration
	}{
		{"defaults", nil, "", 30 * time.Second, 20 * time.Second},
		{"the pod's name", map[string]string{"POD_NAME": "rigel-7d9f8-x2k4q"}, "rigel-7d9f8-x2k4q", 30 * time.Second, 20 * time.Second},
		{"the file", map[string]string{"RIGEL_CONFIG": file, "POD_NAME": "pod"}, "from-file", 15 * time.Second, 5 * time.Second},
		{"the environment over the file", map[string]string{"RIGEL_CONFIG": file, "RIGEL_IDENTITY": "env", "RIGEL_LEASE_DURATION": "45s", "RIGEL_SHUTDOWN_GRACE": "0s"},
			"env", 45 * time.Second, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			noServiceAccount(t)
			s, err := LoadSettings(context.Background(), envFunc(tc.env), nil)
			if err != nil {
				t.Fatal(err)
			}
			if s.Identity != tc.identity || s.LeaseDuration != tc.lease || s.ShutdownGrace != tc.grace {
				t.Fatalf("identity %q, lease %s, grace %s; want %q, %s, %s", s.Identity, s.LeaseDuration, s.ShutdownGrace, tc.identity, tc.lease, tc.grace)
			}
			if !strings.Contains(mustRedactedJSON(t, s), `"leaseDuration":"`+tc.lease.String()+`"`) {
				t.Errorf("the logged settings lack the lease duration: %s", mustRedactedJSON(t, s))
			}
		})
	}
	t.Run("bad durations are refused", func(t *testing.T) {
		for _, env := range []map[string]string{{"RIGEL_LEASE_DURATION": "30"}, {"RIGEL_SHUTDOWN_GRACE": "soon"}} {
			if _, err := LoadSettings(context.Background(), envFunc(env), nil); err == nil || !strings.Contains(err.Error(), "is not a duration") {
				t.Errorf("LoadSettings(%v) = %v, want a duration error", env, err)
			}
		}
	})
}

func mustRedactedJSON(t *testing.T, s *Settings) string {
	t.Helper()
	b, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReplicaIdentity(t *testing.T) {
	if got := (&Settings{Identity: "rigel-a"}).ReplicaIdentity(); got != "rigel-a" {
		t.Fatalf("ReplicaIdentity = %q, want the setting", got)
	}
	a, b := (&Settings{}).ReplicaIdentity(), (&Settings{}).ReplicaIdentity()
	host, _ := os.Hostname()
	if a == b || !strings.HasPrefix(a, host+"-") {
		t.Fatalf("made-up identities %q and %q must start with the host name %q and differ", a, b, host)
	}
	if got := (&Settings{}).ReplicaLeaseDuration(); got != DefaultLeaseDuration {
		t.Fatalf("ReplicaLeaseDuration of unset settings = %s, want %s", got, DefaultLeaseDuration)
	}
}

func TestValidateReplica(t *testing.T) {
	tests := []struct {
		desc   string
		change func(*Settings)
		want   string
	}{
		{"short lease", func(s *Settings) { s.LeaseDuration = 500 * time.Millisecond }, "RIGEL_LEASE_DURATION must be at least 1s"},
		{"negative grace", func(s *Settings) { s.ShutdownGrace = -time.Second }, "RIGEL_SHUTDOWN_GRACE must not be negative"},
		{"identity with a space", func(s *Settings) { s.Identity = "rigel a" }, `RIGEL_IDENTITY "rigel a"`},
		{"no grace is fine", func(s *Settings) { s.ShutdownGrace = 0 }, ""},
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
		})
	}
}
