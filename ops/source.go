package ops

import (
	"context"
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/gitsrc"
)

// Origin is a repository Rigel reads commits from, and how it authenticates to it.
type Origin struct {
	Repo     string // owner/name
	CloneURL string // must not carry credentials
	// Creds returns the basic-auth user and password for cloning (a GitHub installation token
	// or a personal access token); nil means anonymous.
	Creds func(ctx context.Context) (user, password string, err error)
}

// Target is a commit to work on: the tip of a branch, a pull request's head, another ref, or
// an exact commit. Adapters name it for people (words.Label).
type Target struct {
	Ref    string // git ref fetched: refs/heads/main, refs/pull/7/head, refs/tags/v1
	Commit string // the exact commit, when known before fetching
	Branch string // the branch, when Ref is its tip
	Pull   int    // the pull request, when Ref is its head
}

// BranchTarget is the tip of a branch.
func BranchTarget(branch string) Target {
	return Target{Ref: "refs/heads/" + branch, Branch: branch}
}

// PullTarget is the head of pull request n, at commit when known.
func PullTarget(n int, commit string) Target {
	return Target{Ref: fmt.Sprintf("refs/pull/%d/head", n), Commit: commit, Pull: n}
}

// RefTarget is the tip of a full ref ("refs/heads/main", "refs/tags/v1") or of a branch name.
func RefTarget(ref string) Target {
	if b, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
		return BranchTarget(b)
	}
	if !strings.HasPrefix(ref, "refs/") {
		return BranchTarget(ref)
	}
	return Target{Ref: ref}
}

// At is the same target pinned to commit.
func (t Target) At(commit string) Target {
	t.Commit = commit
	return t
}

// Fetch brings the commit of a target (or the exact commit asked for) of o into the cache.
func (s *Service) Fetch(ctx context.Context, o Origin, t Target) (*gitsrc.Snapshot, error) {
	snap, err := s.Source.Fetch(ctx, gitsrc.FetchRequest{
		Repo:     o.Repo,
		CloneURL: o.CloneURL,
		Ref:      t.Ref,
		Commit:   t.Commit,
		Token:    o.Creds,
	})
	if err != nil {
		if unreachable(err) {
			return nil, fmt.Errorf("could not reach the git server for %s: %w", o.Repo, err)
		}
		return nil, fmt.Errorf("failed to fetch %s of %s: %w", t.Ref, o.Repo, err)
	}
	return snap, nil
}
