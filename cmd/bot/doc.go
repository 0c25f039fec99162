// Command rigel (built from this folder, cmd/bot) runs Rigel: `rigel serve` serves the GitHub
// webhook and the HTTP API; `rigel diff PATH` and `rigel apply PATH` preview or apply a local
// folder with the operator's kubeconfig (kubectl's flags: --kubeconfig, --context, -n…);
// `rigel version` says which Rigel it is; `rigel completion SHELL` writes a completion script.
// Built with cobra; the exit codes are in exit.go and docs/cli.md. Wiring only: the parts live
// in their packages.
package main
