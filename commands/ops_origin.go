package commands

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

// branchTarget is the tip of a branch.
func branchTarget(branch string) target {
	return target{Ref: "refs/heads/" + branch, Label: "branch `" + branch + "`"}
}

// refTarget is the tip of a full ref ("refs/heads/main", "refs/tags/v1") or of a branch name.
func refTarget(ref string) target {
	if b, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
		return branchTarget(b)
	}
	if !strings.HasPrefix(ref, "refs/") {
		return branchTarget(ref)
	}
	return target{Ref: ref, Label: "`" + ref + "`"}
}

// fetchAt brings the commit of a target (or the exact commit asked for) of o into the cache.
func (r *Runner) fetchAt(ctx context.Context, o Origin, t target) (*gitsrc.Snapshot, error) {
	snap, err := r.Source.Fetch(ctx, gitsrc.FetchRequest{
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
		return nil, fmt.Errorf("failed to fetch %s of %s: %w", t.Label, o.Repo, err)
	}
	return snap, nil
}

// origin is the conversation's repo, cloned with the installation's credentials.
func (c *call) origin() Origin {
	return Origin{Repo: c.req.Repo.FullName(), CloneURL: c.req.Repo.CloneURL, Creds: c.gh.GitCredentials}
}
