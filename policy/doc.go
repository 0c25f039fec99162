// Package policy enforces a deployment's policy (config.Policy: allowed namespaces, whether
// cluster-scoped objects are allowed, refused kinds) and the escalation guard (escalation.go:
// what would let a writer of a folder act past Rigel, refused unless the cluster admin opens
// it) on a plan. Check is the one place the
// rules are applied: every preview (diff, sync) and every apply runs it on the fresh plan,
// and a plan with violations is never applied.
package policy
