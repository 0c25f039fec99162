package commands

import (
	"fmt"
	"strings"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

// driftNote is what `/rigel list` says of drift (issue 12): per deployment, what the leader's
// latest re-preview of its last synced commit found. "" when drift detection is off (drifts
// nil) or the repository has no deployments.
func driftNote(deps []config.Deployment, drifts map[string]*ops.DriftReport) string {
	if drifts == nil || len(deps) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\nDrift (what re-applying each deployment's last synced commit would change; checked by the leader, nothing is applied):\n\n")
	for _, d := range deps {
		fmt.Fprintf(&b, "- %s: %s\n", code(d.Name), driftLine(d, drifts[d.Name]))
	}
	return b.String()
}

// driftLine is the state of one deployment's drift.
func driftLine(d config.Deployment, r *ops.DriftReport) string {
	if !ops.DriftCheckable(d) {
		return "not applied: nothing to compare"
	}
	if r == nil {
		return "not checked yet"
	}
	at := fmt.Sprintf("%s (checked %s)", code(shortSHA(r.Commit)), r.CheckedAt.UTC().Format(time.RFC3339))
	switch r.State {
	case ops.DriftInSync:
		return "in sync with " + at
	case ops.DriftDrifted:
		return fmt.Sprintf("⚠️ **drifted** from %s: re-applying it would create %d and update %d object%s. `/rigel sync %s` previews what a sync would restore.",
			at, r.Create, r.Update, plural(r.Update), d.Name)
	case ops.DriftPolicy:
		return fmt.Sprintf("not comparable: the policy now refuses %d object%s of %s. `/rigel policy %s` shows what it may apply.", r.Refused, plural(r.Refused), at, d.Name)
	case ops.DriftRejected:
		return fmt.Sprintf("not comparable: the cluster refuses %d object%s of %s in a dry-run. `/rigel diff %s` shows why.", r.Rejected, plural(r.Rejected), at, d.Name)
	case ops.DriftRender:
		return fmt.Sprintf("not comparable: %s no longer renders. `/rigel diff %s` shows why.", at, d.Name)
	case ops.DriftSkipped: // drift_lock.go: an apply ran when the leader looked
		line := fmt.Sprintf("skipped at %s: an apply of it was running; checked again at the next sweep", r.CheckedAt.UTC().Format(time.RFC3339))
		if r.Previous != nil {
			line += ". Before: " + driftLine(d, r.Previous)
		}
		return line
	}
	return "unknown (" + cell(r.State) + ")"
}
