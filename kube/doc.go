// Package kube is Rigel's access to the cluster: a dynamic client with a REST mapper that
// refreshes itself when a kind is unknown, typed clients for ConfigMaps and Secrets, and the
// settings (high QPS, HTTP/2) that let many server-side-apply requests run at once, and
// Leases (lease.go) that replicas take, renew and give back to run one thing at a time. It
// also keeps Rigel's own records in its namespace, shared by the replicas: the events already
// run (seen.go), the deliveries accepted and not run yet (inbox.go), and which failed
// deliveries the leader asked GitHub to redeliver (redeliveries.go).
package kube
