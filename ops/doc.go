// Package ops is what Rigel can do, whichever way a request comes in: register and forget
// deployments and repositories, preview one, apply exactly a preview, link and unlink
// workloads, propose a fix, show a policy. Each operation takes values (who asks and where,
// what to do) and returns a typed result, or a typed refusal that carries the facts an adapter
// needs to word it (refusals*.go) — never Markdown: the adapters (commands for comments, api
// for HTTP, words for the wording they share) render results and refusals in their own terms.
//
// The service owns small interfaces of what it needs (needs.go): a Registry, a Source of
// commits, a Planner, Workloads, a Locker and a Forge; the wiring (package app) plugs in
// config.Registry, gitsrc.Source, sync.Engine, kube.Client, replica.Leases and githubclient.
// Tests use fakes of them (no cluster, no git server).
//
// Data flows one way: adapters → ops → engines (sync, fix, policy) and coordination (replica)
// → clients (kube, gitsrc, githubclient, config). See docs/architecture.md.
package ops
