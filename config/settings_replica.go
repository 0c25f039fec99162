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
