package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

const (
	exampleRepo       = `{"repo": "acme/shop", "branch": "main"}`
	exampleDeployment = `{"repo": "acme/shop", "path": "apps/web/k8s"}`
	exampleRemove     = `{"name": "web"}`
)

// GET /api/git/sources: the registry as stored, and the holds of pull requests (locks.go).
func (s *server) listSources(c echo.Context) error {
	ctx := c.Request().Context()
	src, err := s.Ops.Sources(ctx)
	if err != nil {
		return err
	}
	holds, err := s.Ops.ListHolds(ctx)
	if err != nil { // the registry is still worth answering
		zerolog.Ctx(ctx).Warn().Err(err).Msg("failed to list the holds of pull requests")
	}
	return c.JSON(http.StatusOK, sourcesJSON{Sources: src, Holds: holdsOut(holds), Drift: driftOut(s.Ops.DriftReports(ctx))})
}

type repoRequest struct {
	Repo           string `json:"repo"`
	Branch         string `json:"branch"`
	CloneURL       string `json:"cloneURL"`
	InstallationID int64  `json:"installationID"`
}

// POST /api/git/sources: register a repo without deployments, or update a registered one.
// What is not given comes from GitHub: the default branch, the clone URL, the installation.
func (s *server) addRepo(c echo.Context) error {
	ctx := c.Request().Context()
	var req repoRequest
	if err := decode(c, &req, exampleRepo); err != nil {
		return err
	}
	if err := checkRepoName(req.Repo); err != nil {
		return err
	}
	entry := config.Repo{Repo: req.Repo, Branch: req.Branch, CloneURL: req.CloneURL, InstallationID: req.InstallationID}
	if err := s.checkCloneURL(entry, http.StatusBadRequest); err != nil {
		return err
	}
	if err := s.checkInstallation(ctx, &entry, true); err != nil {
		return err
	}
	if entry.Branch == "" || entry.CloneURL == "" || (entry.InstallationID == 0 && s.Settings.UsesApp()) {
		gh, err := s.lookup(ctx, req.Repo)
		if err != nil {
			return err
		}
		entry.Repo = gh.Repo // as GitHub spells it
		fill(&entry, gh)
		if err := s.checkCloneURL(entry, http.StatusBadGateway); err != nil {
			return err
		}
	}
	created, stored, err := s.Ops.RegisterRepo(ctx, entry)
	if err != nil {
		return err
	}
	zerolog.Ctx(ctx).Info().Str("repo", stored.Repo).Str("branch", stored.Branch).Bool("created", created).Msg("repo registered")
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, stored)
}

type removeRepoRequest struct {
	Repo string `json:"repo"`
}

// removal answers what was forgotten.
type removal struct {
	Removed any    `json:"removed"`
	Note    string `json:"note"`
}

// DELETE /api/git/sources: forget a repo and its deployments.
func (s *server) removeRepo(c echo.Context) error {
	ctx := c.Request().Context()
	var req removeRepoRequest
	if err := decode(c, &req, `{"repo": "acme/shop"}`); err != nil {
		return err
	}
	if err := checkRepoName(req.Repo); err != nil {
		return err
	}
	removed, err := s.Ops.RemoveRepo(ctx, req.Repo)
	if err != nil {
		return err
	}
	zerolog.Ctx(ctx).Info().Str("repo", removed.Repo).Int("deployments", len(removed.Deployments)).Msg("repo removed")
	return c.JSON(http.StatusOK, removal{Removed: removed, Note: "Rigel forgot the repo and its deployments, and deleted their inventories; the objects they applied stay in the cluster."})
}

type deploymentRequest struct {
	Repo string `json:"repo"`
	Path string `json:"path"`
	Name string `json:"name"`
	// Chart (issue 13): how the Helm chart the folder holds renders, as the registry keeps it:
	// {"release", "namespace", "values": [...], "setFiles": {"key": "path"}}, paths relative
	// to the chart folder.
	Chart *config.Chart `json:"chart"`
	// Jsonnet (issue 17): the top-level arguments, external variables and lib folders of the
	// folder's *.jsonnet files, as the registry keeps them: {"tlas": {"env": "prod"},
	// "extVars": {"region": "eu"}, "libs": ["vendor/lib"]}, lib folders relative to the
	// repository root.
	Jsonnet *config.Jsonnet `json:"jsonnet"`
}

