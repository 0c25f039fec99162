package githubclient

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
