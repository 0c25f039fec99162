package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
)

// The comment adapter of previewing and applying (ops/preview.go, ops/apply.go): the
// deployments a command names, the plan a conversation armed (its markers), one ops call per
// deployment, and the reply.

func runDiff(ctx context.Context, c *call) (string, error) { return c.previewAll(ctx, false) }
func runSync(ctx context.Context, c *call) (string, error) { return c.previewAll(ctx, true) }

func (c *call) previewAll(ctx context.Context, arm bool) (string, error) {
	if err := c.checkFlags("all"); err != nil {
		return "", err
	}
	repo, deps, err := c.deployments(ctx)
	if err != nil {
		return "", err
	}
	t, err := c.head(ctx, repo.Branch)
	if err != nil {
		return "", err
	}
	// As with apply, each deployment is previewed on its own: one that is refused (held by
	// another pull request, a render error) does not hide the others' previews. They run
	// several at once, at one commit (ops.PreviewEach); the reply keeps the order asked. In a
	// PR from a fork, PreviewEach refuses before anything is fetched.
	previews, perDep := c.r.Ops.PreviewEach(ctx, c.opsCall(), deps, ops.PreviewRequest{At: t, Verb: c.cmd.Verb, Arm: arm},
		func(ctx context.Context, dep config.Deployment) context.Context { return withDeployment(ctx, dep.Name) })
	var parts []string
	var errs []error
	for i, dep := range deps {
		if err := perDep[i]; err != nil {
			errs = append(errs, err)
			parts = append(parts, partReply("/rigel "+c.cmd.Verb+" "+dep.Name, err))
			continue
		}
		parts = append(parts, renderPlan(c.req.Repo.FullName(), previews[i], arm))
	}
	if len(errs) == len(deps) { // nothing previewed: one refusal (or failure) that names each
		return "", joinRefusals(deps, errs, "previewed")
	}
	return strings.Join(parts, "\n\n---\n\n"), nil
}

// planMarkerFor asks for the hidden identity of an armed plan at the end of a sync comment;
// seal signs it for the conversation (markers.go).
func planMarkerFor(p *sync.Plan) string {
	return markerPlaceholder(marker{Kind: markerPlan, Deployment: p.Deployment, Commit: p.Commit, Digest: p.Digest})
}

// appliedMarkerFor asks for the mark of a plan as applied, so it is not applied twice.
func appliedMarkerFor(p *sync.Plan) string {
	return markerPlaceholder(marker{Kind: markerApplied, Deployment: p.Deployment, Digest: p.Digest})
}

// armed is the plan a conversation armed last for a deployment.
type armed struct {
	Plan    ops.PlanID
	Applied bool // Rigel marked it applied
}

// lastArmed finds the plan this conversation armed last for a deployment. Only markers in
// Rigel's own comments that verify for this conversation count: a marker typed by a person,
// edited into Rigel's comment, or copied from another conversation does not, neither as a
// plan nor as "applied". In a pull request the newest plan at its current head wins over a
// newer one at an older head (a `/rigel sync` typed at an old head after the living comment
// previewed the new one): that one could only be refused as stale.
func (c *call) lastArmed(ctx context.Context, name string) (*armed, error) {
	comments, err := c.gh.Comments(ctx, c.req.Repo, c.req.Number)
	if err != nil {
		return nil, fmt.Errorf("failed to read the comments of #%d: %w", c.req.Number, err)
	}
	key, conv := c.r.markerKey(), conversationOf(c.req)
	var plans []*armed // oldest first
	for _, cm := range comments {
		if !strings.EqualFold(cm.Author, c.r.BotLogin) {
			continue // only Rigel's own comments hold markers
		}
		for _, m := range verifyMarkers(key, conv, cm.Body) {
			switch {
			case m.Deployment != name:
			case m.Kind == markerPlan || m.Kind == markerRollback: // a rollback's: rollback_cmds.go
				plans = append(plans, &armed{Plan: ops.PlanID{Deployment: m.Deployment, Commit: m.Commit, Digest: m.Digest, Rollback: m.Kind == markerRollback}})
			case m.Kind == markerApplied && len(plans) > 0 && m.Digest == plans[len(plans)-1].Plan.Digest:
				plans[len(plans)-1].Applied = true
			}
		}
	}
	if len(plans) == 0 {
		return nil, nil
	}
	last := plans[len(plans)-1]
	if !c.req.IsPR || len(plans) == 1 {
		return last, nil
	}
	ph, err := c.gh.PullHead(ctx, c.req.Repo, c.req.Number)
	if err != nil {
		return nil, fmt.Errorf("failed to read the head of PR #%d: %w", c.req.Number, err)
	}
	for i := len(plans) - 1; i >= 0; i-- {
		if plans[i].Plan.Commit == ph.SHA {
			return plans[i], nil
		}
	}
	return last, nil
}

