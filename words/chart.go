package words

import (
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/ops"
)

// The refusals of registering a Helm chart deployment (issue 13, ops/refusals_chart.go):
// what was wrong, where, and how to go on. Nothing was registered.

// sayBadChart refuses chart settings that are not valid; each problem quotes the input, so it
// is shown as text.
func sayBadChart(e *ops.BadChart) string {
	var b strings.Builder
	fmt.Fprintf(&b, "the chart settings for %s (folder %s) are not valid, so nothing was registered:", Code(Short(e.Name)), Code(e.Folder))
	for _, p := range e.Problems {
		b.WriteString("\n- " + Text(p))
	}
	return b.String()
}

// sayNotAChart refuses chart settings for a folder without a chart.
func sayNotAChart(e *ops.NotAChart, h Hints) string {
	return fmt.Sprintf("`%s` on %s (`%s`) holds no Helm chart (no `%s`), so values files, release, namespace and set-file do not apply to it. Register it without them, or give the folder that holds `%s`; %s lists the folders and charts. Nothing was registered.",
		e.Folder, Label(e.At), ShortSHA(e.Commit), ops.ChartFile, ops.ChartFile, h.Folders)
}

// sayChartFileMissing refuses chart settings that name a file the repository does not have.
func sayChartFileMissing(e *ops.ChartFileMissing, h Hints) string {
	return fmt.Sprintf("the %s %s is not a file of the repository on %s (`%s`): Rigel looked for %s (paths are relative to the chart folder `%s`). Push it, or name a file that exists; %s lists each chart's values files. Nothing was registered.",
		Text(e.What), Code(e.File), Label(e.At), ShortSHA(e.Commit), Code(e.Path), e.Folder, h.Folders)
}
