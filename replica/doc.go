// Package replica coordinates Rigel's replicas through Leases in its namespace: a
// deployment's apply lock (lock.go), the record of each running command (record.go, signed by
// record_mac.go), the sweeper that finds the commands a dead replica left unfinished
// (sweep.go), and the causes a command is stopped with (causes.go). Every Lease is held
// through one block (Leases.Hold, hold.go), except pull requests' holds on deployments
// (pull_hold.go, pull_hold_store.go), which are not renewed and last until given back. It imports only kube, config and fault; the
// service (package ops), the adapters and the wiring (package app) use it. Leader election
// and the drain on shutdown are wired in package app.
package replica
