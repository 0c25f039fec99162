package ops

import "fmt"

// The refusals of apply on merge (apply_on_merge.go). Besides them, a merge is refused by the
// refusals of any apply: NotReady (the armed preview is not approved), Stale (the branch or the
// digest moved), Policy, Takeover, Reconciler, PullHeld, ForkApply, RenderFailed.

// NotArmedAtMerge refuses to apply a deployment on the merge of a pull request that armed no
// preview of it (Armed ""), or whose last armed preview was of a commit other than the head
// it merged: what was merged was never previewed, so nothing was approved. Nothing was applied.
type NotArmedAtMerge struct {
	Deployment string
	Pull       int    // the merged pull request
	Head       string // the head it merged
	Armed      string // the commit of the last preview it armed; "": none
}

func (e *NotArmedAtMerge) Error() string {
	if e.Armed == "" {
		return fmt.Sprintf("pull request #%d armed no preview of %s: nothing was applied on its merge", e.Pull, e.Deployment)
	}
	return fmt.Sprintf("pull request #%d last armed a preview of %s at %s, but merged %s: nothing was applied on its merge", e.Pull, e.Deployment, shortCommit(e.Armed), shortCommit(e.Head))
}

// Refused marks NotArmedAtMerge as a refusal.
func (e *NotArmedAtMerge) Refused() {}
