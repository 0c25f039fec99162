package commands

import (
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
	"github.com/rigel-gitops/rigel/words"
)

// The replies of rollbacks (rollback_cmds.go): the lines of a rollback preview (render.go
// renders the rest as a sync's), and the history of a deployment.

// rollbackLine says what a rollback preview goes back from and to; "" for another preview.
func rollbackLine(pv *ops.Preview) string {
	rb := pv.Rollback
	if rb == nil {
		return ""
	}
	s := fmt.Sprintf("\n\nRolls %s back to commit %s (synced: %s)", code(pv.Plan.Deployment), code(shortSHA(rb.To.Commit)), words.SyncSummary(rb.To))
	if rb.From != nil {
		s += fmt.Sprintf(", from its last sync at %s (%s)", code(shortSHA(rb.From.Commit)), words.SyncSummary(*rb.From))
	}
	return s + ". The changes below are what the rollback would change in the cluster now."
}

// rollbackNext is the next step of an armed rollback preview.
func rollbackNext(p *sync.Plan) string {
	return fmt.Sprintf("**Next:** `/rigel apply %s` applies exactly this rollback: commit `%s` (not the branch's tip), these changes; the registry records it as a rollback. A change in the cluster since this preview makes apply refuse and ask for a new rollback preview.",
		p.Deployment, shortSHA(p.Commit))
}

// rollbackBlocked is the next step of a rollback preview that arms nothing: the cluster refuses
// an object of that commit, or one belongs to another registered deployment.
func rollbackBlocked(p *sync.Plan) string {
	return fmt.Sprintf("**Next:** nothing is armed: commit `%s` cannot be applied as it is (see the objects above). `/rigel history %s` lists the other commits %s can go back to; to deploy a fixed commit instead, push it and run `/rigel sync %s`.",
		shortSHA(p.Commit), p.Deployment, code(p.Deployment), p.Deployment)
}

// armMarkerFor asks for the marker that arms the apply of pv: a rollback's or a plan's.
func armMarkerFor(pv *ops.Preview) string {
	p := pv.Plan
	if pv.Rollback != nil {
		return markerPlaceholder(marker{Kind: markerRollback, Deployment: p.Deployment, Commit: p.Commit, Digest: p.Digest})
	}
	return planMarkerFor(p)
}

// rollbackRecorded is the end of the "recorded" line of an applied rollback.
func rollbackRecorded(a *ops.Applied) string {
	if a.LastSync.Kind != config.SyncKindRollback {
		return ""
	}
	return fmt.Sprintf(", as a rollback (`/rigel history %s` lists the syncs it can go back to)", a.Plan.Deployment)
}

// renderHistory lists the syncs of dep the registry keeps, newest first, and the rollback to
// type.
func renderHistory(dep config.Deployment) string {
	var b strings.Builder
	if dep.LastSync == nil {
		fmt.Fprintf(&b, "%s was never synced: it has no history.\n\n**Next:** `/rigel sync %s` previews it and arms `/rigel apply %s`.", code(dep.Name), dep.Name, dep.Name)
		return b.String()
	}
	fmt.Fprintf(&b, "**Sync history of %s:** its last sync and the %d earlier one%s the registry keeps, newest first.\n\n", code(dep.Name), len(dep.History), plural(len(dep.History)))
	b.WriteString("| | commit | time | status | applied |\n|---|---|---|---|---|\n")
	row := func(label string, s config.LastSync) {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", label, cellCode(shortSHA(s.Commit)), s.Time.UTC().Format("2006-01-02T15:04:05Z"), cell(s.Status), cell(kindWord(s.Kind)))
	}
	row("last", *dep.LastSync)
	for i, h := range dep.History {
		row(fmt.Sprint(i+1), h)
	}
	b.WriteString("\n")
	to := ops.DefaultRollback(dep)
	switch {
	case to != nil:
		fmt.Fprintf(&b, "**Next:** `/rigel rollback %s` previews the rollback to %s, the previous successful sync at another commit; `/rigel rollback %s COMMIT` to another commit of this list.", dep.Name, code(shortSHA(to.Commit)), dep.Name)
	case len(ops.RollbackChoices(dep)) > 0:
		fmt.Fprintf(&b, "**Next:** no earlier sync succeeded at another commit; `/rigel rollback %s COMMIT` still previews one of this list.", dep.Name)
	default:
		fmt.Fprintf(&b, "**Next:** nothing to roll back to yet: each apply of %s adds its previous sync here. `/rigel sync %s` previews the branch.", code(dep.Name), dep.Name)
	}
	return b.String()
}

// kindWord names what applied a sync, for the history table.
func kindWord(kind string) string {
	if kind == config.SyncKindCommand {
		return "command"
	}
	return kind
}
