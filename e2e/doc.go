// Package e2e drives Rigel as its users do: signed webhook payloads posted to the real HTTP
// endpoint, a real kube-apiserver and etcd, a real git server over HTTP and a fake GitHub that
// serves the real API's paths and shapes. Tests assert on the comments, reactions, cluster
// objects and registry ConfigMap that result.
package e2e
