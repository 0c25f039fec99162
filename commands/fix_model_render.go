package commands

import (
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/words"
)

// renderModelNoFix answers a fix the model was asked about and that proposes nothing (issue
// 16): the first line says what came of the model — no answer Rigel can use, a proposal Rigel
// refused, or no change —, then what happened, what Rigel saw (in <details>), and what to
// type next. In a follow-up (a plain comment in the fix's pull request) the next step
// amends that pull request.
func renderModelNoFix(ref kube.WorkloadRef, d *fix.Diagnosis, v *ops.ModelVerdict) string {
	var b strings.Builder
	model, name := code(v.Name), words.WorkloadName(ref)
	switch v.Kind {
	case ops.ModelNoAnswer:
		fmt.Fprintf(&b, "🤖 The model %s gave no answer Rigel can use for %s (%s). Nothing was changed.", model, name, v.Why.Markdown())
	case ops.ModelRefused:
		fmt.Fprintf(&b, "🛑 Rigel refused what the model %s proposed for %s: %s Nothing was changed.", model, name, strings.TrimSuffix(v.Why.Markdown(), ".")+".")
	default:
		fmt.Fprintf(&b, "🔍 The model %s proposes no change for %s, and Rigel's rules have no fix for it. Nothing was changed.", model, name)
	}
	b.WriteString(blockSep)
	switch {
	case v.Kind == ops.ModelNoAnswer:
		b.WriteString("**What happened:** Rigel asked the model, which did not answer in time or in the form Rigel asks for (a JSON object of its schema). A request that failed on the way was tried once more; Rigel does not retry beyond that.")
	case v.Kind == ops.ModelRefused:
		b.WriteString("**What happened:** the model answered, but Rigel takes only a change of this workload alone, in the vocabulary of `set` or as a patch of the workload's own spec, labels and annotations, that the folder builds exactly. Its answer was something else, so Rigel proposes nothing.")
	case v.FollowUp:
		b.WriteString("**What happened:** Rigel asked the model again with the comment's words and this pull request's branch; it sees nothing more to change.")
	default:
		b.WriteString("**What happened:** Rigel's rules recognise nothing they have a fix for here, so Rigel asked the model; it sees nothing to change either.")
	}
	if len(d.Findings) > 0 {
		fmt.Fprintf(&b, "\n\n<details><summary>What Rigel saw (%d)</summary>\n\n", len(d.Findings))
		for _, f := range d.Findings {
			b.WriteString("- " + f.Markdown() + "\n")
		}
		b.WriteString("\n</details>")
	}
	b.WriteString(blockSep)
	set := fmt.Sprintf(setForms, words.Typed(ref))
	switch {
	case v.FollowUp:
		fmt.Fprintf(&b, "**Next:** to amend this pull request yourself, type %s here", set)
		if v.Kind == ops.ModelNoAnswer {
			b.WriteString("; or comment again later to ask the model again")
		}
		b.WriteString(".")
	case v.Kind == ops.ModelNoAnswer:
		fmt.Fprintf(&b, "**Next:** type %s again later to ask again, or choose the change yourself: %s.", code(words.FixCommand(ref)), set)
	default:
		fmt.Fprintf(&b, "**Next:** to change the manifest through a pull request yourself: %s.", set)
	}
	return b.String()
}
