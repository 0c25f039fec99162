package words

import (
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/ops"
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
