package commands

import (
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/kube"
)

// maxPullDiff bounds the diff in a pull request's body (GitHub allows 65536 characters), and
// maxReplyDiff in a reply; the PR's "Files changed" tab always has all of it.
const (
	maxPullDiff  = 50000
	maxReplyDiff = 50000
)

const setForms = "`/rigel fix %s set memory=512Mi` (also `image=nginx:1.27`, `cpu=500m`, `replicas=3`, `env.LOG_LEVEL=debug`; `--container NAME` when there are several)"

func workloadName(ref kube.WorkloadRef) string {
	return fmt.Sprintf("%s `%s` in namespace `%s`", ref.Kind, ref.Name, ref.Namespace)
}

// renderNoFix answers a diagnosis that proposes nothing: what was seen, and the explicit forms.
func renderNoFix(ref kube.WorkloadRef, d *fix.Diagnosis) string {
	var b strings.Builder
	fmt.Fprintf(&b, "🔍 Rigel found nothing it has a fix for on %s. Nothing was changed.", workloadName(ref))
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
	fmt.Fprintf(&b, "**Next:** to change the manifest through a pull request yourself: "+setForms+".", typed(ref))
	return b.String()
}

// renderFixUnchanged answers edits the manifest already has.
func renderFixUnchanged(p *fixProposal) string {
	return fmt.Sprintf("ℹ️ %s already has %s in folder %s (deployment %s, branch %s at %s): the fix changes nothing, so no pull request was opened.%s\n\n**Next:** `/rigel diff %s` shows whether the cluster differs from the folder.",
		workloadName(p.Ref), editList(p.Edits), code(p.Deployment.Path), code(p.Deployment.Name), code(p.Branch), code(shortSHA(p.Base)),
		seenBlock(p.Diagnosis), p.Deployment.Name)
}

// renderFixExisting answers a fix already proposed by an open pull request.
func renderFixExisting(p *fixProposal, pull Pull) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ℹ️ This fix of %s is already proposed: [#%d](%s) (branch %s at %s, one commit by Rigel on %s) holds the same change, so no new pull request was opened.", workloadName(p.Ref), pull.Number, pull.URL, code(p.Head), code(shortSHA(p.Commit)), code(shortSHA(p.Base)))
	b.WriteString(blockSep)
	b.WriteString(fixWarnings(p))
	b.WriteString(changeDetails(p))
	b.WriteString(blockSep)
	fmt.Fprintf(&b, "**Next:** review and merge #%d, then `/rigel sync %s` previews it and `/rigel apply %s` applies it.", pull.Number, p.Deployment.Name, p.Deployment.Name)
	return b.String()
}

// renderFixOpened answers a fix proposed in a new pull request.
func renderFixOpened(p *fixProposal, pull Pull) string {
	var b strings.Builder
	fmt.Fprintf(&b, "🔧 Opened [#%d](%s) to fix %s: %s. Nothing was applied to the cluster.", pull.Number, pull.URL, workloadName(p.Ref), editList(p.Edits))
	if s := seenBlock(p.Diagnosis); s != "" {
		b.WriteString(blockSep)
		b.WriteString(strings.TrimPrefix(s, "\n\n"))
	}
	b.WriteString(blockSep)
	b.WriteString(fixWarnings(p))
	b.WriteString(changeDetails(p))
	b.WriteString(blockSep)
	fmt.Fprintf(&b, "**Next:** review and merge #%d, then `/rigel sync %s` previews it and `/rigel apply %s` applies it.", pull.Number, p.Deployment.Name, p.Deployment.Name)
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

func changeSummary(p *fixProposal) string {
	paths := make([]string, len(p.Changes))
	for i, c := range p.Changes {
		paths[i] = code(c.Path)
	}
	return fmt.Sprintf("%d file%s changed on branch %s, based on %s at %s: %s", len(p.Changes), plural(len(p.Changes)), code(p.Head), code(p.Branch), code(shortSHA(p.Base)), strings.Join(paths, ", "))
}

func changeDetails(p *fixProposal) string {
	return changeNotes(p) + fmt.Sprintf("<details><summary>The change: %s</summary>\n\n%s\n</details>", changeSummary(p), untrusted.MarkdownBlock("diff", fix.UnifiedDiff(p.Changes), maxReplyDiff))
}

// changeNotes lists what people should know beyond the diff (a request lowered to the new
// limit, …), one bullet each and a blank line after; "" when there is nothing to say.
func changeNotes(p *fixProposal) string {
	var b strings.Builder
	for _, c := range p.Changes {
		for _, n := range c.Notes {
			b.WriteString("- " + n + "\n")
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return b.String() + "\n"
}

// renderFixPull is the body of the fix's pull request (untrusted.PullBody): what Rigel saw,
// with the cluster's text through the Markdown sinks, the change, and Rigel's own trailer
// ("Closes #N", who asked), added after the body is bounded.
func renderFixPull(p *fixProposal) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Rigel proposes to fix %s, part of deployment %s (folder %s): %s.\n\n", workloadName(p.Ref), code(p.Deployment.Name), code(p.Deployment.Path), editList(p.Edits))
	b.WriteString(fixWarnings(p))
	if d := p.Diagnosis; d != nil {
		b.WriteString("## Diagnosis\n\n")
		for _, f := range d.Findings {
			b.WriteString("- " + f.Markdown() + "\n")
		}
		if d.Rule != "" {
			b.WriteString("\n**Rule:** " + d.Rule + "\n")
		}
		b.WriteString("\n")
	} else if p.Number == 0 {
		fmt.Fprintf(&b, "## Requested\n\n%s through Rigel's HTTP API (`POST /api/git/propose-fix`).\n\n", code("set "+setArgs(p.Edits)))
	} else {
		fmt.Fprintf(&b, "## Requested\n\n%s by @%s.\n\n", code("/rigel fix "+typed(p.Ref)+" set "+setArgs(p.Edits)), p.Author)
	}
	fmt.Fprintf(&b, "## Change\n\n%s.\n\n%s%s\n\n", changeSummary(p), changeNotes(p), untrusted.MarkdownBlock("diff", fix.UnifiedDiff(p.Changes), maxPullDiff))
	b.WriteString("## Next\n\nNothing was applied to the cluster. Review and merge this pull request, then ")
	fmt.Fprintf(&b, "`/rigel sync %s` previews the change and `/rigel apply %s` applies it.\n\n", p.Deployment.Name, p.Deployment.Name)
	var trailer string
	switch {
	case p.Number == 0:
		trailer = "<sub>Opened by Rigel through its HTTP API.</sub>\n"
	case p.FromIssue:
		trailer = fmt.Sprintf("Closes #%d\n\n<sub>Opened by Rigel for @%s.</sub>\n", p.Number, p.Author)
	default:
		trailer = fmt.Sprintf("Asked for in #%d.\n\n<sub>Opened by Rigel for @%s.</sub>\n", p.Number, p.Author)
	}
	return untrusted.PullBody(b.String(), trailer)
}

// setArgs is the edits as typed after `set`.
func setArgs(edits []fix.Edit) string {
	parts := make([]string, len(edits))
	for i, e := range edits {
		switch e.Field {
		case fix.FieldEnv:
			parts[i] = "env." + e.Key + "=" + e.Value
		case fix.FieldProbe:
			parts[i] = "probe." + e.Key + ".port=" + e.Value
		default:
			parts[i] = e.Field + "=" + e.Value
		}
	}
	s := strings.Join(parts, " ")
	if len(edits) > 0 && edits[0].Container != "" {
		s += " --container " + edits[0].Container
	}
	return s
}
