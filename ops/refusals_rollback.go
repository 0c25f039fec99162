package ops

import (
	"fmt"

	"github.com/rigel-gitops/rigel/config"
)

// The refusals of a rollback (rollback.go). Besides them, a rollback's preview and apply are
// refused by the refusals of any sync and apply: PullHeld, Held, Stale (the cluster changed
// since the preview), Policy, Takeover, Reconciler, RenderFailed.

// RollbackInPull refuses `/rigel rollback` (and the apply of a rollback) in a pull request: a
// rollback goes back to a commit the deployment's branch was synced at, which is no business
// of a pull request's head, its approvals or its hold. It is typed in an issue (or sent to the
// HTTP API). Nothing was previewed or applied.
type RollbackInPull struct {
	Deployment string
	Repo       string
	Pull       int
}

func (e *RollbackInPull) Error() string {
	return fmt.Sprintf("rollback of %s in pull request %s#%d: a rollback is typed in an issue", e.Deployment, e.Repo, e.Pull)
}

// Refused marks RollbackInPull as a refusal.
func (e *RollbackInPull) Refused() {}

// NoRollback refuses a rollback without a commit when the deployment's history holds no
// successful sync at a commit other than its last sync's (never synced, synced once, or only
// at the same commit or unsuccessfully since the history began). Nothing was previewed.
type NoRollback struct {
	Deployment string
	Last       *config.LastSync  // the deployment's last sync; nil: never synced
	History    []config.LastSync // what the registry keeps, newest first
	Keep       int               // how many syncs the registry keeps (RIGEL_SYNC_HISTORY)
}

func (e *NoRollback) Error() string {
	return fmt.Sprintf("%s has no earlier successful sync at another commit to roll back to (%d syncs in its history)", e.Deployment, len(e.History))
}

// Refused marks NoRollback as a refusal.
func (e *NoRollback) Refused() {}

// NotInHistory refuses a rollback to a commit that is not one commit of the deployment's
// history: not a commit (Asked is not 7 to 40 hex digits), no commit of the history starts with
// it, several do (Ambiguous), or — when applying — the commit left the history since the
// preview. Choices are the commits it can roll back to. Nothing was previewed or applied.
type NotInHistory struct {
	Deployment string
	Asked      string // as typed; quote it
	NotACommit bool   // Asked is not 7 to 40 hex digits
	Ambiguous  bool   // several commits of the history start with Asked
	Choices    []config.LastSync
}

func (e *NotInHistory) Error() string {
	switch {
	case e.NotACommit:
		return fmt.Sprintf("%q is not a commit (7 to 40 hex digits) to roll %s back to", e.Asked, e.Deployment)
	case e.Ambiguous:
		return fmt.Sprintf("%q names several commits of the history of %s", e.Asked, e.Deployment)
	}
	return fmt.Sprintf("%q is not a commit of the history of %s", e.Asked, e.Deployment)
}

// Refused marks NotInHistory as a refusal.
func (e *NotInHistory) Refused() {}
