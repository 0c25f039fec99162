// Package replica coordinates Rigel's replicas through Leases in its namespace: a
// deployment's apply lock, the record of each running command, the sweeper that reports the
// commands a dead replica left unfinished, leader work, and the drain on shutdown. Every
// Lease is held through one block (Leases.Hold). It imports only kube (and fault); the service
// (package ops) and the wiring use it.
package replica
