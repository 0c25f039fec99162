package config

import (
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"time"
)

// Settings of a replica among several: who it is, how long its Leases last, how long it lets
// running commands finish when it stops.
const (
	DefaultLeaseDuration = 30 * time.Second
	DefaultShutdownGrace = 20 * time.Second
)

// applyReplicaFile reads identity, leaseDuration and shutdownGrace from the config file.
func (s *Settings) applyReplicaFile(path string, f *settingsFile) error {
	setStr(&s.Identity, f.Identity)
	for _, d := range []struct {
		key, val string
		dst      *time.Duration
	}{{"leaseDuration", f.LeaseDuration, &s.LeaseDuration}, {"shutdownGrace", f.ShutdownGrace, &s.ShutdownGrace}} {
		if d.val == "" {
			continue
		}
		v, err := time.ParseDuration(d.val)
		if err != nil {
			return fmt.Errorf("config file %s: %s: %w", path, d.key, err)
		}
		*d.dst = v
	}
	return nil
}

// applyReplicaEnv reads RIGEL_IDENTITY, RIGEL_LEASE_DURATION and RIGEL_SHUTDOWN_GRACE. An
// identity still unset is the pod's name (POD_NAME, from the downward API); when that is unset
// too, ReplicaIdentity makes one up at start.
func (s *Settings) applyReplicaEnv(getenv func(string) string) error {
	setStr(&s.Identity, strings.TrimSpace(getenv("RIGEL_IDENTITY")))
	if s.Identity == "" {
		s.Identity = strings.TrimSpace(getenv("POD_NAME"))
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"RIGEL_LEASE_DURATION", &s.LeaseDuration}, {"RIGEL_SHUTDOWN_GRACE", &s.ShutdownGrace}} {
		if v := getenv(d.name); v != "" {
			parsed, err := time.ParseDuration(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("%s %q is not a duration like 30s", d.name, v)
			}
			*d.dst = parsed
		}
	}
	return nil
}

// ReplicaIdentity is the Identity setting when set, else the host name and a random suffix,
// so that two processes on one host never share an identity.
func (s *Settings) ReplicaIdentity() string {
	if s.Identity != "" {
		return s.Identity
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "rigel"
	}
	return host + "-" + strings.ToLower(rand.Text()[:6])
}

// ReplicaLeaseDuration is LeaseDuration, or DefaultLeaseDuration when zero (settings not
// made by LoadSettings).
func (s *Settings) ReplicaLeaseDuration() time.Duration {
	if s.LeaseDuration == 0 {
		return DefaultLeaseDuration
	}
	return s.LeaseDuration
}

// replicaProblems checks the replica settings.
func (s *Settings) replicaProblems() []string {
	var problems []string
	if len(s.Identity) > 128 || strings.ContainsFunc(s.Identity, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		problems = append(problems, fmt.Sprintf("RIGEL_IDENTITY %q must be at most 128 characters without spaces", s.Identity))
	}
	if s.LeaseDuration != 0 && s.LeaseDuration < time.Second {
		problems = append(problems, fmt.Sprintf("RIGEL_LEASE_DURATION must be at least 1s, not %s", s.LeaseDuration))
	}
	if s.ShutdownGrace < 0 {
		problems = append(problems, fmt.Sprintf("RIGEL_SHUTDOWN_GRACE must not be negative, not %s", s.ShutdownGrace))
	}
	return problems
}
