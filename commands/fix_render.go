package commands

import (
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/words"
)

// maxReplyDiff bounds the diff in a reply; the PR's "Files changed" tab always has all of it.
const maxReplyDiff = 50000

const setForms = "`/rigel fix %s set memory=512Mi` (also `image=nginx:1.27`, `cpu=500m`, `replicas=3`, `env.LOG_LEVEL=debug`; `--container NAME` when there are several)"

// renderNoFix answers a diagnosis that proposes nothing: what was seen, and the explicit forms.
func renderNoFix(ref kube.WorkloadRef, d *fix.Diagnosis) string {
	var b strings.Builder
	fmt.Fprintf(&b, "🔍 Rigel found nothing it has a fix for on %s. Nothing was changed.", words.WorkloadName(ref))
	b.WriteString(blockSep)
	if len(d.Findings) == 0 {
		b.WriteString("**What Rigel saw:** nothing out of the ordinary.")
	} else {
		b.WriteString("**What Rigel saw:**\n")
		for _, f := range d.Findings {
			b.WriteString("\n- " + f.Markdown())
		}
	}
	b.WriteString(blockSep)
	fmt.Fprintf(&b, "**Next:** to change the manifest through a pull request yourself: "+setForms+".", words.Typed(ref))
	return b.String()
}

// renderFixUnchanged answers edits the manifest already has.
func renderFixUnchanged(p *ops.FixProposal) string {
	return fmt.Sprintf("ℹ️ %s already has %s in folder %s (deployment %s, branch %s at %s): the fix changes nothing, so no pull request was opened.%s\n\n**Next:** `/rigel diff %s` shows whether the cluster differs from the folder.",
		words.WorkloadName(p.Ref), words.EditList(p.Edits), code(p.Deployment.Path), code(p.Deployment.Name), code(p.Branch), code(shortSHA(p.Base)),
		seenBlock(p.Diagnosis), p.Deployment.Name)
}

// renderFixExisting answers a fix already proposed by an open pull request.
func renderFixExisting(p *ops.FixProposal, pull Pull) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ℹ️ This fix of %s is already proposed: [#%d](%s) (branch %s at %s, one commit by Rigel on %s) holds the same change, so no new pull request was opened.", words.WorkloadName(p.Ref), pull.Number, pull.URL, code(p.Head), code(shortSHA(p.Commit)), code(shortSHA(p.Base)))
	b.WriteString(fixTail(p, pull))
	return b.String()
}

// renderFixOpened answers a fix proposed in a new pull request.
func renderFixOpened(p *ops.FixProposal, pull Pull) string {
	var b strings.Builder
	fmt.Fprintf(&b, "🔧 Opened [#%d](%s) to fix %s: %s. Nothing was applied to the cluster.", pull.Number, pull.URL, words.WorkloadName(p.Ref), words.EditList(p.Edits))
	if s := seenBlock(p.Diagnosis); s != "" {
		b.WriteString(blockSep)
		b.WriteString(strings.TrimPrefix(s, "\n\n"))
	}
	b.WriteString(fixTail(p, pull))
	return b.String()
}

// seenBlock lists a diagnosis' findings and rule ("" for explicit edits).
func seenBlock(d *fix.Diagnosis) string {
	if d == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n\n**What Rigel saw:**\n\n")
	for _, f := range d.Findings {
		b.WriteString("- " + f.Markdown() + "\n")
	}
	if d.Rule != "" {
		b.WriteString("\n**Rule:** " + d.Rule + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func changeDetails(p *ops.FixProposal) string {
	return words.ChangeNotes(p) + fmt.Sprintf("<details><summary>The change: %s</summary>\n\n%s\n</details>", words.ChangeSummary(p), untrusted.MarkdownBlock("diff", fix.UnifiedDiff(p.Changes), maxReplyDiff))
}
