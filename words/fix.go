package words

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
)

// The words of fixes (ops.ProposeFix): its refusals, the pull request's body, and the parts
// of the replies both adapters share.

// maxPullDiff bounds the diff in a pull request's body (GitHub allows 65536 characters); the
// PR's "Files changed" tab always has all of it.
const maxPullDiff = 50000

// policyRefuses says what a deployment's policy does not allow of a link or a fix.
func policyRefuses(e *ops.PolicyObject) string {
	if e.Verb == "link" {
		return fmt.Sprintf("the policy of the deployment `%s` does not allow %s `%s` in namespace `%s`: %s. Nothing was changed. `/rigel policy %s` shows the policy and how cluster admins change it.",
			e.Deployment, e.Kind, e.Name, e.Namespace, e.Msg, e.Deployment)
	}
	what := fmt.Sprintf("%s `%s` in namespace `%s`", e.Kind, e.Name, e.Namespace)
	if e.Built {
		what += " as the fix builds it"
	}
	return fmt.Sprintf("the policy of the deployment `%s` does not allow %s: %s. Nothing was pushed and no pull request was opened. `/rigel policy %s` shows the policy and how cluster admins change it.",
		e.Deployment, what, strings.TrimSuffix(e.Msg, "."), e.Deployment)
}

func cannotPlace(e *ops.CannotPlace, h Hints) string {
	return fmt.Sprintf("Rigel cannot place %s in folder `%s` (deployment `%s`, branch `%s` at `%s`): %s. Nothing was changed. Edit the manifest by hand in a pull request, then %s.",
		EditList(e.Edits), e.Deployment.Path, e.Deployment.Name, e.Branch, ShortSHA(e.Base), strings.TrimSuffix(strings.TrimSpace(e.Msg), "."), h.Preview(e.Deployment.Name))
}

func branchesTaken(e *ops.BranchesTaken) string {
	names := make([]string, len(e.Branches))
	for i, b := range e.Branches {
		names[i] = Code(b)
	}
	return fmt.Sprintf("Rigel found %d branches for this fix already in use by other changes (%s) and does not overwrite branches it did not make. Nothing was pushed. Delete those branches, then run the fix again.",
		len(names), strings.Join(names, ", "))
}

// FixRefusal words the refusals of a fix asked for in a conversation by the command line
// (a workload that names no deployment of the conversation's repo: they say how to link it
// and to run line again, or where to run it); ok is false for any other error.
func FixRefusal(err error, line string) (msg string, ok bool) {
	var (
		nl *ops.NotLinked
		le *ops.LinkedElsewhere
	)
	switch {
	case errors.As(err, &nl):
		ref := nl.Workload
		if nl.Name == "" {
			return fmt.Sprintf("%s `%s` in namespace `%s` is not linked to a deployment (it has no `%s` annotation), so Rigel does not know which folder holds its manifest. Nothing was changed. %s",
				ref.Kind, ref.Name, ref.Namespace, sync.AnnotationSourceRepo, LinkHint(ref, nl.Here, line)), true
		}
		return fmt.Sprintf("%s `%s` in namespace `%s` is linked to the deployment `%s`, which is not registered (removed?). Nothing was changed. %s",
			ref.Kind, ref.Name, ref.Namespace, Short(nl.Name), LinkHint(ref, nl.Here, line)), true
	case errors.As(err, &le) && le.Verb == "fix":
		ref := le.Workload
		return fmt.Sprintf("%s `%s` in namespace `%s` belongs to the deployment `%s` of %s: a fix is a pull request to that repo. Nothing was changed. Run %s in an issue of %s.",
			ref.Kind, ref.Name, ref.Namespace, le.Deployment, le.Repo, Code(line), le.Repo), true
	}
	return "", false
}

// LinkHint says how to link a workload to a deployment of this repo (here: its deployments),
// with the command to type, and to run line again.
func LinkHint(ref kube.WorkloadRef, here []config.Deployment, line string) string {
	switch {
	case len(here) == 0:
		return "Register the folder that holds its manifest first (`/rigel add-deployment PATH`), then link the workload to it: `/rigel link " + Typed(ref) + " DEPLOYMENT`, and run " + Code(line) + " again."
	case len(here) == 1:
		d := here[0]
		return fmt.Sprintf("If its manifest is in folder `%s`, link it to this repo's deployment `%s`: `/rigel link %s %s`; if it is in another folder, register that one first (`/rigel add-deployment PATH`) and link the workload to it. Then run %s again.",
			d.Path, d.Name, Typed(ref), d.Name, Code(line))
	}
	names := make([]string, len(here))
	for i, d := range here {
		names[i] = "`" + d.Name + "`"
	}
	return fmt.Sprintf("Link it to the deployment whose folder holds its manifest (%s): `/rigel link %s %s`, then run %s again.", strings.Join(names, ", "), Typed(ref), here[0].Name, Code(line))
}

