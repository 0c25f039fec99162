package ops

import (
	"fmt"
	"strings"
)

// The refusal of registering a deployment with jsonnet settings (issue 17, jsonnet.go) that
// are not valid, or that cannot apply to its folder. Nothing was changed. Words:
// words/jsonnet.go.

// BadJsonnet refuses jsonnet settings: names, sizes or lib folders that are not valid
// (config.Jsonnet.Problems), lib folders the repository does not have, or settings given for a
// folder whose render reads none (a Helm chart, a kustomization, no *.jsonnet file).
type BadJsonnet struct {
	Folder   string
	Name     string   // the deployment they were for
	Problems []string // each says what is wrong and what to write instead (untrusted: they quote the input)
	// At and Commit are where the folder was looked at; empty when the settings were refused
	// before (their own problems).
	At     Target
	Commit string
}

func (e *BadJsonnet) Error() string {
	return fmt.Sprintf("the jsonnet settings of %s are not valid: %s", e.Name, strings.Join(e.Problems, "; "))
}

// Refused marks BadJsonnet as a refusal.
func (e *BadJsonnet) Refused() {}
