package config

import (
	"context"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/gitsrc"
)

// SetGitHost makes the registry check every clone URL it reads against h, the one git host
// Rigel talks to (Settings.GitHost). A repository whose clone URL is elsewhere stays in the
// registry (its deployments are still listed) but is reported when read, and every fetch or
// push for it is refused by gitsrc with the same message; the other repositories are not
// affected.
func (r *Registry) SetGitHost(h gitsrc.Host) { r.gitHost = h }

// GitHost is the host clone URLs are checked against (zero: not checked).
func (r *Registry) GitHost() gitsrc.Host { return r.gitHost }

// CheckCloneURL says whether repo's clone URL is on the registry's git host: nil when it is,
// when the repo has none (Rigel then asks GitHub) or when no host is set; else a
// *gitsrc.HostError naming the repo and what to fix.
func (r *Registry) CheckCloneURL(repo Repo) error {
	if r.gitHost.IsZero() || repo.CloneURL == "" {
		return nil
	}
	return r.gitHost.Check(repo.Repo, repo.CloneURL)
}

// reportCloneURLs logs each repository of s whose clone URL is off the git host.
func (r *Registry) reportCloneURLs(ctx context.Context, s *Sources) {
	for _, repo := range s.Repos {
		if err := r.CheckCloneURL(repo); err != nil {
			zerolog.Ctx(ctx).Warn().Str("registered_repo", repo.Repo).Str("configmap", SourcesConfigMap).Err(err).Msg("registry entry refused: its clone URL is not on the git host")
		}
	}
}
