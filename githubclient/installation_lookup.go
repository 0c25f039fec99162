package githubclient

import (
	"context"
	"fmt"
	"strings"
	gosync "sync"
	"time"
)

// InstallationTTL is how long the installation of a repository, once looked up, is trusted.
const InstallationTTL = time.Minute

// NotInstalledError: the app is not installed on the repository (GitHub answers 404 to
// GET /repos/{owner}/{repo}/installation).
type NotInstalledError struct {
	Repo string
}

func (e *NotInstalledError) Error() string {
	return fmt.Sprintf("the GitHub App is not installed on %s", e.Repo)
}

type installationCache struct {
	mu   gosync.Mutex
	byID map[string]cachedInstallation // by lower-case owner/name
}

type cachedInstallation struct {
	id    int64
	until time.Time
}

// InstallationOf asks GitHub which installation of the app covers repository fullName
// ("owner/name"): GET /repos/{owner}/{repo}/installation, authenticated as the app. Answers
// are kept for InstallationTTL. An app not installed there is a *NotInstalledError. With a
// token (no app) it is 0 and nil: there are no installations.
func (c *Clients) InstallationOf(ctx context.Context, fullName string) (int64, error) {
	if c.creator == nil {
		return 0, nil
	}
	key := strings.ToLower(fullName)
	c.installs.mu.Lock()
	hit, ok := c.installs.byID[key]
	c.installs.mu.Unlock()
	if ok && time.Now().Before(hit.until) {
		return hit.id, nil
	}
	owner, name, _ := strings.Cut(fullName, "/")
	app, err := c.creator.NewAppClient()
	if err != nil {
		return 0, fmt.Errorf("failed to build the app client: %w", err)
	}
	inst, _, err := app.Apps.FindRepositoryInstallation(ctx, owner, name)
	if isNotFound(err) {
		return 0, &NotInstalledError{Repo: fullName}
	}
	if err != nil {
		return 0, fmt.Errorf("failed to find the app's installation on %s: %s", fullName, githubStatus(err))
	}
	c.installs.mu.Lock()
	if c.installs.byID == nil {
		c.installs.byID = map[string]cachedInstallation{}
	}
	c.installs.byID[key] = cachedInstallation{id: inst.GetID(), until: time.Now().Add(InstallationTTL)}
	c.installs.mu.Unlock()
	return inst.GetID(), nil
}
