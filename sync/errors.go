package sync

import "fmt"

// PathError reports a deployment folder that cannot be used: absolute, escaping the
// repository, missing, not a directory, or reached through a symlink.
type PathError struct {
	Path   string // the path as given
	Reason string // human readable, e.g. "it escapes the repository root"
}

func (e *PathError) Error() string {
	return fmt.Sprintf("invalid path %q: %s", e.Path, e.Reason)
}

// ParseError reports a manifest that cannot be read. Line is the line in the file (1-based;
// 0 when unknown), counted from the start of the file even in a multi-document file.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s line %d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}
