package words

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
)

// renderFailed says what is wrong with a folder that does not render, where, and how to fix it.
func renderFailed(e *ops.RenderFailed, h Hints) string {
	var pe *sync.ParseError
	var pathErr *sync.PathError
	folder, at, commit := e.Folder, Label(e.At), ShortSHA(e.Commit)
	switch {
	case errors.As(e.Err, &pe) && jsonnetUnset(pe) != "": // issue 17: words/jsonnet.go
		return sayJsonnetUnset(e, pe)
	case errors.As(e.Err, &pe):
		return fmt.Sprintf("a manifest in `%s` does not parse (%s, `%s`): **%s** line %d: %s. Fix the file and push, then run the command again.", folder, at, commit, Code(pe.File), pe.Line, Text(pe.Msg))
	case errors.As(e.Err, &pathErr):
		return fmt.Sprintf("%s on %s (`%s`): %s. %s lists the folders that hold manifests.", Code(pathErr.Path), at, commit, Text(strings.TrimSuffix(pathErr.Reason, ".")), h.Folders)
	case errors.Is(e.Err, fs.ErrNotExist):
		return fmt.Sprintf("there is no folder `%s` on %s (`%s`). %s lists the folders that hold manifests.", folder, at, commit, h.Folders)
	}
	return fmt.Sprintf("`%s` on %s (`%s`) cannot be rendered: %s", folder, at, commit, Text(e.Err.Error()))
}
