// Package app assembles Rigel from its parts: settings, the cluster client, the registry, git,
// the sync engine, GitHub clients, the webhook dispatcher and the HTTP server (the webhook at
// /api/github/hook and /healthz on one listener, the HTTP API, /metrics, /readyz and /healthz on
// another: listeners.go). cmd/bot, the end-to-end tests and the demo
// all start Rigel through it, so they run the same thing.
package app
