package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

// checkCloneURL refuses a clone URL off the git host Rigel is configured for, with status
// (400 for a request, 409 for a registry entry): Rigel's credentials go to that host only.
func (s *server) checkCloneURL(entry config.Repo, status int) error {
	if entry.CloneURL == "" {
		return nil // GitHub's answer is checked when used
	}
	if err := s.Ops.CheckCloneURL(entry.Repo, entry.CloneURL); err != nil {
		return fail(status, "%v. Nothing was sent to it.", err)
	}
	return nil
}

// checkInstallation looks up the installation of entry's repository on GitHub and sets it:
// the installation id given is never trusted. strict refuses an entry that names another
// installation (a request); else (a registry entry) GitHub's answer replaces it. With a token
// there are no installations and nothing is asked.
func (s *server) checkInstallation(ctx context.Context, entry *config.Repo, strict bool) error {
	if !s.Settings.UsesApp() {
		return nil
	}
	id, err := s.GitHub.InstallationOf(ctx, entry.Repo)
	var ni *ops.NotInstalled
	switch {
	case errors.As(err, &ni):
		return fail(http.StatusNotFound, "%v: install it there first, then register the repository again.", err)
	case err != nil:
		return fmt.Errorf("failed to ask GitHub about %s: %w", entry.Repo, err)
	case strict && entry.InstallationID != 0 && entry.InstallationID != id:
		return fail(http.StatusBadRequest, "installation %d does not cover %s: GitHub says its installation is %d. Leave installationID out: Rigel looks it up.", entry.InstallationID, entry.Repo, id)
	}
	entry.InstallationID = id
	return nil
}
