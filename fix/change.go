package fix

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/rigel-gitops/rigel/internal/linediff"
)

// Change is one file rewritten.
type Change struct {
	Path          string // relative to the repository root, slash-separated
	Before, After []byte
	Notes         []string // what people should know beyond the diff ("the request was lowered to the new limit"), Markdown: values through package untrusted
}

// PlaceError says an edit cannot be placed in the folder: Msg is for people and says why.
type PlaceError struct {
	Msg string
	Err error // the underlying error, when there is one
}

func (e *PlaceError) Error() string { return e.Msg }

func (e *PlaceError) Unwrap() error { return e.Err }

func placeErrorf(format string, args ...any) *PlaceError {
	return &PlaceError{Msg: fmt.Sprintf(format, args...)}
}

// UnifiedDiff renders changes as a unified diff with a/path and b/path headers and 3 lines of
// context, one file after another.
func UnifiedDiff(changes []Change) string {
	var b strings.Builder
	for _, c := range changes {
		b.WriteString(linediff.Unified(diffLines(c.Before), diffLines(c.After), "a/"+c.Path, "b/"+c.Path, 3))
	}
	return b.String()
}

// diffLines splits text into lines ending in "\n"; carriage returns are dropped so that a
// CRLF file reads like any other, and a last line without a newline is marked as git does.
func diffLines(data []byte) []string {
	if len(data) == 0 {
		return nil
	}
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		return lines[:len(lines)-1]
	}
	lines[len(lines)-1] += "\n\\ No newline at end of file\n"
	return lines
}

// WithChanges is fsys with the files of changes holding their new content: the repository
// tree after the fix, for rendering a folder (this deployment's or another's) as it would be.
func WithChanges(fsys fs.FS, changes []Change) fs.FS {
	files := make(map[string][]byte, len(changes))
	for _, c := range changes {
		files[c.Path] = c.After
	}
	return overlay{FS: fsys, files: files}
}
