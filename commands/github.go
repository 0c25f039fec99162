package commands

import "github.com/rigel-gitops/rigel/ops"

// The GitHub values and the Forge a command works with are the service's (ops/forge.go).
type (
	Repo         = ops.Repo
	PullHead     = ops.PullHead
	Review       = ops.Review
	IssueComment = ops.IssueComment
	Pull         = ops.Pull
	NewPull      = ops.NewPull
	GitHub       = ops.Forge
	PullHold     = ops.PullHold

	// Pull request automation: the living comment and check runs (autoplan.go, checks.go).
	ChangedFiles = ops.ChangedFiles
	CheckRun     = ops.CheckRun
	CheckOutput  = ops.CheckOutput
	Annotation   = ops.Annotation
	CheckRunRef  = ops.CheckRunRef
	CommitStatus = ops.CommitStatus
)

// Request is one comment (or issue body) that may hold commands.
type Request struct {
	DeliveryID string
	Repo       Repo
	Number     int   // issue or pull request number
	IsPR       bool  // the conversation is a pull request
	CommentID  int64 // 0 when the text is an issue's body
	Author     string
	Body       string
	// FollowUp: Body is a plain comment in Rigel's fix pull request, run as the fix of its
	// workload with the words for the model (fix_followup.go, issue 16).
	FollowUp bool
}
