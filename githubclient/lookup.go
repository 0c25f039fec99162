package githubclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v62/github"
	"github.com/palantir/go-githubapp/githubapp"

	"github.com/rigel-gitops/rigel/config"
)

// LookupRepo asks GitHub for a repository as the registry stores it: its default branch,
// clone URL and, for an app, the installation that covers it. found is false when GitHub
// does not show the repository to Rigel (no such repository, or the app is not installed on
// it, or the token cannot see it).
func (c *Clients) LookupRepo(ctx context.Context, fullName string) (repo config.Repo, found bool, err error) {
	owner, name, _ := strings.Cut(fullName, "/")
	var client *github.Client
	var installationID int64
	if c.creator != nil {
		app, err := c.creator.NewAppClient()
		if err != nil {
			return config.Repo{}, false, fmt.Errorf("failed to build the app client: %w", err)
		}
		inst, _, err := app.Apps.FindRepositoryInstallation(ctx, owner, name)
		if isNotFound(err) {
			return config.Repo{}, false, nil
		}
		if err != nil {
			return config.Repo{}, false, fmt.Errorf("failed to find the app's installation on %s: %w", fullName, err)
		}
		installationID = inst.GetID()
		if client, err = c.creator.NewInstallationClient(installationID); err != nil {
			return config.Repo{}, false, fmt.Errorf("failed to build the client of installation %d: %w", installationID, err)
		}
	} else if client, err = c.tokenClient(c.creds.Token); err != nil {
		return config.Repo{}, false, err
	}
	r, _, err := client.Repositories.Get(ctx, owner, name)
	if isNotFound(err) {
		return config.Repo{}, false, nil
	}
	if err != nil {
		return config.Repo{}, false, fmt.Errorf("failed to read %s on GitHub: %w", fullName, err)
	}
	return config.Repo{Repo: r.GetFullName(), Branch: r.GetDefaultBranch(), CloneURL: r.GetCloneURL(), InstallationID: installationID}, true, nil
}

// VerifyToken asks GitHub whose personal access token this is; the error never holds the token.
func (c *Clients) VerifyToken(ctx context.Context, token string) (string, error) {
	client, err := c.tokenClient(token)
	if err != nil {
		return "", err
	}
	u, _, err := client.Users.Get(ctx, "")
	if err != nil {
		return "", fmt.Errorf("GitHub (%s) refuses the token: %s", c.apiURL(), githubStatus(err))
	}
	return u.GetLogin(), nil
}

// VerifyApp asks GitHub for the app with this id, authenticated with this private key, and
// returns its bot login ("<slug>[bot]"); the error never holds the key.
func (c *Clients) VerifyApp(ctx context.Context, appID int64, key []byte) (string, error) {
	creator := githubapp.NewClientCreator(c.apiURL(), strings.TrimSuffix(c.apiURL(), "v3/")+"graphql", appID, key,
		githubapp.WithClientUserAgent("rigel"), githubapp.WithTransport(c.transport()))
	client, err := creator.NewAppClient()
	if err != nil {
		return "", fmt.Errorf("failed to sign a request as app %d with this private key", appID)
	}
	app, _, err := client.Apps.Get(ctx, "")
	if err != nil {
		return "", fmt.Errorf("GitHub (%s) refuses app %d with this private key: %s", c.apiURL(), appID, githubStatus(err))
	}
	return app.GetSlug() + "[bot]", nil
}

// tokenClient is a client authenticated with a personal access token.
func (c *Clients) tokenClient(token string) (*github.Client, error) {
	client, err := github.NewClient(&http.Client{Transport: c.transport()}).WithAuthToken(token).WithEnterpriseURLs(c.apiURL(), c.apiURL())
	if err != nil {
		return nil, fmt.Errorf("failed to build the GitHub client for %s: %w", c.apiURL(), err)
	}
	return client, nil
}

func isNotFound(err error) bool {
	var er *github.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusNotFound
}

// githubStatus is GitHub's answer to a refused request, without the request: "401 Bad credentials".
func githubStatus(err error) string {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return fmt.Sprintf("%d %s", er.Response.StatusCode, er.Message)
	}
	return err.Error()
}
