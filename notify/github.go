package notify

import (
	"context"
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/githubclient"
)

// GitHub is what the Deployments need of one installation (githubclient.Installation).
type GitHub interface {
	CreateDeployment(ctx context.Context, repo githubclient.Repo, d githubclient.NewDeployment) (int64, error)
	SetDeploymentStatus(ctx context.Context, repo githubclient.Repo, id int64, s githubclient.DeploymentStatus) error
	LatestDeployment(ctx context.Context, repo githubclient.Repo, environment string) (*githubclient.Deployment, error)
	LatestDeploymentStatus(ctx context.Context, repo githubclient.Repo, id int64) (*githubclient.DeploymentStatus, error)
}

var _ GitHub = (*githubclient.Installation)(nil)

// maxOpen bounds the applies in progress a Notifier remembers the GitHub Deployment of (an
// apply whose end was dropped would otherwise stay forever).
const maxOpen = 1024

// driftPrefix starts the description of a drift status (statusOf).
const driftPrefix = "drifted:"

// openKey names an apply in progress: its repository, deployment and commit.
func openKey(e Event) string {
	return strings.ToLower(e.Repo.FullName()) + "\x00" + e.Deployment + "\x00" + e.Commit
}

// toGitHub makes e a GitHub Deployment or status: an apply starting creates the deployment
// of its commit in the environment named after the deployment (in_progress); its end sets
// success, failure (applied but unhealthy or with failures) or error (it failed); drift sets
// a status on the environment's latest deployment.
func (n *Notifier) toGitHub(ctx context.Context, e Event) error {
	if e.Deployment == "" || e.Commit == "" || e.Repo.Owner == "" {
		return fmt.Errorf("an event of %q at %q names no deployment, repository or commit", e.Deployment, e.Commit)
	}
	gh, err := n.opts.GitHub(ctx, e.Repo)
	if err != nil {
		return fmt.Errorf("failed to reach %s on GitHub: %w", e.Repo.FullName(), err)
	}
	state, desc := statusOf(e)
	link := n.conversation(e)
	switch e.Kind {
	case Applying:
		id, err := n.create(ctx, gh, e)
		if err != nil {
			return err
		}
		n.mu.Lock()
		if len(n.open) >= maxOpen {
			clear(n.open)
		}
		n.open[openKey(e)] = id
		n.mu.Unlock()
		return gh.SetDeploymentStatus(ctx, e.Repo, id, githubclient.DeploymentStatus{State: state, Description: desc, LogURL: link})
	case Applied, Failed:
		n.mu.Lock()
		id, ok := n.open[openKey(e)]
		delete(n.open, openKey(e))
		n.mu.Unlock()
		if !ok { // its start was not told or failed: the deployment is created now
			if id, err = n.create(ctx, gh, e); err != nil {
				return err
			}
		}
		return gh.SetDeploymentStatus(ctx, e.Repo, id, githubclient.DeploymentStatus{State: state, Description: desc, LogURL: link})
	case Drifted, DriftGone, DriftCheck:
		return n.driftStatus(ctx, gh, e, state, desc)
	}
	return nil
}

// conversation is the page of the issue or pull request e was asked in ("" none): GitHub
// answers an issue's address of a pull request with the pull request.
func (n *Notifier) conversation(e Event) string {
	if e.Number <= 0 || n.opts.WebURL == "" {
		return ""
	}
	return fmt.Sprintf("%s/%s/issues/%d", strings.TrimSuffix(n.opts.WebURL, "/"), e.Repo.FullName(), e.Number)
}

// create creates the GitHub Deployment of e's commit.
func (n *Notifier) create(ctx context.Context, gh GitHub, e Event) (int64, error) {
	payload := map[string]any{"rigel": map[string]any{"kind": e.SyncKind, "author": e.Author, "ref": e.Ref}}
	desc := "Rigel applies " + e.Deployment + " at " + shortSHA(e.Commit)
	if w := kindWords(e.SyncKind); w != "" {
		desc += " (" + w + ")"
	}
	return gh.CreateDeployment(ctx, e.Repo, githubclient.NewDeployment{SHA: e.Commit, Environment: e.Deployment, Description: desc, Payload: payload})
}

// driftStatus sets drift's status on the latest deployment of e's environment: failure
// "drifted: …" when found (unless that is already its status), success when gone; a new
// leader's check (DriftCheck) sets success only when the latest status says drifted. An
// environment without a deployment gets none.
func (n *Notifier) driftStatus(ctx context.Context, gh GitHub, e Event, state, desc string) error {
	latest, err := gh.LatestDeployment(ctx, e.Repo, e.Deployment)
	if err != nil || latest == nil {
		return err
	}
	if e.Kind != DriftGone {
		st, err := gh.LatestDeploymentStatus(ctx, e.Repo, latest.ID)
		if err != nil {
			return err
		}
		wasDrifted := st != nil && st.State == "failure" && strings.HasPrefix(st.Description, driftPrefix)
		if (e.Kind == Drifted && wasDrifted && st.Description == desc) || (e.Kind == DriftCheck && !wasDrifted) {
			return nil // GitHub shows it already
		}
	}
	return gh.SetDeploymentStatus(ctx, e.Repo, latest.ID, githubclient.DeploymentStatus{State: state, Description: desc})
}