type addedDeployment struct {
	Repo       string            `json:"repo"`
	Branch     string            `json:"branch"`
	Deployment config.Deployment `json:"deployment"`
	Commit     string            `json:"commit"`  // the commit the folder was checked at
	Objects    int               `json:"objects"` // the objects it renders to there
}

// POST /api/git/sources/deployment: register a folder as a deployment, by the rules of
// `/rigel add-deployment`. A repo not registered yet is registered with it.
func (s *server) addDeployment(c echo.Context) error {
	ctx := c.Request().Context()
	var req deploymentRequest
	if err := decode(c, &req, exampleDeployment); err != nil {
		return err
	}
	if err := required("path", req.Path, exampleDeployment); err != nil {
		return err
	}
	entry, o, _, err := s.reach(ctx, req.Repo)
	if err != nil {
		return err
	}
	added, err := s.Ops.Register(ctx, o, entry, req.Path, req.Name, ops.RenderSettings{Chart: req.Chart, Jsonnet: req.Jsonnet})
	if err != nil {
		return err
	}
	zerolog.Ctx(ctx).Info().Str("repo", entry.Repo).Str("deployment", added.Deployment.Name).Str("path", added.Deployment.Path).Msg("deployment registered")
	return c.JSON(http.StatusCreated, addedDeployment{Repo: entry.Repo, Branch: added.Branch, Deployment: added.Deployment, Commit: added.Commit, Objects: added.Objects})
}

type removeDeploymentRequest struct {
	Name string `json:"name"`
}

// DELETE /api/git/sources/deployment: forget a deployment.
func (s *server) removeDeployment(c echo.Context) error {
	ctx := c.Request().Context()
	var req removeDeploymentRequest
	if err := decode(c, &req, exampleRemove); err != nil {
		return err
	}
	if err := required("name", req.Name, exampleRemove); err != nil {
		return err
	}
	removed, err := s.Ops.Forget(ctx, req.Name, "")
	if err != nil {
		return err
	}
	zerolog.Ctx(ctx).Info().Str("deployment", removed.Name).Msg("deployment removed")
	note := "Rigel forgot the deployment; the objects it applied stay in the cluster."
	if removed.Inventory != "" {
		note = "Rigel forgot the deployment and deleted its inventory (the ConfigMap " + removed.Inventory + "); the objects it applied stay in the cluster."
	}
	return c.JSON(http.StatusOK, removal{Removed: removed, Note: note})
}

type folderJSON struct {
	Path       string `json:"path"`
	Deployment string `json:"deployment,omitempty"` // the deployment registered for it
	// Chart (issue 13): the folder holds a Helm chart; its values files and the deployments
	// registered for it (a chart folder may be several).
	Chart *chartFolderJSON `json:"chart,omitempty"`
}

type chartFolderJSON struct {
	Values      []string `json:"values"`      // relative to the chart folder, values.yaml first
	Deployments []string `json:"deployments"` // registered for the folder, by name
}

type treeJSON struct {
	Repo    string       `json:"repo"`
	Ref     string       `json:"ref"`
	Commit  string       `json:"commit"`
	Folders []folderJSON `json:"folders"`
}

// GET /api/git/repo-tree?repo=owner/name[&ref=…]: the folders that hold manifests.
func (s *server) repoTree(c echo.Context) error {
	ctx := c.Request().Context()
	name, ref := c.QueryParam("repo"), c.QueryParam("ref")
	if name == "" {
		return fail(http.StatusBadRequest, "the query parameter repo is missing: `/api/git/repo-tree?repo=acme/shop` (and optionally `&ref=main`).")
	}
	entry, o, _, err := s.reach(ctx, name)
	if err != nil {
		return err
	}
	if ref == "" {
		ref = entry.Branch
	}
	full := ref
	if !strings.HasPrefix(full, "refs/") {
		full = "refs/heads/" + ref
	}
	if plumbing.ReferenceName(full).Validate() != nil {
		return fail(http.StatusBadRequest, "%q is not a git ref: give a branch (`main`) or a full ref (`refs/tags/v1.2.0`).", ref)
	}
	f, err := s.Ops.Folders(ctx, o, ops.RefTarget(full))
	if errors.Is(err, git.NoMatchingRefSpecError{}) {
		return fail(http.StatusNotFound, "%s has no %s. Give an existing branch (`&ref=main`) or full ref (`&ref=refs/tags/v1.2.0`), or leave ref out for the branch %s.", entry.Repo, full, entry.Branch)
	}
	if err != nil {
		return err
	}
	out := treeJSON{Repo: entry.Repo, Ref: full, Commit: f.Commit, Folders: []folderJSON{}}
	for _, p := range f.Folders {
		fj := folderJSON{Path: p, Deployment: f.Registered[p]}
		if c, ok := f.Charts[p]; ok {
			fj.Chart = &chartFolderJSON{Values: nonNil(c.Values), Deployments: nonNil(c.Deployments)}
		}
		out.Folders = append(out.Folders, fj)
	}
	return c.JSON(http.StatusOK, out)
}

