package commands

import (
	"context"
	"errors"
	"strings"

	"github.com/rigel-gitops/rigel/ops"
)

// The comment adapter of rollbacks (ops/rollback.go, issue 12): `/rigel rollback NAME
// [COMMIT]` previews a commit of the deployment's history exactly as `/rigel sync` previews
// the branch, and arms `/rigel apply` with a rollback marker (markers.go), which the apply
// reads as a plan pinned to that commit; `/rigel history NAME` lists the syncs the registry
// keeps. In a pull request a rollback is refused (ops.RollbackInPull): it is typed in an issue.

func runRollback(ctx context.Context, c *call) (string, error) {
	if err := c.checkFlags(); err != nil {
		return "", err
	}
	if n := len(c.cmd.Args); n == 0 || n > 2 {
		return "", userErrorf("`rollback` takes a deployment and, optionally, one commit of its history: `/rigel rollback NAME [COMMIT]`. `/rigel history NAME` lists the commits it can go back to.")
	}
	repo, deps, err := c.r.Ops.Deployments(ctx, c.req.Repo.FullName(), ops.Pick{Names: c.cmd.Args[:1], Verb: c.cmd.Verb})
	if err != nil {
		return "", err
	}
	commit := ""
	if len(c.cmd.Args) == 2 {
		commit = c.cmd.Args[1]
	}
	dep := deps[0]
	p, err := c.r.Ops.Rollback(withDeployment(ctx, dep.Name), c.opsCall(), dep, ops.RollbackRequest{At: ops.BranchTarget(repo.Branch), Commit: commit})
	if err != nil {
		return "", err
	}
	return renderPlan(c.req.Repo.FullName(), p, true), nil
}

func runHistory(ctx context.Context, c *call) (string, error) {
	if err := c.checkFlags(); err != nil {
		return "", err
	}
	if len(c.cmd.Args) > 1 {
		return "", userErrorf("`history` takes one deployment: `/rigel history NAME`.")
	}
	_, deps, err := c.deployments(ctx)
	if err != nil {
		return "", err
	}
	return renderHistory(deps[0]), nil
}

// rollbackRefusal words a stale refusal of the apply of a rollback preview (found) as the
// rollback it was: its next step is a new rollback preview, not a sync of the branch.
func rollbackRefusal(found ops.PlanID, err error) error {
	var st *ops.Stale
	if !found.Rollback || !errors.As(err, &st) {
		return err
	}
	return userErrorf("the cluster or the folder changed since the rollback preview of %s to %s, so that preview no longer shows what would happen. Nothing was applied. Run `/rigel rollback %s %s` to preview the rollback again.",
		code(st.Deployment), code(shortSHA(found.Commit)), st.Deployment, strings.ToLower(shortSHA(found.Commit)))
}
