package ops

import "fmt"

// RenderFailed refuses a folder that does not render at a commit: Err is a *sync.ParseError
// (a manifest that does not parse: file and line), a *sync.PathError (a path the folder may
// not use, and why), fs.ErrNotExist (no such folder), or another rendering error. Nothing
// was changed.
type RenderFailed struct {
	Folder string
	At     Target
	Commit string // the commit rendered
	Err    error
}

func (e *RenderFailed) Error() string {
	return fmt.Sprintf("folder %s at %s cannot be rendered: %v", e.Folder, e.Commit, e.Err)
}

// Unwrap is the rendering error.
func (e *RenderFailed) Unwrap() error { return e.Err }

// Refused marks RenderFailed as a refusal.
func (e *RenderFailed) Refused() {}
