package githubclient

import (
	"context"
	"fmt"

	"github.com/google/go-github/v62/github"
)

// GitHub Deployments (issue 12, notifications): each apply of a deployment is a GitHub
// Deployment of the applied commit in the environment named after it, with deployment
// statuses; the repository's Environments and the pull request timeline show them.

// The states of a deployment status Rigel sets.
const (
	DeploymentInProgress = "in_progress"
	DeploymentSuccess    = "success"
	DeploymentFailure    = "failure"
	DeploymentError      = "error"
)

// NewDeployment is a GitHub Deployment to create.
type NewDeployment struct {
	SHA         string // the commit deployed
	Environment string // the deployment's name
	Description string // cut to MaxStatusDescription characters
	Payload     map[string]any
}

// Deployment is a GitHub Deployment as Rigel reads it.
type Deployment struct {
	ID          int64
	SHA         string
	Environment string
	Description string
	Creator     string
}

// DeploymentStatus is a status of a GitHub Deployment.
type DeploymentStatus struct {
	State       string // Deployment* (GitHub also knows queued, pending, inactive)
	Description string // cut to MaxStatusDescription characters
	LogURL      string // optional: where to read more (a comment, a check run)
}

// CreateDeployment creates a deployment of d.SHA in d.Environment and returns its id. It asks
// GitHub neither to merge the default branch in (auto_merge false) nor to check the commit's
// statuses (required_contexts empty): Rigel records an apply that happened, whatever they say.
func (i *Installation) CreateDeployment(ctx context.Context, repo Repo, d NewDeployment) (int64, error) {
	if d.SHA == "" || d.Environment == "" {
		return 0, fmt.Errorf("failed to create a deployment in %s: it needs a commit and an environment", repo.FullName())
	}
	req := &github.DeploymentRequest{
		Ref: github.String(d.SHA), Task: github.String("deploy"), AutoMerge: github.Bool(false),
		RequiredContexts: &[]string{}, Environment: github.String(d.Environment),
		TransientEnvironment: github.Bool(false),
	}
	if d.Description != "" {
		req.Description = github.String(cutRunes(d.Description, MaxStatusDescription))
	}
	if d.Payload != nil {
		req.Payload = d.Payload
	}
	dep, _, err := i.client.Repositories.CreateDeployment(ctx, repo.Owner, repo.Name, req)
	if err != nil {
		return 0, fmt.Errorf("failed to create a deployment of %s@%s in environment %s: %w", repo.FullName(), short(d.SHA), d.Environment, err)
	}
	if dep.GetID() == 0 { // 202: GitHub merged a branch instead (never asked: auto_merge is false)
		return 0, fmt.Errorf("failed to create a deployment of %s@%s in environment %s: GitHub answered without one", repo.FullName(), short(d.SHA), d.Environment)
	}
	return dep.GetID(), nil
}

// SetDeploymentStatus adds status s to deployment id of repo. GitHub marks the environment's
// earlier successful deployments inactive when a new one succeeds.
func (i *Installation) SetDeploymentStatus(ctx context.Context, repo Repo, id int64, s DeploymentStatus) error {
	switch s.State {
	case DeploymentInProgress, DeploymentSuccess, DeploymentFailure, DeploymentError:
	default:
		return fmt.Errorf("failed to set deployment status %q on %s deployment %d: not in_progress, success, failure or error", s.State, repo.FullName(), id)
	}
	req := &github.DeploymentStatusRequest{State: github.String(s.State), LogURL: optional(s.LogURL)}
	if s.Description != "" {
		req.Description = github.String(cutRunes(s.Description, MaxStatusDescription))
	}
	if _, _, err := i.client.Repositories.CreateDeploymentStatus(ctx, repo.Owner, repo.Name, id, req); err != nil {
		return fmt.Errorf("failed to set deployment status %s on %s deployment %d: %w", s.State, repo.FullName(), id, err)
	}
	return nil
}

// LatestDeployment returns the newest deployment of environment in repo, nil when there is
// none.
func (i *Installation) LatestDeployment(ctx context.Context, repo Repo, environment string) (*Deployment, error) {
	list, _, err := i.client.Repositories.ListDeployments(ctx, repo.Owner, repo.Name,
		&github.DeploymentsListOptions{Environment: environment, ListOptions: github.ListOptions{PerPage: 1}})
	if err != nil {
		return nil, fmt.Errorf("failed to list the deployments of %s in environment %s: %w", repo.FullName(), environment, err)
	}
	if len(list) == 0 {
		return nil, nil
	}
	d := list[0]
	return &Deployment{ID: d.GetID(), SHA: d.GetSHA(), Environment: d.GetEnvironment(), Description: d.GetDescription(), Creator: d.GetCreator().GetLogin()}, nil
}

// LatestDeploymentStatus returns the newest status of deployment id of repo, nil when it has
// none.
func (i *Installation) LatestDeploymentStatus(ctx context.Context, repo Repo, id int64) (*DeploymentStatus, error) {
	list, _, err := i.client.Repositories.ListDeploymentStatuses(ctx, repo.Owner, repo.Name, id, &github.ListOptions{PerPage: 1})
	if err != nil {
		return nil, fmt.Errorf("failed to list the statuses of %s deployment %d: %w", repo.FullName(), id, err)
	}
	if len(list) == 0 {
		return nil, nil
	}
	return &DeploymentStatus{State: list[0].GetState(), Description: list[0].GetDescription(), LogURL: list[0].GetLogURL()}, nil
}
