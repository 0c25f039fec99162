package commands

import (
	"fmt"
	"html"
	"sort"
	"strings"

	"github.com/rigel-gitops/rigel/sync"
	"github.com/rigel-gitops/rigel/words"
)

// What a plan shows besides the diff: objects the deployment's policy refuses (never applied)
// and objects another reconciler manages (applied only with --force); ops/apply.go enforces it.

// guardSummary is what the summary line of a plan adds: ", 2 against the policy, 1 managed
// by Argo CD" ("" when nothing is).
func guardSummary(p *sync.Plan) string {
	var b strings.Builder
	if n := len(p.Violating()); n > 0 {
		fmt.Fprintf(&b, ", %d against the deployment's policy", n)
	}
	if s := reconcilerCounts(p.Reconciled()); s != "" {
		b.WriteString(", " + strings.Replace(s, " by ", " managed by ", 1))
	}
	return b.String()
}

// reconcilerCounts is "2 by Argo CD, 1 by Flux".
func reconcilerCounts(changes []sync.Change) string {
	counts := map[string]int{}
	var tools []string
	for _, c := range changes {
		if counts[c.ManagedBy.Tool] == 0 {
			tools = append(tools, c.ManagedBy.Tool)
		}
		counts[c.ManagedBy.Tool]++
	}
	sort.Strings(tools)
	parts := make([]string, len(tools))
	for i, t := range tools {
		parts[i] = fmt.Sprintf("%d by %s", counts[t], t)
	}
	return strings.Join(parts, ", ")
}

// guardTitle is what an object's summary line adds.
func guardTitle(ch sync.Change) string {
	var parts []string
	if len(ch.Violations) > 0 {
		parts = append(parts, "🚫 against the policy")
	}
	if ch.ManagedBy != nil {
		parts = append(parts, "managed by "+html.EscapeString(ch.ManagedBy.Tool))
	}
	if len(parts) == 0 {
		return ""
	}
	return " — " + strings.Join(parts, ", ")
}

// guardNotes is what an object's details say about its policy violations and its reconciler.
func guardNotes(ch sync.Change) string {
	var b strings.Builder
	for _, v := range ch.Violations {
		fmt.Fprintf(&b, "> 🚫 **Against the deployment's policy** (`%s`): %s.\n\n", v.Rule, mdText(v.Msg))
	}
	if r := ch.ManagedBy; r != nil && r.Hands { // issue 17: the tool's own object
		fmt.Fprintf(&b, "> ⚠️ **%s's own object** (%s): applying it hands what it names to %s, which Rigel neither previews nor applies, so `/rigel apply` refuses this plan unless given `--force`.\n\n", r.Tool, code(r.Evidence), r.Tool)
	} else if r != nil {
		fmt.Fprintf(&b, "> ⚠️ **Managed by %s** (%s): applying it from Rigel too would make the two fight over it, so `/rigel apply` refuses this plan unless given `--force`.\n\n", words.ReconcilerName(r), code(r.Evidence))
	}
	return b.String()
}

// guardNext is the next step of a plan that has violations or reconciled objects ("" when it
// has neither); arm says whether it is a sync.
func guardNext(p *sync.Plan, arm bool) string {
	if n := len(p.Violating()); n > 0 {
		s := fmt.Sprintf("**Next:** the policy of %s refuses %d object%s: take %s out of the folder and push, or ask a cluster admin to change the policy (`/rigel policy %s` shows it and where it is kept).",
			code(p.Deployment), n, plural(n), map[bool]string{true: "it", false: "them"}[n == 1], p.Deployment)
		if arm {
			s += " Nothing is armed while an object is against the policy."
		}
		return s
	}
	if rc := p.Reconciled(); len(rc) > 0 && arm {
		one := len(rc) == 1
		return fmt.Sprintf("**Next:** %d object%s of this preview %s managed by another reconciler (%s). `/rigel apply %s --force` applies exactly this and takes %s over; `/rigel apply %s` alone refuses. Better: stop the other tool from managing %s first.",
			len(rc), plural(len(rc)), map[bool]string{true: "is", false: "are"}[one], reconcilerCounts(rc), p.Deployment, map[bool]string{true: "it", false: "them"}[one], p.Deployment, map[bool]string{true: "it", false: "them"}[one])
	}
	return ""
}
