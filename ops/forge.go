package ops

import (
	"context"

	"github.com/rigel-gitops/rigel/githubclient"
)

// The values of GitHub that operations read and write, named here so adapters need only ops.
type (
	Repo         = githubclient.Repo
	PullHead     = githubclient.PullHead
	Review       = githubclient.Review
	IssueComment = githubclient.IssueComment
	Pull         = githubclient.Pull
	NewPull      = githubclient.NewPull
)

// Forge is what operations need from GitHub, for one installation (githubclient implements it).
type Forge interface {
	// Comment posts a comment and returns its id.
	Comment(ctx context.Context, repo Repo, number int, body string) (int64, error)
	// React adds a reaction ("eyes", "+1", "confused", ...) to a comment.
	React(ctx context.Context, repo Repo, commentID int64, content string) error
	// PullHead returns a pull request's current head.
	PullHead(ctx context.Context, repo Repo, number int) (PullHead, error)
	// Reviews lists a pull request's reviews, oldest first.
	Reviews(ctx context.Context, repo Repo, number int) ([]Review, error)
	// Permission returns user's role on repo: none, read, triage, write, maintain or admin.
	// It is asked for every command: roles change.
	Permission(ctx context.Context, repo Repo, user string) (string, error)
	// Comments lists a conversation's comments, oldest first.
	Comments(ctx context.Context, repo Repo, number int) ([]IssueComment, error)
	// FindPull returns the open pull request whose head is branch of repo itself, nil when none is.
	FindPull(ctx context.Context, repo Repo, branch string) (*Pull, error)
	// OpenPull opens a pull request. When one is already open for the same head and base, it
	// returns that one.
	OpenPull(ctx context.Context, repo Repo, p NewPull) (Pull, error)
	// GitCredentials returns the user name and password for cloning the installation's repos.
	GitCredentials(ctx context.Context) (string, string, error)

	PullForge  // pull request automation (issue 11)
	MergeForge // apply on merge (issue 11): apply_on_merge.go
}

// The values of pull request automation (issue 11), named here so adapters need only ops.
type (
	ChangedFile  = githubclient.ChangedFile
	ChangedFiles = githubclient.ChangedFiles
	CheckRun     = githubclient.CheckRun
	CheckOutput  = githubclient.CheckOutput
	Annotation   = githubclient.Annotation
	CheckRunRef  = githubclient.CheckRunRef
	CommitStatus = githubclient.CommitStatus
)

// PullForge is what pull request automation (autoplan, the living comment, check runs) needs
// from GitHub besides a Forge; githubclient.Installation implements it.
type PullForge interface {
	// PullFiles lists the files pull request number changes at head, merging into base (the
	// base commit; "" for the current one). ChangedFiles.Complete is false when GitHub listed
	// only part of them.
	PullFiles(ctx context.Context, repo Repo, number int, base, head string) (ChangedFiles, error)
	// EditComment replaces the body of one of Rigel's comments.
	EditComment(ctx context.Context, repo Repo, id int64, body string) (IssueComment, error)
	// MinimizeComment hides a comment (by its NodeID) as outdated.
	MinimizeComment(ctx context.Context, repo Repo, nodeID string) error
	// CreateCheckRun creates a check run on run.HeadSHA (app mode).
	CreateCheckRun(ctx context.Context, repo Repo, run CheckRun) (CheckRunRef, error)
	// UpdateCheckRun updates check run id with what run sets.
	UpdateCheckRun(ctx context.Context, repo Repo, id int64, run CheckRun) error
	// SetStatus sets a commit status on sha (token mode's stand-in for a check run).
	SetStatus(ctx context.Context, repo Repo, sha string, s CommitStatus) error
}

// MergedPull is a pull request merged into a branch (apply on merge, issue 11).
type MergedPull = githubclient.MergedPull

// MergeForge is what apply on merge (issue 11) needs from GitHub besides a Forge and a
// PullForge (its check runs): githubclient.Installation implements it.
type MergeForge interface {
	// MergedPull returns the pull request merged into branch as commit sha, nil when none was
	// (a direct push).
	MergedPull(ctx context.Context, repo Repo, branch, sha string) (*MergedPull, error)
}
