package fix

import (
	"errors"
	"io/fs"

	"github.com/rigel-gitops/rigel/kube"
)

// Plan finds the workload's definition in folder of fsys (a repository tree at one commit,
// slash-separated paths relative to its root) and returns the files the edits rewrite, sorted
// by path. Edits that change nothing yield no Change; Plan returns an empty slice when nothing
// changes. A workload that is not in the folder, or an edit that cannot be placed, is a
// *PlaceError; an edit naming no container when the workload has several is a *UserError.
func Plan(fsys fs.FS, folder string, w kube.WorkloadRef, edits []Edit) ([]Change, error) {
	return nil, errors.New("fix.Plan: being written")
}
