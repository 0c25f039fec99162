package words

import (
	"fmt"
	"path"
	"strings"

	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
)

// The refusal of registering a deployment with jsonnet settings (issue 17,
// ops/refusals_jsonnet.go): what was wrong, where, and how to go on. Nothing was registered.

// sayBadJsonnet refuses jsonnet settings; each problem quotes the input, so it is shown as
// text.
func sayBadJsonnet(e *ops.BadJsonnet, h Hints) string {
	var b strings.Builder
	at := ""
	if e.Commit != "" {
		at = fmt.Sprintf(", on %s at `%s`", Label(e.At), ShortSHA(e.Commit))
	}
	fmt.Fprintf(&b, "the jsonnet settings for %s (folder %s%s) cannot be used, so nothing was registered:", Code(Short(e.Name)), Code(e.Folder), at)
	for _, p := range e.Problems {
		b.WriteString("\n- " + Text(p))
	}
	fmt.Fprintf(&b, "\n\n%s lists the folders that hold manifests.", h.Folders)
	return b.String()
}

// jsonnetUnset is what a jsonnet file's evaluation error says the deployment does not set
// ("a top-level argument", "an external variable"; "" for any other error).
func jsonnetUnset(pe *sync.ParseError) string {
	if path.Ext(pe.File) != sync.JsonnetExt {
		return ""
	}
	switch {
	case strings.Contains(pe.Msg, "Missing argument"):
		return "a top-level argument"
	case strings.Contains(pe.Msg, "Undefined external variable"):
		return "an external variable"
	}
	return ""
}

// sayJsonnetUnset refuses a folder whose *.jsonnet file needs a top-level argument or an
// external variable its deployment does not set: the file is fine, the settings are missing.
func sayJsonnetUnset(e *ops.RenderFailed, pe *sync.ParseError) string {
	return fmt.Sprintf("**%s** in `%s` needs %s that is not set (%s, `%s`): %s. Give it in the deployment's jsonnet settings: `--tla NAME=VALUE` or `--ext-var NAME=VALUE` of `/rigel add-deployment %s`, or `jsonnet` of `POST /api/git/sources/deployment` (a registered deployment: remove it and register it again with them). See docs/jsonnet.md.",
		Code(pe.File), e.Folder, jsonnetUnset(pe), Label(e.At), ShortSHA(e.Commit), Text(pe.Msg), e.Folder)
}
