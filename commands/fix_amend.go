package commands

import (
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/words"
)

// renderFixAmended answers a `set` typed in a fix's own pull request: the pull request's
// branch has one more commit (ops/fix_amend.go, issue 16).
func renderFixAmended(p *ops.FixProposal, pull Pull) string {
	var b strings.Builder
	fmt.Fprintf(&b, "🔧 Amended #%d: one more commit on its branch %s (%s, on %s) sets %s for %s; no other pull request was opened. Nothing was applied to the cluster.",
		pull.Number, code(p.Head), code(shortSHA(p.Commit)), code(shortSHA(p.Base)), words.EditList(p.Edits), words.WorkloadName(p.Ref))
	if s := seenBlock(p.Diagnosis); s != "" { // a follow-up the model answered (fix_followup.go)
		b.WriteString(blockSep)
		b.WriteString(strings.TrimPrefix(s, "\n\n"))
	}
	b.WriteString(fixTail(p, pull))
	return b.String()
}

// fixTail ends the reply of a fix in a pull request: its warnings, the change, what to do next.
func fixTail(p *ops.FixProposal, pull Pull) string {
	return blockSep + words.FixWarnings(p) + changeDetails(p) + blockSep +
		fmt.Sprintf("**Next:** review and merge #%d, then `/rigel sync %s` previews it and `/rigel apply %s` applies it.", pull.Number, p.Deployment.Name, p.Deployment.Name)
}

// renderFixUnchangedInPull answers a fix asked in its own pull request whose branch has the
// edits already: nothing was pushed, the pull request stays as it is.
func renderFixUnchangedInPull(p *ops.FixProposal, head *ops.PullHead) string {
	return fmt.Sprintf("ℹ️ This pull request's branch %s (at %s) already sets %s for %s: nothing was pushed, and the pull request is as it was.%s\n\n**Next:** review and merge this pull request, then `/rigel sync %s` previews it and `/rigel apply %s` applies it.",
		code(head.Ref), code(shortSHA(head.SHA)), words.EditList(p.Edits), words.WorkloadName(p.Ref), seenBlock(p.Diagnosis), p.Deployment.Name, p.Deployment.Name)
}
