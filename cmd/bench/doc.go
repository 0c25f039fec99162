// Command bench (make bench) measures Rigel's diff and apply of a 200-object folder against
// kubectl diff and kubectl apply --server-side on the same local kube-apiserver, beside the
// floor: the same objects sent as bare server-side-apply dry-run requests with the same
// concurrency and nothing else. Each contender runs as its own process, under a small parent
// that measures it (cmd/bench/measured, measure.go), so wall time and peak memory (max RSS)
// are measured the same way for all, and the peak is the contender's own.
//
// `go run ./cmd/bench bigdiff` (issue 14) prints only the big object figure: the diff of a
// 20,000-line object with every 4th line changed, Rigel's beside go-difflib's (bigdiff.go).
//
// `go run ./cmd/bench helm` (issue 13) prints only the chart figure: render + diff of a Helm
// chart of 100 objects against the same objects as a plain folder, in process (helm.go).
package main