// checkRepoName refuses what cannot be a repository's owner/name.
func checkRepoName(name string) error {
	if err := required("repo", name, exampleRepo); err != nil {
		return err
	}
	if err := config.ValidateRepo(config.Repo{Repo: name, Branch: "main"}); err != nil {
		return fail(http.StatusBadRequest, "%v.", err)
	}
	return nil
}

// repo is what Rigel needs to reach a repository: its registry entry (without deployments)
// when registered, completed from GitHub when it lacks a clone URL or installation, else what
// GitHub says of it.
func (s *server) repo(ctx context.Context, name string) (config.Repo, error) {
	if err := checkRepoName(name); err != nil {
		return config.Repo{}, err
	}
	r, err := s.Ops.Registered(ctx, name)
	if err != nil {
		return config.Repo{}, err
	}
	if r != nil {
		entry := *r
		entry.Deployments = nil
		if err := s.checkCloneURL(entry, http.StatusConflict); err != nil {
			return config.Repo{}, err
		}
		if err := s.checkInstallation(ctx, &entry, false); err != nil {
			return config.Repo{}, err
		}
		if entry.CloneURL != "" && (entry.InstallationID != 0 || !s.Settings.UsesApp()) {
			return entry, nil
		}
		gh, err := s.lookup(ctx, entry.Repo)
		if err != nil {
			return config.Repo{}, err
		}
		fill(&entry, gh)
		return entry, nil
	}
	return s.lookup(ctx, name)
}

// lookup asks GitHub for a repository, refusing one Rigel cannot see.
func (s *server) lookup(ctx context.Context, name string) (config.Repo, error) {
	gh, found, err := s.GitHub.LookupRepo(ctx, name)
	switch {
	case err != nil:
		return config.Repo{}, fmt.Errorf("failed to ask GitHub about %s: %w", name, err)
	case !found && s.Settings.UsesApp():
		return config.Repo{}, fail(http.StatusNotFound, "GitHub does not show %s to Rigel (%s): check the name, and that the app is installed on that repository (%sapps/%s/installations/new).",
			name, s.BotLogin, s.Settings.GitHubWebURL, strings.TrimSuffix(s.BotLogin, "[bot]"))
	case !found:
		return config.Repo{}, fail(http.StatusNotFound, "GitHub does not show %s to Rigel's token (user %s): check the name, and that %s can read that repository.", name, s.BotLogin, s.BotLogin)
	}
	return gh, nil
}

// fill completes what a repo entry lacks with what GitHub says.
func fill(entry *config.Repo, gh config.Repo) {
	if entry.Branch == "" {
		entry.Branch = gh.Branch
	}
	if entry.CloneURL == "" {
		entry.CloneURL = gh.CloneURL
	}
	if entry.InstallationID == 0 {
		entry.InstallationID = gh.InstallationID
	}
}

// reach is what Rigel needs to work on a repository: its entry (see repo), how to clone it
// (with its installation's token, or Rigel's token) and its GitHub.
func (s *server) reach(ctx context.Context, name string) (config.Repo, ops.Origin, ops.Forge, error) {
	entry, err := s.repo(ctx, name)
	if err != nil {
		return config.Repo{}, ops.Origin{}, nil, err
	}
	gh, err := s.GitHub.ForInstallation(entry.InstallationID)
	if err != nil {
		return config.Repo{}, ops.Origin{}, nil, fmt.Errorf("failed to reach %s on GitHub: %w", entry.Repo, err)
	}
	return entry, ops.Origin{Repo: entry.Repo, CloneURL: entry.CloneURL, Creds: gh.GitCredentials}, gh, nil
}
