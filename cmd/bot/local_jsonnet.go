package main

import (
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// Jsonnet folders in `rigel diff` and `rigel apply` (issue 17): the *.jsonnet files of a folder
// render with the top-level arguments of --tla, the external variables of --ext-var and the
// lib folders of --jsonnet-lib (relative to the repository root), as a deployment's jsonnet
// settings in the registry (config.Jsonnet).

// jsonnetFlags are the jsonnet settings given on the command line.
type jsonnetFlags struct {
	tlas    []string // name=value
	extVars []string // name=value
	libs    []string // folders relative to the repository root
}

// settings are the renderer's jsonnet settings of the flags (nil when none is given).
func (j jsonnetFlags) settings(path string) (*sync.JsonnetSettings, error) {
	if len(j.tlas) == 0 && len(j.extVars) == 0 && len(j.libs) == 0 {
		return nil, nil
	}
	tlas, err := config.ParseJsonnetVars("--tla", j.tlas)
	if err != nil {
		return nil, err
	}
	ext, err := config.ParseJsonnetVars("--ext-var", j.extVars)
	if err != nil {
		return nil, err
	}
	js := config.Jsonnet{TLAs: tlas, ExtVars: ext, Libs: j.libs}
	if problems := js.Problems(); len(problems) > 0 {
		return nil, fmt.Errorf("the jsonnet settings of %s are not valid: %s", path, strings.Join(problems, "; "))
	}
	return &sync.JsonnetSettings{TLAs: tlas, ExtVars: ext, Libs: j.libs}, nil
}
