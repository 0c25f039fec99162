package ops

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/githubclient"
)

// MaxRepos is the most repositories Repos lists unless Service.RepoLimit says otherwise: an
// app installed on a large organisation can see thousands, and each page is a GitHub call.
const MaxRepos = 1000

// VisibleRepo is a repository GitHub shows Rigel (githubclient.VisibleRepo): its full name,
// default branch, whether it is private, and the installation that sees it (0 with a token).
type VisibleRepo = githubclient.VisibleRepo

// SeenRepo is a repository GitHub shows Rigel, with what the registry holds of it.
type SeenRepo struct {
	VisibleRepo
	Registered  bool     // the registry has an entry for it
	Branch      string   // the branch its deployments sync from, when registered
	Deployments []string // the names of its deployments, in the registry's order
}

// RepoList is the repositories GitHub shows Rigel, sorted by full name.
type RepoList struct {
	Repos     []SeenRepo
	Limit     int  // the most that were listed
	Truncated bool // GitHub shows more than Limit: the rest are not listed
	// Unseen are the registered repositories GitHub did not show (uninstalled, renamed, or
	// out of the token's reach), sorted; left empty when the list was truncated, as the
	// rest may hold them.
	Unseen []string
}

// errNoRepoLister: the wiring gave the service no GitHub to list repositories with.
var errNoRepoLister = errors.New("Rigel has no GitHub to list repositories with")

// Repos lists the repositories the app's installations (or the token) can see, at most
// RepoLimit (MaxRepos), each with whether it is registered and its deployments.
func (s *Service) Repos(ctx context.Context) (*RepoList, error) {
	if s.GitHubRepos == nil {
		return nil, errNoRepoLister
	}
	limit := s.RepoLimit
	if limit <= 0 {
		limit = MaxRepos
	}
	src, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	seen, truncated, err := s.GitHubRepos.VisibleRepos(ctx, limit)
	if err != nil {
		return nil, fmt.Errorf("failed to list the repositories GitHub shows Rigel: %w", err)
	}
	if len(seen) > limit { // a lister that ignores the limit is held to it
		seen, truncated = seen[:limit], true
	}
	out := &RepoList{Limit: limit, Truncated: truncated, Repos: make([]SeenRepo, 0, len(seen)), Unseen: []string{}}
	shown := map[string]bool{}
	for _, r := range seen {
		key := strings.ToLower(r.FullName)
		if shown[key] { // one repository seen by two installations is listed once
			continue
		}
		shown[key] = true
		sr := SeenRepo{VisibleRepo: r, Deployments: []string{}}
		if e := src.FindRepo(r.FullName); e != nil {
			sr.Registered, sr.Branch = true, e.Branch
			for _, d := range e.Deployments {
				sr.Deployments = append(sr.Deployments, d.Name)
			}
		}
		out.Repos = append(out.Repos, sr)
	}
	sort.Slice(out.Repos, func(i, j int) bool {
		return strings.ToLower(out.Repos[i].FullName) < strings.ToLower(out.Repos[j].FullName)
	})
	if !truncated {
		for _, e := range src.Repos {
			if !shown[strings.ToLower(e.Repo)] {
				out.Unseen = append(out.Unseen, e.Repo)
			}
		}
		sort.Strings(out.Unseen)
	}
	zerolog.Ctx(ctx).Debug().Int("repos", len(out.Repos)).Bool("truncated", truncated).Msg("repositories listed")
	return out, nil
}
