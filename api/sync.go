package api

import (
	"context"
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/ops"
)

const exampleSync = `{"repo": "acme/shop", "deployment": "web"}`

type syncRequest struct {
	Repo       string `json:"repo"`
	Deployment string `json:"deployment"`
	Apply      bool   `json:"apply"`
	Digest     string `json:"digest,omitempty"`
	Commit     string `json:"commit,omitempty"`
	Force      bool   `json:"force,omitempty"` // take over objects another reconciler (Argo CD, Flux) manages
	Prune      bool   `json:"prune,omitempty"` // also delete the preview's orphans (plan_inventory.go)
	// Rollback (issue 12, rollback.go): preview (or apply the preview of) a rollback to a
	// commit of the deployment's history, as `/rigel rollback` does.
	Rollback bool `json:"rollback,omitempty"`
}

var (
	digestPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)
	commitPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)
)

// POST /api/git/sync: without apply, the preview of a deployment at the tip of its branch
// (what `/rigel sync` shows) with the digest that identifies it; with apply, digest (and
// commit), the apply of exactly that preview (what `/rigel apply` does), or 409 when the
// branch, the folder or the cluster changed since.
func (s *server) sync(c echo.Context) error {
	ctx := c.Request().Context()
	var req syncRequest
	if err := decode(c, &req, exampleSync); err != nil {
		return err
	}
	if err := required("deployment", req.Deployment, exampleSync); err != nil {
		return err
	}
	if req.Rollback { // rollback.go
		return s.syncRollback(c, req)
	}
	if req.Apply {
		if !digestPattern.MatchString(req.Digest) {
			return fail(http.StatusBadRequest, "applying needs the digest of the preview you reviewed (64 hex digits), so that exactly that is applied. Preview first with %s, then send its `apply` body: `{\"deployment\": %q, \"apply\": true, \"commit\": \"…\", \"digest\": \"…\"}`.",
				`POST /api/git/sync`, req.Deployment)
		}
		if req.Commit != "" && !commitPattern.MatchString(req.Commit) {
			return fail(http.StatusBadRequest, "%q is not a commit: give the full 40-hex SHA the preview answered with, or leave commit out.", req.Commit)
		}
	} else if req.Digest != "" || req.Commit != "" || req.Force || req.Prune {
		return fail(http.StatusBadRequest, "digest, commit, force and prune are only for applying: add `\"apply\": true` to apply that preview, or leave them out to preview.")
	}
	ctx, entry, dep, call, err := s.syncCall(ctx, req)
	if err != nil {
		return err
	}
	at := ops.BranchTarget(entry.Branch)
	if !req.Apply {
		p, err := s.Ops.Preview(ctx, call, dep, ops.PreviewRequest{At: at})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, planOutOf(entry, p))
	}
	done, err := s.Ops.Apply(ctx, call, dep, ops.ApplyRequest{
		Plan: ops.PlanID{Deployment: dep.Name, Commit: req.Commit, Digest: req.Digest}, At: at, Force: req.Force, Prune: req.Prune})
	if err != nil {
		return err
	}
	zerolog.Ctx(ctx).Info().Str("commit", done.LastSync.Commit).Str("status", done.Result.Status).Msg("applied through the api")
	return c.JSON(http.StatusOK, appliedOut(entry, done))
}

// syncCall is the deployment req names, its repository's entry and the API's call on it, with
// ctx logging them.
func (s *server) syncCall(ctx context.Context, req syncRequest) (context.Context, config.Repo, config.Deployment, ops.Call, error) {
	owner, dep, err := s.Ops.Deployment(ctx, req.Deployment)
	switch {
	case fault.IsNotFound(err, ops.KindDeployment):
		return ctx, config.Repo{}, dep, ops.Call{}, fail(http.StatusNotFound, "there is no deployment named %q. `GET /api/git/sources` lists them; `POST /api/git/sources/deployment` registers one.", req.Deployment)
	case err != nil:
		return ctx, config.Repo{}, dep, ops.Call{}, err
	case req.Repo != "" && !strings.EqualFold(owner.Repo, req.Repo):
		return ctx, config.Repo{}, dep, ops.Call{}, fail(http.StatusBadRequest, "the deployment %q belongs to %s, not %s. Leave repo out, or give %s.", req.Deployment, owner.Repo, req.Repo, owner.Repo)
	}
	entry, _, gh, err := s.reach(ctx, owner.Repo)
	if err != nil {
		return ctx, config.Repo{}, dep, ops.Call{}, err
	}
	ctx = zerolog.Ctx(ctx).With().Str("repo", entry.Repo).Str("deployment", dep.Name).Logger().WithContext(ctx)
	return ctx, entry, dep, apiCall(entry, gh, "apply "+dep.Name+" (HTTP API)"), nil
}

// apiCall is a caller of the HTTP API working on the repository of entry, with its
// installation's GitHub; command names it on the Leases it holds.
func apiCall(entry config.Repo, gh ops.Forge, command string) ops.Call {
	owner, name, _ := strings.Cut(entry.Repo, "/")
	return ops.Call{
		Repo:   ops.Repo{Owner: owner, Name: name, DefaultBranch: entry.Branch, CloneURL: entry.CloneURL, Installation: entry.InstallationID},
		Forge:  gh,
		Holder: ops.Holder{Command: command},
	}
}
