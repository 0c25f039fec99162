package handlers

import (
	"context"
	"errors"
	"fmt"

	"github.com/rigel-gitops/rigel/commands"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/gitsrc"
)

// Gate checks what a signed delivery says about its repository before anything runs (issue
// 18): the payload is signed, but by whoever holds the webhook secret, so its clone URL and
// installation are not taken as given.
type Gate struct {
	// Host is the only git host clone URLs may point at.
	Host gitsrc.Host
	// Installation looks up the app's installation on a repository (GitHub, cached); nil in
	// token mode.
	Installation func(ctx context.Context, fullName string) (int64, error)
	// Registry, in token mode: only registered repositories are acted on. nil: not checked.
	Registry *config.Registry
}

// RefusedError: the delivery names a repository Rigel does not act for, as said.
type RefusedError struct {
	Repo, Why string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refused a delivery for %s: %s", e.Repo, e.Why)
}

// Admit returns nil when Rigel may act on repo as the delivery describes it, a *RefusedError
// when it may not, or another error when it cannot tell now (GitHub or the cluster
// unreachable).
func (g *Gate) Admit(ctx context.Context, repo *commands.Repo) error {
	if g == nil {
		return nil
	}
	full := repo.FullName()
	if err := g.Host.Check(full, repo.CloneURL); err != nil {
		return &RefusedError{Repo: full, Why: err.Error()}
	}
	if g.Installation != nil {
		id, err := g.Installation(ctx, full)
		var ni *githubclient.NotInstalledError
		if errors.As(err, &ni) {
			return &RefusedError{Repo: full, Why: err.Error()}
		}
		if err != nil {
			return err
		}
		if id != repo.Installation {
			return &RefusedError{Repo: full, Why: fmt.Sprintf("the payload names installation %d, but GitHub says the app's installation on %s is %d", repo.Installation, full, id)}
		}
	}
	if g.Registry != nil {
		src, err := g.Registry.Load(ctx)
		if err != nil {
			return fmt.Errorf("failed to read the registry: %w", err)
		}
		if src.FindRepo(full) == nil {
			return &RefusedError{Repo: full, Why: fmt.Sprintf("in token mode Rigel acts only for registered repositories; register it with POST /api/git/sources or in ConfigMap %s, and give it its own webhook secret (key %s%s.%s of Secret %s)",
				config.SourcesConfigMap, config.SecretKeyRepoWebhookSecretPrefix, repo.Owner, repo.Name, config.CredentialSecret)}
		}
	}
	return nil
}
