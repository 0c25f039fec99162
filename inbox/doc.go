// Package inbox holds the deliveries Rigel has accepted until they have run: a queue bounded
// by bytes (not by count) that takes turns between installations, so a burst from one busy
// installation neither fills the memory of the replica nor starves the others
// (queue.go, scheduler.go); and the journal that records each delivery in the apiserver
// before it is answered (journal.go, in batches: group commit), so that when its replica
// dies another replica finds it and runs it (adopt.go). Each command still runs once: the
// handlers' shared dedupe (handlers.Deliveries, kube.Seen) skips an event already run.
// See ../shared/DESIGN.md and issue 14.
package inbox
