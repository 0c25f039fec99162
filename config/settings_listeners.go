package config

import (
	"fmt"
	"net"
)

// Rigel's two listeners (issue 18): ListenAddr serves only what GitHub must reach, the webhook
// (and /healthz for probes); InternalListenAddr serves the HTTP API, /metrics, /readyz and
// /healthz, for the cluster only. Only ListenAddr is to be exposed.

// DefaultInternalListenAddr is where the HTTP API and the metrics are served by default.
const DefaultInternalListenAddr = ":9090"

// listenersProblems checks that the two listeners are set and differ: the API on the hook's
// port would expose it with the hook.
func (s *Settings) listenersProblems() []string {
	if s.InternalListenAddr == "" {
		return []string{"no internal listen address (the HTTP API and /metrics): set RIGEL_INTERNAL_LISTEN, e.g. " + DefaultInternalListenAddr}
	}
	if samePort(s.ListenAddr, s.InternalListenAddr) {
		return []string{fmt.Sprintf("RIGEL_INTERNAL_LISTEN %q is the webhook's address (RIGEL_LISTEN %q): the HTTP API and /metrics must be served on a port of their own, not exposed with the webhook", s.InternalListenAddr, s.ListenAddr)}
	}
	return nil
}

// samePort says whether two listen addresses name the same fixed port on overlapping hosts
// (port 0 picks a free port: never the same).
func samePort(a, b string) bool {
	ha, pa, errA := net.SplitHostPort(a)
	hb, pb, errB := net.SplitHostPort(b)
	if errA != nil || errB != nil {
		return a == b
	}
	if pa != pb || pa == "0" {
		return false
	}
	return ha == hb || ha == "" || hb == "" || ha == "0.0.0.0" || hb == "0.0.0.0" || ha == "::" || hb == "::"
}
