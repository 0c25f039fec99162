// Package fault holds the error types Rigel's packages share, one per meaning, so that every
// floor (clients, engines, the service, the adapters) says "not found" and "invalid input" the
// same way: NotFound (fault.go) and Invalid. It imports nothing of Rigel: every package may use
// it. The refusals only the service knows (a stale preview, a held lock, a policy…) are package
// ops's (ops/refusals*.go).
package fault
