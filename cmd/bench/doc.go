// Command bench (make bench) measures Rigel's diff and apply of a 200-object folder against
// kubectl diff and kubectl apply --server-side on the same local kube-apiserver, beside the
// floor: the same objects sent as bare server-side-apply dry-run requests with the same
// concurrency and nothing else. Each contender runs as its own process, so wall time and peak
// memory (max RSS) are measured the same way for all.
package main
