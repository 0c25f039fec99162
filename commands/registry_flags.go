package commands

import (
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/config"
)

// What cluster admins set on a deployment besides its policy (issues 11, 12): prune,
// applyOn (and a push's report), driftIssue. `/rigel list` and `/rigel policy` show them where set.

// adminFlags are the settings of d that cluster admins set, each as `key: value` and what it
// does; none when all are at their defaults.
func adminFlags(d config.Deployment) []string {
	var out []string
	if d.Prune {
		out = append(out, "`prune: true` (every apply deletes what the folder no longer renders)")
	}
	switch d.ApplyOn {
	case config.ApplyOnCommand:
	case config.ApplyOnMerge:
		out = append(out, "`applyOn: merge` (the merge of an approved pull request also applies it)")
	case config.ApplyOnPush:
		where := "a comment on the pushed commit"
		if n := config.ReportIssue(d.Report); n > 0 {
			where = fmt.Sprintf("a comment on issue #%d", n)
		}
		out = append(out, "`applyOn: push` (a push to its branch that changes its inputs applies it; the outcome: "+where+")")
	default:
		out = append(out, "applyOn: "+code(d.ApplyOn))
	}
	if d.DriftIssue {
		out = append(out, "`driftIssue: true` (a tracking issue while it drifts)")
	}
	return out
}

// adminFlagsNote is the list's line per deployment with settings of cluster admins ("" when
// none has any).
func adminFlagsNote(deps []config.Deployment) string {
	var b strings.Builder
	for _, d := range deps {
		if f := adminFlags(d); len(f) > 0 {
			fmt.Fprintf(&b, "- %s: %s\n", code(d.Name), strings.Join(f, ", "))
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "\nSet by cluster admins in the registry:\n\n" + b.String()
}

// adminFlagsPolicy is the policy's paragraph on d's settings of cluster admins ("" when none).
func adminFlagsPolicy(d config.Deployment) string {
	f := adminFlags(d)
	if len(f) == 0 {
		return ""
	}
	return fmt.Sprintf("**Also set by cluster admins** for %s in the registry: %s.\n\n", code(d.Name), strings.Join(f, ", "))
}
