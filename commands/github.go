package commands

import "context"

// Repo is the repository a conversation happens in.
type Repo struct {
	Owner, Name   string
	DefaultBranch string
	CloneURL      string
	Installation  int64
}

// FullName is "owner/name".
func (r Repo) FullName() string { return r.Owner + "/" + r.Name }

// Request is one comment (or issue body) that may hold commands.
type Request struct {
	DeliveryID string
	Repo       Repo
	Number     int   // issue or pull request number
	IsPR       bool  // the conversation is a pull request
	CommentID  int64 // 0 when the text is an issue's body
	Author     string
	Body       string
}

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

// GitHub is what commands need from GitHub, for one installation.
type GitHub interface {
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
}
