package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

// The HTTP adapter of pull requests' holds on deployments (ops/pull_holds.go): who holds what,
// and an operator's way to break a hold whose pull request will not give it back.

// holdJSON is one pull request's hold on a deployment.
type holdJSON struct {
	Deployment string    `json:"deployment"`
	Pull       string    `json:"pull"` // "owner/name#N"
	Repo       string    `json:"repo"`
	Number     int       `json:"number"`
	Author     string    `json:"author,omitempty"` // who took it with /rigel sync
	Since      time.Time `json:"since"`
}

func holdOut(h ops.PullHold) holdJSON {
	return holdJSON{Deployment: h.Deployment, Pull: h.Pull(), Repo: h.Repo, Number: h.Number, Author: h.Author, Since: h.Since.UTC()}
}

func holdsOut(holds []ops.PullHold) []holdJSON {
	out := make([]holdJSON, 0, len(holds))
	for _, h := range holds {
		out = append(out, holdOut(h))
	}
	return out
}

// GET /api/git/locks: every deployment a pull request holds.
func (s *server) listLocks(c echo.Context) error {
	holds, err := s.Ops.ListHolds(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"locks": holdsOut(holds)})
}

// DELETE /api/git/locks/{deployment}: break the hold of a pull request on deployment, whoever's
// it is; 404 when no pull request holds it.
func (s *server) breakLock(c echo.Context) error {
	ctx := c.Request().Context()
	name := c.Param("deployment")
	if err := config.ValidateName(name); err != nil {
		return fail(http.StatusBadRequest, "%q is not a deployment name (%v). `GET /api/git/locks` lists the held deployments.", name, err)
	}
	h, err := s.Ops.BreakHold(ctx, name)
	if err != nil {
		return err
	}
	if h == nil {
		return fail(http.StatusNotFound, "no pull request holds %q: there is nothing to break. `GET /api/git/locks` lists the held deployments.", name)
	}
	zerolog.Ctx(ctx).Warn().Str("deployment", name).Str("pull", h.Pull()).Msg("hold broken through the api")
	return c.JSON(http.StatusOK, map[string]any{"released": holdOut(*h)})
}

// sourcesJSON is the registry as stored, with the holds of pull requests on its deployments.
type sourcesJSON struct {
	*config.Sources
	Holds []holdJSON `json:"holds,omitempty"` // locks.go
	// Drift (issue 12, drift.go): by deployment; absent when drift detection is off.
	Drift map[string]driftJSON `json:"drift,omitempty"`
}
