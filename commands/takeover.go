package commands

import (
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
	"github.com/rigel-gitops/rigel/words"
)

// How a plan shows objects the deployment does not manage (ops/takeover.go): none of their
// live values, only that they exist, who manages them and which fields applying takes over.

// unmanagedTitle is what the summary line of an unmanaged object adds.
func unmanagedTitle(ch sync.Change) string {
	switch u := ch.Unmanaged; {
	case u == nil:
		return ""
	case u.OwnerRepo != "":
		return " — ⛔ belongs to deployment " + htmlCode(u.Deployment)
	default:
		return " — exists, not managed by this deployment"
	}
}

// unmanagedNotes is what an unmanaged object's details say: that it exists, who manages it,
// which fields applying takes over, and what apply will do. No live value.
func unmanagedNotes(ch sync.Change) string {
	u := ch.Unmanaged
	if u == nil {
		return ""
	}
	var b strings.Builder
	switch {
	case u.OwnerRepo != "":
		fmt.Fprintf(&b, "> ⛔ **Another deployment's object**: it is managed by the Rigel deployment %s of %s (folder %s), which is still registered, so `/rigel apply` refuses it. %s\n\n",
			code(u.Deployment), code(u.OwnerRepo), code(u.Path), words.MoveSteps(ch))
	case u.Deployment != "":
		fmt.Fprintf(&b, "> ⚠️ **Exists, not managed by this deployment**: its provenance names the deployment %s, which is no longer registered: applying adopts it (this deployment's provenance replaces it).\n\n", code(u.Deployment))
	default:
		fmt.Fprintf(&b, "> ⚠️ **Exists, not managed by this deployment**: %s. Applying adopts it (it then carries this deployment's provenance).\n\n", managedByWords(ch))
	}
	fmt.Fprintf(&b, "> Its live values are not shown (this deployment does not manage it); below is the manifest alone.")
	if ch.Ref.Kind == "Secret" && ch.Ref.Group == "" {
		b.WriteString(" For a Secret, not even which keys differ is said.")
	}
	b.WriteString("\n\n")
	switch n := len(u.TakeOver); {
	case n == 0:
		b.WriteString("> Applying takes over no field another manager set: it only adds fields.\n\n")
	default:
		paths := make([]string, n)
		for i, p := range u.TakeOver {
			paths[i] = code(p)
		}
		more := ""
		if u.More > 0 {
			more = fmt.Sprintf(" and %d more", u.More)
		}
		fmt.Fprintf(&b, "> Applying takes over %d field%s set by %s: %s%s.\n\n", n+u.More, plural(n+u.More), managersWords(u.Managers), strings.Join(paths, ", "), more)
	}
	return b.String()
}

// managedByWords says who manages an unmanaged object without provenance.
func managedByWords(ch sync.Change) string {
	if r := ch.ManagedBy; r != nil {
		return "it is managed by " + words.ReconcilerName(r) + " (" + code(r.Evidence) + ")"
	}
	if len(ch.Unmanaged.Managers) == 0 {
		return "nobody known manages it (no field manager, no provenance)"
	}
	return "no Rigel deployment manages it; its fields were set by " + managersWords(ch.Unmanaged.Managers)
}

// managersWords lists field managers: "`kubectl-client-side-apply` and `rigel`".
func managersWords(managers []string) string {
	if len(managers) == 0 {
		return "its other managers"
	}
	out := make([]string, len(managers))
	for i, m := range managers {
		out[i] = code(m)
		if m == sync.FieldManager {
			out[i] += " (another deployment's applies)"
		}
	}
	if len(out) == 1 {
		return "the field manager " + out[0]
	}
	return "the field managers " + strings.Join(out[:len(out)-1], ", ") + " and " + out[len(out)-1]
}

// unmanagedSummary is what the summary line of a plan adds: ", 2 not managed by this
// deployment (1 another deployment's)".
func unmanagedSummary(p *sync.Plan) string {
	n := len(p.UnmanagedChanges())
	if n == 0 {
		return ""
	}
	s := fmt.Sprintf(", %d existing not managed by this deployment", n)
	if t := len(ops.TakenFrom(p)); t > 0 {
		s += fmt.Sprintf(" (%d another deployment's)", t)
	}
	return s
}
