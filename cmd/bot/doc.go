// Command bot runs Rigel: `bot` (or `bot serve`) serves the GitHub webhook; `bot diff PATH`
// and `bot apply PATH` preview or apply a local folder against the current kubeconfig.
// Wiring only: the parts live in their packages.
package main
