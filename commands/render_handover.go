package commands

import (
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/sync"
)

// How a plan shows an object handed over from client-side kubectl apply
// (sync/handover.go): marked in its summary line, and a note of what the apply does first.

// handOverTitle is what the summary line of a handed-over object adds.
func handOverTitle(ch sync.Change) string {
	if ch.HandOver == nil {
		return ""
	}
	return " — 🤝 hand-over from kubectl apply"
}

// handOverNotes says which managers' fields move to Rigel and which fields the apply removes.
func handOverNotes(ch sync.Change) string {
	h := ch.HandOver
	if h == nil {
		return ""
	}
	managers := make([]string, len(h.Managers))
	for i, m := range h.Managers {
		managers[i] = code(m)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "> 🤝 **Hand-over from kubectl apply**: client-side `kubectl apply` (%s) manages fields of this object. Applying first moves them to Rigel's field manager, so that the fields git no longer sets are removed", strings.Join(managers, ", "))
	switch {
	case h.Unnamed > 0:
		fmt.Fprintf(&b, ": %d field%s (not named: this deployment does not manage the object).", h.Unnamed, plural(h.Unnamed))
	case len(h.Removed) == 0:
		b.WriteString(": none here, only who manages the fields changes.")
	default:
		paths := make([]string, len(h.Removed))
		for i, p := range h.Removed {
			paths[i] = code(p)
		}
		more := ""
		if h.More > 0 {
			more = fmt.Sprintf(" and %d more", h.More)
		}
		fmt.Fprintf(&b, ": %s%s (the diff below shows them).", strings.Join(paths, ", "), more)
	}
	b.WriteString(" kubectl's last-applied-configuration annotation goes too.\n\n")
	return b.String()
}
