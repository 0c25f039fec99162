package ops

import (
	"context"
	"errors"
	"fmt"

	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/gitsrc"
)

// NotInstalled is GitHub's answer that the app is not installed on a repository, named here
// so adapters need only ops.
type NotInstalled = githubclient.NotInstalledError

// Admission is what Rigel checks of the repository a signed delivery names before anything
// runs (issue 18): the payload is signed, but by whoever holds the webhook secret, so its
// clone URL and installation are not taken as given.
type Admission struct {
	// Host is the only git host clone URLs may point at.
	Host gitsrc.Host
	// Installation looks up the app's installation on a repository (GitHub, cached;
	// githubclient.Clients.InstallationOf): a *NotInstalled when there is
	// none. nil: not checked (token mode: there are no installations).
	Installation func(ctx context.Context, fullName string) (int64, error)
	// RegisteredOnly (token mode): only repositories in the registry (s.Registry) are acted on.
	RegisteredOnly bool
}

// Admit returns nil when Rigel may act on repo as the delivery describes it, a *NotAdmitted
// when it may not, or another error when it cannot tell now (GitHub or the cluster
// unreachable). Without an Admission every delivery is admitted.
func (s *Service) Admit(ctx context.Context, repo Repo) error {
	if s == nil || s.Admission == nil {
		return nil
	}
	a := s.Admission
	full := repo.FullName()
	if err := a.Host.Check(full, repo.CloneURL); err != nil {
		return &NotAdmitted{Repo: repo, Why: AdmitCloneURL, Cause: err}
	}
	if a.Installation != nil {
		id, err := a.Installation(ctx, full)
		var ni *NotInstalled
		if errors.As(err, &ni) {
			return &NotAdmitted{Repo: repo, Why: AdmitNotInstalled, Cause: err}
		}
		if err != nil {
			return err
		}
		if id != repo.Installation {
			return &NotAdmitted{Repo: repo, Why: AdmitOtherInstallation, Named: repo.Installation, Installed: id}
		}
	}
	if a.RegisteredOnly {
		src, err := s.Registry.Load(ctx)
		if err != nil {
			return fmt.Errorf("failed to read the registry: %w", err)
		}
		if src.FindRepo(full) == nil {
			return &NotAdmitted{Repo: repo, Why: AdmitUnregistered}
		}
	}
	return nil
}
