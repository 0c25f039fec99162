package commands

import (
	"context"
	"errors"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
)

// The check run `rigel/apply: <deployment>` (issue 11): success on a pull request's head once
// `/rigel apply` applied that head (so branch protection can require apply before merge), and
// on a merge commit the outcome of apply on merge (success, failure, or neutral when there was
// nothing to apply). In token mode (Runner.CommitStatuses) a commit status of the same name
// stands in.

// applyCheckName is the name of a deployment's apply check run (and commit status context).
func applyCheckName(dep string) string { return "rigel/apply: " + dep }

// applyCheck is a completed apply check run.
type applyCheck struct {
	Conclusion      string // githubclient.ConclusionSuccess, ConclusionFailure, ConclusionNeutral
	Title, Summary  string
	Text            string
	DetailsURL, Ext string
	Annotations     []githubclient.Annotation // a render error's file and line
}

// setApplyCheck completes the apply check of dep on sha. A failure to set it is logged: the
// apply happened (or not) whatever GitHub shows.
func (r *Runner) setApplyCheck(ctx context.Context, gh GitHub, repo Repo, sha, dep string, ck applyCheck) {
	log := zerolog.Ctx(ctx)
	name := applyCheckName(dep)
	if r.CommitStatuses {
		state := githubclient.StatusSuccess
		if ck.Conclusion == githubclient.ConclusionFailure {
			state = githubclient.StatusFailure
		}
		if err := gh.SetStatus(ctx, repo, sha, githubclient.CommitStatus{Context: name, State: state, Description: ck.Title, TargetURL: ck.DetailsURL}); err != nil {
			log.Warn().Err(err).Str("check", name).Msg("failed to set the apply status")
		}
		return
	}
	_, err := gh.CreateCheckRun(ctx, repo, githubclient.CheckRun{Name: name, HeadSHA: sha, Status: githubclient.CheckCompleted,
		Conclusion: ck.Conclusion, DetailsURL: ck.DetailsURL, ExternalID: ck.Ext,
		Output: &githubclient.CheckOutput{Title: ck.Title, Summary: ck.Summary, Text: ck.Text, Annotations: ck.Annotations}})
	if err != nil {
		log.Warn().Err(err).Str("check", name).Msg("failed to set the apply check run")
	}
}

// appliedCheck is the apply check of an apply that happened.
func appliedCheck(repo string, a *ops.Applied) applyCheck {
	p, res := a.Plan, a.Result
	ck := applyCheck{Conclusion: githubclient.ConclusionSuccess, Ext: p.Deployment + "@" + p.Digest,
		Title:   fmt.Sprintf("%s applied at %s: %s", p.Deployment, shortSHA(p.Commit), res.Status),
		Summary: inert(fmt.Sprintf("Rigel applied %s of %s at `%s` (%s): %s.", code(p.Path), repo, p.Commit, res.Status, ops.ResultMessage(res)))}
	if res.Status != "Succeeded" {
		ck.Conclusion = githubclient.ConclusionFailure
	}
	return ck
}

// markPullApplied sets `rigel/apply: <deployment>` on the pull request's head that `/rigel
// apply` applied (commands/plan_cmds.go's apply path).
func (c *call) markPullApplied(ctx context.Context, a *ops.Applied) {
	if !c.req.IsPR || a == nil || a.Plan == nil {
		return
	}
	c.r.setApplyCheck(ctx, c.gh, c.req.Repo, a.Plan.Commit, a.Plan.Deployment, appliedCheck(c.req.Repo.FullName(), a))
}

// mergeAnnotations marks where a merge commit does not render: the manifest's file and line.
func mergeAnnotations(err error) []githubclient.Annotation {
	var pe *sync.ParseError
	var he *sync.HermeticError
	switch {
	case errors.As(err, &pe) && pe.File != "":
		return []githubclient.Annotation{{Path: pe.File, StartLine: max(pe.Line, 1), Level: githubclient.AnnotationFailure, Title: "Rigel cannot read this manifest", Message: pe.Msg}}
	case errors.As(err, &he) && he.File != "":
		return []githubclient.Annotation{{Path: he.File, StartLine: 1, Level: githubclient.AnnotationFailure, Title: "Rigel does not render this", Message: he.Error()}}
	}
	return nil
}
