// Command measured runs one command of the bench and reports its wall time and peak RSS:
// `measured RESULT PROG [ARGS…]` runs PROG with ARGS on its own stdio, writes
// "WALL_NS PEAK_RSS_KIB" of it into RESULT, and exits with its exit code.
//
// It is the parent the bench measures a command from (cmd/bench/measure.go), and it is small
// on purpose: Go starts a child with vfork, so until the child's exec its memory is its
// parent's, and the kernel counts the parent's peak RSS into the child's. This program
// imports next to nothing, so its own peak (a few MiB) is below any command measured.
package main
