package githubclient

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/google/go-github/v62/github"
)

// SetStatus sets commit status s on commit sha (token mode's stand-in for a check run: a
// personal access token cannot create check runs). GitHub shows the latest status of each
// context, so setting one again replaces it. The description is cut to MaxStatusDescription
// characters.
func (i *Installation) SetStatus(ctx context.Context, repo Repo, sha string, s CommitStatus) error {
	switch s.State {
	case StatusPending, StatusSuccess, StatusFailure, StatusError:
	default:
		return fmt.Errorf("failed to set status %q on %s@%s: state %q is not pending, success, failure or error", s.Context, repo.FullName(), short(sha), s.State)
	}
	if sha == "" || s.Context == "" {
		return fmt.Errorf("failed to set a commit status on %s: it needs a commit and a context", repo.FullName())
	}
	st := &github.RepoStatus{State: github.String(s.State), Context: github.String(s.Context)}
	if s.Description != "" {
		st.Description = github.String(cutRunes(s.Description, MaxStatusDescription))
	}
	st.TargetURL = optional(s.TargetURL)
	if _, _, err := i.client.Repositories.CreateStatus(ctx, repo.Owner, repo.Name, sha, st); err != nil {
		return fmt.Errorf("failed to set status %q on %s@%s: %w", s.Context, repo.FullName(), short(sha), err)
	}
	return nil
}

// Statuses returns the latest status of each context on commit sha.
func (i *Installation) Statuses(ctx context.Context, repo Repo, sha string) ([]CommitStatus, error) {
	var out []CommitStatus
	opts := &github.ListOptions{PerPage: 100}
	for {
		combined, resp, err := i.client.Repositories.GetCombinedStatus(ctx, repo.Owner, repo.Name, sha, opts)
		if err != nil {
			return nil, fmt.Errorf("failed to read the statuses of %s@%s: %w", repo.FullName(), short(sha), err)
		}
		for _, s := range combined.Statuses {
			out = append(out, CommitStatus{Context: s.GetContext(), State: s.GetState(), Description: s.GetDescription(), TargetURL: s.GetTargetURL()})
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// cutRunes cuts s to at most n characters, the last one "…" when it was cut.
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