func runApply(ctx context.Context, c *call) (string, error) {
	if err := c.checkFlags("all", "force", "prune"); err != nil {
		return "", err
	}
	_, force := c.cmd.Flag("force")
	_, prune := c.cmd.Flag("prune") // delete the previewed orphans (render_inventory.go)
	repo, deps, err := c.deployments(ctx)
	if err != nil {
		return "", err
	}
	// Each deployment is applied on its own: one that is refused or fails does not hide what was
	// applied before it, nor stop the ones after it.
	var parts []string
	var errs []error
	for _, dep := range deps {
		part, err := c.applyOne(withDeployment(ctx, dep.Name), repo, dep, force, prune)
		if err != nil {
			errs = append(errs, err)
			part = partReply("/rigel apply "+dep.Name, err)
		}
		parts = append(parts, part)
	}
	if len(errs) == len(deps) { // nothing applied: one refusal (or failure) that names each
		return "", joinRefusals(deps, errs, "applied")
	}
	return strings.Join(parts, "\n\n---\n\n"), nil
}

// joinRefusals is one error for a command refused for every deployment it named: a refusal
// that lists each one when all are refusals ("nothing was <done>"), else the first failure.
// The same refusal for each (a pull request from a fork) is said once.
func joinRefusals(deps []config.Deployment, errs []error, done string) error {
	if len(errs) == 1 || allSame(errs) {
		return errs[0]
	}
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msg, ok := refusal(err)
		if !ok {
			return err
		}
		msgs[i] = fmt.Sprintf("- %s: %s", code(deps[i].Name), msg)
	}
	return &fault.Invalid{Msg: "nothing was " + done + ":\n\n" + strings.Join(msgs, "\n")}
}

// allSame says every error in errs says the same thing.
func allSame(errs []error) bool {
	for _, err := range errs[1:] {
		if err.Error() != errs[0].Error() {
			return false
		}
	}
	return true
}

// partReply is the reply of one deployment's part of a command that failed or was refused.
func partReply(line string, err error) string {
	if msg, ok := refusal(err); ok {
		return errorReply(line, msg, "")
	}
	return failureReply(line, err)
}

// applyOne applies the plan this conversation armed for dep, once the deployment is locked
// (ops.Apply finds it then, with armedPlan).
func (c *call) applyOne(ctx context.Context, repo *config.Repo, dep config.Deployment, force, prune bool) (string, error) {
	var found ops.PlanID // what Find found: a rollback's refusals name the rollback (rollback_cmds.go)
	done, err := c.r.Ops.Apply(ctx, c.opsCall(), dep, ops.ApplyRequest{
		Find: func(ctx context.Context) (ops.PlanID, error) {
			id, err := c.armedPlan(ctx, dep.Name)
			found = id
			return id, err
		},
		At:    ops.BranchTarget(repo.Branch),
		Force: force,
		Prune: prune,
	})
	err = rollbackRefusal(found, err)
	var in *ops.Interrupted
	if errors.As(err, &in) {
		return "", &stoppedError{Cause: in.Cause, Detail: interruptedDetail(in)}
	}
	if err != nil {
		return "", err
	}
	c.markPullApplied(ctx, done) // apply_checks.go: rigel/apply on the PR's head
	return renderApplied(c.req.Repo.FullName(), done), nil
}

// armedPlan is the plan this conversation armed for name, refused when there is none or it
// was applied already.
func (c *call) armedPlan(ctx context.Context, name string) (ops.PlanID, error) {
	a, err := c.lastArmed(ctx, name)
	if err != nil {
		return ops.PlanID{}, err
	}
	if a == nil {
		return ops.PlanID{}, userErrorf("nothing was previewed for `%s` in this conversation, so there is nothing to apply. Run `/rigel sync %s` to preview it and arm the apply.", name, name)
	}
	if a.Applied {
		return ops.PlanID{}, userErrorf("the last preview of `%s` (`%s`) was already applied. Run `/rigel sync %s` to preview again.", name, shortSHA(a.Plan.Commit), name)
	}
	return a.Plan, nil
}

// interruptedDetail says what is known of an apply cut short, for the reply (stoppedReply).
func interruptedDetail(in *ops.Interrupted) string {
	dep, commit := in.Deployment, in.Commit
	detail := fmt.Sprintf("It was applying %s at %s, so some objects may have changed and others not.", code(dep), code(shortSHA(commit)))
	if in.Result != nil {
		detail = fmt.Sprintf("It had applied %s at %s (%s) and was waiting for it to become healthy.", code(dep), code(shortSHA(commit)), ops.ResultMessage(in.Result))
	}
	if in.RecordErr != nil {
		detail += fmt.Sprintf(" Rigel could not record that in %s: %v.", config.SourcesConfigMap, in.RecordErr)
	} else {
		detail += fmt.Sprintf(" The registry records this sync as %s.", in.Recorded)
	}
	return detail + fmt.Sprintf(" `/rigel diff %s` shows where the cluster stands.", dep)
}
