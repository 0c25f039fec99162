package words

import (
	"fmt"
	"strings"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

// The words of a rollback (ops/rollback.go): its refusals, and the list of the syncs a
// deployment can be rolled back to. The history is read from the registry ConfigMap, which a
// cluster admin may edit: its statuses and kinds are quoted, its commits checked
// (ops.RollbackChoices keeps full commits only).

// sayRollbackInPull: a rollback is typed in an issue.
func sayRollbackInPull(e *ops.RollbackInPull, h Hints) string {
	return fmt.Sprintf("a rollback goes back to a commit the branch of %s was synced at, which is no business of this pull request (its head, its approvals or its hold), so it is not typed here. Nothing was previewed or applied. "+
		"Type %s in an issue of %s (%s lists the commits it can go back to); to change what this pull request deploys, push to it and run %s.",
		Code(e.Deployment), h.Rollback(e.Deployment, ""), e.Repo, h.History(e.Deployment), h.Preview(e.Deployment))
}

// sayNoRollback: nothing to roll back to, and why.
func sayNoRollback(e *ops.NoRollback, h Hints) string {
	var b strings.Builder
	switch {
	case e.Last == nil:
		fmt.Fprintf(&b, "%s was never synced, so there is nothing to roll back to. Nothing was previewed. Run %s to preview it.", Code(e.Deployment), h.Preview(e.Deployment))
		return b.String()
	case len(e.History) == 0:
		fmt.Fprintf(&b, "%s was synced only once since the registry began to keep its history (at %s), so there is no earlier sync to roll back to. Nothing was previewed.",
			Code(e.Deployment), Code(ShortSHA(e.Last.Commit)))
	default:
		fmt.Fprintf(&b, "none of the %d earlier sync%s of %s the registry keeps succeeded at a commit other than its last sync's (%s), so there is no previous successful sync to roll back to. Nothing was previewed.",
			len(e.History), Plural(len(e.History)), Code(e.Deployment), Code(ShortSHA(e.Last.Commit)))
		if choices := ops.RollbackChoices(config.Deployment{Name: e.Deployment, History: e.History}); len(choices) > 0 {
			fmt.Fprintf(&b, " You can still name one of them:\n\n%s", RollbackChoiceList(e.Deployment, choices, h))
		}
	}
	fmt.Fprintf(&b, "\n\nThe registry keeps the last %d syncs of each deployment (`RIGEL_SYNC_HISTORY`). To go back to an older commit, revert the change in git, push, and run %s.", e.Keep, h.Preview(e.Deployment))
	return b.String()
}

// sayNotInHistory: what COMMIT should have been, and the commits there are.
func sayNotInHistory(e *ops.NotInHistory, h Hints) string {
	var b strings.Builder
	asked := Code(Short(e.Asked))
	switch {
	case e.NotACommit && e.Asked == "":
		fmt.Fprintf(&b, "the rollback of %s names no commit. Nothing was applied.", Code(e.Deployment))
	case e.NotACommit:
		fmt.Fprintf(&b, "%s is not a commit: a rollback names a commit of the history of %s by its full SHA or at least its first 7 hex digits. Nothing was previewed.", asked, Code(e.Deployment))
	case e.Ambiguous:
		fmt.Fprintf(&b, "%s is the start of several commits of the history of %s: give more of its digits. Nothing was previewed.", asked, Code(e.Deployment))
	default:
		fmt.Fprintf(&b, "%s is not a commit of the history of %s (the syncs the registry keeps), so Rigel does not roll back to it. Nothing was previewed or applied.", asked, Code(e.Deployment))
	}
	if len(e.Choices) == 0 {
		fmt.Fprintf(&b, " The history of %s is empty: there is nothing to roll back to. To deploy another commit, push it to the branch and run %s.", Code(e.Deployment), h.Preview(e.Deployment))
		return b.String()
	}
	fmt.Fprintf(&b, " It can roll back to:\n\n%s\n\n%s lists every sync.", RollbackChoiceList(e.Deployment, e.Choices, h), h.History(e.Deployment))
	return b.String()
}

// RollbackChoiceList lists the commits a deployment can roll back to, newest first, each with
// the command that previews it.
func RollbackChoiceList(name string, choices []config.LastSync, h Hints) string {
	var lines []string
	for i, c := range choices {
		if i == MaxListed {
			lines = append(lines, fmt.Sprintf("- … and %d more", len(choices)-MaxListed))
			break
		}
		lines = append(lines, fmt.Sprintf("- %s — %s: %s", Code(ShortSHA(c.Commit)), SyncSummary(c), h.Rollback(name, ShortSHA(c.Commit))))
	}
	return strings.Join(lines, "\n")
}

// SyncSummary is a sync of the registry in a few words: "Succeeded at 2026-11-23T10:00:00Z,
// by a rollback".
func SyncSummary(s config.LastSync) string {
	out := Text(s.Status)
	if out == "" {
		out = "no status"
	}
	if !s.Time.IsZero() {
		out += " at " + s.Time.UTC().Format(time.RFC3339)
	}
	return out + ", " + SyncKindWords(s.Kind)
}

// SyncKindWords says what applied a sync (config.LastSync.Kind).
func SyncKindWords(kind string) string {
	switch kind {
	case config.SyncKindCommand:
		return "by a command"
	case config.SyncKindRollback:
		return "by a rollback"
	case config.SyncKindMerge:
		return "on a merge"
	case config.SyncKindPush:
		return "on a push"
	}
	return "by " + Code(Short(kind))
}