// EditList is the edits of a fix, each as inline code, comma-separated.
func EditList(edits []fix.Edit) string {
	parts := make([]string, len(edits))
	for i, e := range edits {
		parts[i] = Code(e.String())
	}
	return strings.Join(parts, ", ")
}

// AndList is "a", "a and b", "a, b and c".
func AndList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// FixWarnings is what people must know before merging a fix: other deployments the edit
// reaches, branches passed over. "" when there is nothing; else it ends with a blank line.
func FixWarnings(p *ops.FixProposal) string {
	var b strings.Builder
	for _, s := range p.Shared {
		names := make([]string, len(s.Deployments))
		for i, d := range s.Deployments {
			names[i] = Code(d)
		}
		verb := "uses"
		if len(names) > 1 {
			verb = "use"
		}
		fmt.Fprintf(&b, "⚠️ This edit changes %s, which %s %s %s too: merging it changes %s as well.\n\n",
			Code(s.Path), PluralOf(len(names), "deployment", "deployments"), AndList(names), verb, PluralOf(len(names), "that deployment", "those deployments"))
	}
	if len(p.Unknown) > 0 {
		names := make([]string, len(p.Unknown))
		for i, d := range p.Unknown {
			names[i] = Code(d)
		}
		fmt.Fprintf(&b, "⚠️ Rigel could not build %s %s of this repo to tell whether %s this edit's files; check before merging.\n\n",
			PluralOf(len(names), "deployment", "deployments"), AndList(names), PluralOf(len(names), "it reads", "they read"))
	}
	for _, t := range p.Taken {
		fmt.Fprintf(&b, "ℹ️ Branch %s already exists and does not hold exactly this change (%s), so Rigel left it as it is and used %s.\n\n", Code(t.Branch), t.Why, Code(p.Head))
	}
	return b.String()
}

// ChangeSummary is "N files changed on branch …, based on … at …: paths".
func ChangeSummary(p *ops.FixProposal) string {
	paths := make([]string, len(p.Changes))
	for i, c := range p.Changes {
		paths[i] = Code(c.Path)
	}
	return fmt.Sprintf("%d file%s changed on branch %s, based on %s at %s: %s", len(p.Changes), Plural(len(p.Changes)), Code(p.Head), Code(p.Branch), Code(ShortSHA(p.Base)), strings.Join(paths, ", "))
}

// ChangeNotes lists what people should know beyond the diff (a request lowered to the new
// limit, …), one bullet each and a blank line after; "" when there is nothing to say.
func ChangeNotes(p *ops.FixProposal) string {
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

// FixPull is the body of a fix's pull request (untrusted.PullBody): what Rigel saw, with the
// cluster's text through the Markdown sinks, the change, and Rigel's own trailer ("Closes #N",
// who asked), added after the body is bounded. It is ops.FixRequest's PullBody.
func FixPull(p *ops.FixProposal) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Rigel proposes to fix %s, part of deployment %s (folder %s): %s.\n\n", WorkloadName(p.Ref), Code(p.Deployment.Name), Code(p.Deployment.Path), EditList(p.Edits))
	b.WriteString(FixWarnings(p))
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
		fmt.Fprintf(&b, "## Requested\n\n%s through Rigel's HTTP API (`POST /api/git/propose-fix`).\n\n", Code("set "+setArgs(p.Edits)))
	} else {
		fmt.Fprintf(&b, "## Requested\n\n%s by @%s.\n\n", Code("/rigel fix "+Typed(p.Ref)+" set "+setArgs(p.Edits)), p.Author)
	}
	fmt.Fprintf(&b, "## Change\n\n%s.\n\n%s%s\n\n", ChangeSummary(p), ChangeNotes(p), untrusted.MarkdownBlock("diff", fix.UnifiedDiff(p.Changes), maxPullDiff))
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
