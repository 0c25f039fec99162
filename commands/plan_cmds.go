package commands

import (
	"context"
	"fmt"
	"github.com/rigel-gitops/rigel/fault"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// plan renders and diffs one deployment at a target (or at an exact commit).
func (c *call) plan(ctx context.Context, dep config.Deployment, t target) (*preview, error) {
	return c.r.plan(ctx, c.origin(), dep, t, commentHints)
}

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
	if err := c.checkForkPreview(ctx); err != nil { // before anything is fetched
		return "", err
	}
	t, err := c.head(ctx, repo.Branch)
	if err != nil {
		return "", err
	}
	var parts []string
	for _, dep := range deps {
		p, err := c.plan(withDeployment(ctx, dep.Name), dep, t)
		if err != nil {
			return "", err
		}
		parts = append(parts, renderPlan(c.req.Repo.FullName(), p, arm))
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

type armed struct {
	Commit, Digest string
	Applied        bool
}

// lastArmed finds the newest plan Rigel itself armed for a deployment in this conversation.
// Only markers in Rigel's own comments that verify for this conversation count: a marker
// typed by a person, edited into Rigel's comment, or copied from another conversation does
// not, neither as a plan nor as "applied".
func (c *call) lastArmed(ctx context.Context, name string) (*armed, error) {
	comments, err := c.gh.Comments(ctx, c.req.Repo, c.req.Number)
	if err != nil {
		return nil, fmt.Errorf("failed to read the comments of #%d: %w", c.req.Number, err)
	}
	key, conv := c.r.markerKey(), conversationOf(c.req)
	var last *armed
	for _, cm := range comments {
		if !strings.EqualFold(cm.Author, c.r.BotLogin) {
			continue // only Rigel's own comments hold markers
		}
		for _, m := range verifyMarkers(key, conv, cm.Body) {
			switch {
			case m.Deployment != name:
			case m.Kind == markerPlan:
				last = &armed{Commit: m.Commit, Digest: m.Digest}
			case m.Kind == markerApplied && last != nil && m.Digest == last.Digest:
				last.Applied = true
			}
		}
	}
	return last, nil
}

func runApply(ctx context.Context, c *call) (string, error) {
	if err := c.checkFlags("all", "force"); err != nil {
		return "", err
	}
	_, force := c.cmd.Flag("force")
	repo, deps, err := c.deployments(ctx)
	if err != nil {
		return "", err
	}
	// Each deployment is applied on its own: one that is refused or fails does not hide what was
	// applied before it, nor stop the ones after it.
	var parts []string
	var errs []error
	for _, dep := range deps {
		part, err := c.applyOne(withDeployment(ctx, dep.Name), repo, dep, force)
		if err != nil {
			errs = append(errs, err)
			part = partReply("/rigel apply "+dep.Name, err)
		}
		parts = append(parts, part)
	}
	if len(errs) == len(deps) { // nothing applied: one refusal (or failure) that names each
		return "", joinRefusals(deps, errs)
	}
	return strings.Join(parts, "\n\n---\n\n"), nil
}

// joinRefusals is one error for a command refused for every deployment it named: a refusal
// that lists each one when all are refusals, else the first failure.
func joinRefusals(deps []config.Deployment, errs []error) error {
	if len(errs) == 1 {
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
	return &fault.Invalid{Msg: "nothing was applied:\n\n" + strings.Join(msgs, "\n")}
}

// partReply is the reply of one deployment's part of a command that failed or was refused.
func partReply(line string, err error) string {
	if msg, ok := refusal(err); ok {
		return errorReply(line, msg, "")
	}
	return failureReply(line, err)
}

func (c *call) applyOne(ctx context.Context, repo *config.Repo, dep config.Deployment, force bool) (string, error) {
	ctx, release, err := c.r.lockDeployment(ctx, dep.Name, c.holder())
	if err != nil {
		return "", err
	}
	defer release()

	a, err := c.lastArmed(ctx, dep.Name)
	if err != nil {
		return "", err
	}
	if a == nil {
		return "", userErrorf("nothing was previewed for `%s` in this conversation, so there is nothing to apply. Run `/rigel sync %s` to preview it and arm the apply.", dep.Name, dep.Name)
	}
	if a.Applied {
		return "", userErrorf("the last preview of `%s` (`%s`) was already applied. Run `/rigel sync %s` to preview again.", dep.Name, shortSHA(a.Commit), dep.Name)
	}
	now, err := c.gatedHead(ctx, repo.Branch, a.Commit) // in a PR: its gates, for the armed commit
	if err != nil {
		return "", err
	}
	done, err := c.r.applyPinned(ctx, c.rec, c.origin(), dep, now, ApplyRequest{Commit: a.Commit, Digest: a.Digest, Force: force}, commentHints)
	if err != nil {
		return "", err
	}
	return renderApplied(c.req.Repo.FullName(), done.pv, done.Result, done.RecordErr), nil
}
