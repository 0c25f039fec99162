package api

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

// POST /api/git/sync with "rollback": true (issue 12, ops/rollback.go): without apply, the
// preview of a rollback of the deployment to "commit" of its history (full or a unique prefix
// of at least 7 hex digits; absent: the previous successful sync), as `/rigel rollback` shows
// it, with the body that applies it; with apply, digest and the full commit, the apply of
// exactly that preview at that commit (not the branch's tip), recorded as a rollback — or 409
// when the cluster or the folder changed since, 400 when the commit left the history.
func (s *server) syncRollback(c echo.Context, req syncRequest) error {
	ctx := c.Request().Context()
	if req.Apply {
		if !digestPattern.MatchString(req.Digest) || !commitPattern.MatchString(req.Commit) {
			return fail(http.StatusBadRequest, "applying a rollback needs the full commit (40 hex digits) and the digest (64 hex digits) of the rollback preview you reviewed. Preview it with `POST /api/git/sync` and `{\"deployment\": %q, \"rollback\": true}`, then send its `apply` body.",
				req.Deployment)
		}
	} else if req.Digest != "" || req.Force || req.Prune {
		return fail(http.StatusBadRequest, "digest, force and prune are only for applying: add `\"apply\": true` to apply that rollback preview, or leave them out to preview it.")
	}
	ctx, entry, dep, call, err := s.syncCall(ctx, req)
	if err != nil {
		return err
	}
	at := ops.BranchTarget(entry.Branch)
	if !req.Apply {
		p, err := s.Ops.Rollback(ctx, call, dep, ops.RollbackRequest{At: at, Commit: req.Commit})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, rollbackOut(entry, p))
	}
	done, err := s.Ops.Apply(ctx, call, dep, ops.ApplyRequest{
		Plan: ops.PlanID{Deployment: dep.Name, Commit: req.Commit, Digest: req.Digest, Rollback: true}, At: at, Force: req.Force, Prune: req.Prune})
	if st := (*ops.Stale)(nil); errors.As(err, &st) { // its next step is a new rollback preview, not a sync's
		return fail(http.StatusConflict, "the cluster or the folder changed since the rollback preview of %q to %s, so that preview no longer shows what would happen. Nothing was applied. Send `{\"deployment\": %q, \"rollback\": true, \"commit\": %q}` to `POST /api/git/sync` to preview the rollback again.",
			dep.Name, req.Commit[:7], dep.Name, req.Commit)
	}
	if err != nil {
		return err
	}
	zerolog.Ctx(ctx).Info().Str("commit", done.LastSync.Commit).Str("status", done.Result.Status).Msg("rollback applied through the api")
	return c.JSON(http.StatusOK, appliedOut(entry, done))
}

// rollbackJSON is the preview of a rollback: a plan (its apply body says "rollback": true),
// and the syncs it goes back from and to.
type rollbackJSON struct {
	planJSON
	Rollback rollbackOfJSON `json:"rollback"`
}

type rollbackOfJSON struct {
	To   config.LastSync  `json:"to"`             // the sync of the history it goes back to
	From *config.LastSync `json:"from,omitempty"` // the last sync it replaces
}

func rollbackOut(entry config.Repo, p *ops.Preview) rollbackJSON {
	out := rollbackJSON{planJSON: planOutOf(entry, p)}
	if out.Apply != nil {
		out.Apply.Rollback = true
	}
	if rb := p.Rollback; rb != nil {
		out.Rollback = rollbackOfJSON{To: rb.To, From: rb.From}
	}
	return out
}
