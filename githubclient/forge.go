package githubclient

import "time"

// The values a Forge (an installation's GitHub, package ops) reads and writes. They are
// declared here, where GitHub's answers are decoded, so this package imports nothing of Rigel
// above it; package ops names them as its own (ops/forge.go).

// MaxComment is GitHub's limit on a comment body, in characters.
const MaxComment = 65536

// Repo is the repository a conversation happens in.
type Repo struct {
	Owner, Name   string
	DefaultBranch string
	CloneURL      string
	Installation  int64
}

// FullName is "owner/name".
func (r Repo) FullName() string { return r.Owner + "/" + r.Name }

// PullHead is the head of a pull request, and what decides whether it may be applied.
type PullHead struct {
	SHA string
	Ref string // the head branch name, for people

	State  string // "open" or "closed"
	Merged bool   // merged (and so closed)
	Draft  bool   // a draft: not ready for review

	HeadRepo       string // owner/name of the head's repository ("" when it was deleted)
	BaseRepo       string // owner/name of the base repository
	BaseRef        string // the branch it merges into
	Mergeable      *bool  // nil: GitHub has not computed it yet
	MergeableState string // "clean", "dirty" (conflicts), "blocked", "behind", "unstable", "unknown", ...
}

// Review is one review of a pull request.
type Review struct {
	User     string
	State    string // APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
	CommitID string // the commit reviewed; "" when GitHub no longer knows it
}

// IssueComment is a comment of a conversation, as far as Rigel needs it.
type IssueComment struct {
	ID     int64
	Author string
	Body   string
	NodeID string // its GraphQL id (REST node_id), what MinimizeComment takes
}

// Pull is a pull request Rigel opened or found.
type Pull struct {
	Number int
	URL    string // its page, for people
	Head   string // the head branch
	Base   string // the branch it merges into
}

// NewPull is a pull request to open from a branch of the repository itself.
type NewPull struct {
	Head, Base  string // branch names
	Title, Body string
}

// The values of pull request automation (issue 11): check runs, commit statuses, the files a
// pull request changes. Values only; the calls are in checks.go, statuses.go, pull_files.go.

// GitHub's limits on what these values carry.
const (
	MaxCheckText         = 65535 // characters of a check run's output title, summary or text
	MaxAnnotationsPerRun = 50    // annotations GitHub takes in one request (more go in later updates)
	MaxStatusDescription = 140   // characters of a commit status's description
	MaxPullFiles         = 3000  // files GitHub lists for a pull request at most
	MaxCompareFiles      = 300   // files GitHub lists for a comparison at most
)

// Check run statuses and conclusions, as GitHub spells them.
const (
	CheckQueued     = "queued"
	CheckInProgress = "in_progress"
	CheckCompleted  = "completed"

	ConclusionSuccess        = "success"
	ConclusionFailure        = "failure"
	ConclusionNeutral        = "neutral"
	ConclusionCancelled      = "cancelled"
	ConclusionSkipped        = "skipped"
	ConclusionTimedOut       = "timed_out"
	ConclusionActionRequired = "action_required"
)

// CheckRun is a check run to create or update (e.g. "rigel/preview: api" on a head commit).
// Empty fields are not sent, so an update changes only what it sets.
type CheckRun struct {
	Name       string // required to create
	HeadSHA    string // required to create; ignored by updates (a run stays on its commit)
	Status     string // CheckQueued, CheckInProgress, CheckCompleted; "" leaves it (GitHub: queued on create)
	Conclusion string // required with CheckCompleted; setting it completes the run
	DetailsURL string // where people read more (the living comment)
	ExternalID string // Rigel's reference of the run (e.g. the deployment and digest)
	StartedAt  time.Time
	// CompletedAt is when the run completed; zero: now, when Conclusion is set.
	CompletedAt time.Time
	Output      *CheckOutput // nil leaves the output as it is
}

// CheckOutput is what a check run shows. Title, Summary and Text are cut to MaxCheckText
// characters; a cut Text (or Summary) ends with Link, so a reader finds the rest.
type CheckOutput struct {
	Title   string
	Summary string // Markdown, required by GitHub (a one-line summary is fine)
	Text    string // Markdown, e.g. the diff in a ```diff fence
	// Link is the line that ends a cut text, e.g. "[The whole diff is in the comment](url)".
	Link        string
	Annotations []Annotation // any number: sent MaxAnnotationsPerRun per request
}

// Annotation levels, as GitHub spells them.
const (
	AnnotationNotice  = "notice"
	AnnotationWarning = "warning"
	AnnotationFailure = "failure"
)

// Annotation marks lines of a file of the head commit (a render error at file and line).
type Annotation struct {
	Path                   string // relative to the repository root, "k8s/base/kustomization.yaml"
	StartLine, EndLine     int    // from 1; EndLine 0 means StartLine
	StartColumn, EndColumn int    // from 1, only on one line; 0 leaves them out
	Level                  string // AnnotationNotice, AnnotationWarning, AnnotationFailure
	Title                  string // cut to 255 characters
	Message                string // required; cut to 64 KiB
	RawDetails             string // cut to 64 KiB
}

// CheckRunRef is a check run GitHub holds.
type CheckRunRef struct {
	ID      int64
	HTMLURL string // its page, for people
}

// CheckRunState is a check run as GitHub lists it for a commit.
type CheckRunState struct {
	ID         int64
	Name       string
	HeadSHA    string
	Status     string
	Conclusion string // "" until completed
	ExternalID string
	AppID      int64 // the app that made it (0 when GitHub does not say)
	HTMLURL    string
}

// Commit status states, as GitHub spells them.
const (
	StatusPending = "pending"
	StatusSuccess = "success"
	StatusFailure = "failure"
	StatusError   = "error"
)

// CommitStatus is a commit status, what token mode sets in place of a check run.
type CommitStatus struct {
	Context     string // e.g. "rigel/preview: api"; one status per context and commit is shown
	State       string // StatusPending, StatusSuccess, StatusFailure, StatusError
	Description string // cut to MaxStatusDescription characters
	TargetURL   string // "" for none
}

// ChangedFile is a file a pull request adds, removes, modifies or renames.
type ChangedFile struct {
	Path         string // the file's path at the head ("filename")
	PreviousPath string // a renamed (or copied) file's path at the base; "" otherwise
	Status       string // added, removed, modified, renamed, copied, changed, unchanged
}

// ChangedFiles is what a pull request changes, as far as GitHub lists it.
type ChangedFiles struct {
	Files []ChangedFile
	// Complete is false when GitHub listed fewer files than the pull request changes (more
	// than MaxPullFiles, or a comparison past MaxCompareFiles): the caller must not conclude
	// that a file absent from Files is unchanged.
	Complete bool
	// Source says which listing Files comes from: "pulls" (the pull request's files) or
	// "compare" (base...head, when the pull request's listing failed or was cut).
	Source string
}
