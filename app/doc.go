// Package app assembles Rigel from its parts: settings, the cluster client, the registry, git,
// the sync engine, GitHub clients, the webhook dispatcher and two HTTP servers (listeners.go):
// the webhook at /api/github/hook and /healthz on the one to expose, the HTTP API, /metrics,
// /readyz and /healthz on the internal one. cmd/bot, the end-to-end tests and the demo all start
// Rigel through it, so they run the same thing.
package app
