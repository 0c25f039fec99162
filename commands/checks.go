package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
)

// The check run of a deployment's preview on a pull request's head (issue 11): "rigel/preview:
// <deployment>", in progress while Rigel previews, then completed — success with the changes
// summarised, neutral for no changes, failure for a render error (annotated at the file and
// line), a policy refusal, objects the cluster refused, or a failure. Its text is the diff
// (the client cuts it to GitHub's limit, ending with a link to the living comment). Every value
// from the repository or the cluster in it goes through a Markdown sink, and comment
// delimiters are made inert, as in comments. In token mode (Runner.CommitStatuses) a commit status of the same name stands in.

// checkName is the name of a deployment's preview check run (and commit status context).
func checkName(dep string) string { return "rigel/preview: " + dep }

// Check run conclusions and commit status states Rigel sets.
const (
	conclusionSuccess = "success"
	conclusionNeutral = "neutral"
	conclusionFailure = "failure"
)

// checkResult is the completed check run of an outcome.
type checkResult struct {
	Conclusion string
	Output     CheckOutput
}

// renderCheck is the completed check run of an outcome. commentURL is where the living
// comment is ("" when unknown).
func renderCheck(o ops.AutoplanOutcome, commentURL string) checkResult {
	dep, head := o.Deployment.Name, shortSHA(o.Head)
	link := fmt.Sprintf("The whole preview is in Rigel's comment on the pull request (`/rigel diff %s` shows it too).", dep)
	if commentURL != "" {
		link = fmt.Sprintf("[The whole preview is in Rigel's comment on the pull request](%s).", commentURL)
	}
	if o.Preview == nil && o.Err == nil {
		return checkResult{Conclusion: conclusionNeutral, Output: CheckOutput{Title: fmt.Sprintf("%s: not changed by this pull request", dep),
			Summary: fmt.Sprintf("The pull request at %s no longer changes a file folder %s renders: nothing to preview.", code(head), code(o.Deployment.Path)), Link: link}}
	}
	if o.Err != nil {
		var rf *ops.RenderFailed
		out := CheckOutput{Link: link}
		msg, refused := refusal(o.Err)
		if !refused {
			msg = "Rigel could not preview it: " + mdText(o.Err.Error())
		}
		out.Summary = inert(msg)
		if errors.As(o.Err, &rf) {
			out.Title = fmt.Sprintf("%s does not render at %s", dep, head)
			out.Annotations = renderAnnotations(rf)
		} else {
			out.Title = fmt.Sprintf("%s could not be previewed at %s", dep, head)
		}
		return checkResult{Conclusion: conclusionFailure, Output: out}
	}
	p := o.Preview.Plan
	create, update, unchanged, failed := p.Counts()
	res := checkResult{Conclusion: conclusionSuccess}
	res.Output.Link = link
	res.Output.Summary = fmt.Sprintf("Folder %s at %s: %d to create, %d to change, %d unchanged.", code(p.Path), code(head), create, update, unchanged)
	switch {
	case len(p.Violating()) > 0:
		res.Conclusion = conclusionFailure
		res.Output.Title = fmt.Sprintf("%s: the policy refuses %d object%s", dep, len(p.Violating()), plural(len(p.Violating())))
		res.Output.Summary += fmt.Sprintf(" The deployment's policy refuses %d of them, so it cannot be applied as it is.", len(p.Violating()))
	case failed > 0:
		res.Conclusion = conclusionFailure
		res.Output.Title = fmt.Sprintf("%s: the cluster refuses %d object%s", dep, failed, plural(failed))
		res.Output.Summary += fmt.Sprintf(" The cluster refuses %d of them.", failed)
	case len(ops.TakenFrom(p)) > 0:
		res.Conclusion = conclusionFailure
		res.Output.Title = fmt.Sprintf("%s: objects belong to another deployment", dep)
		res.Output.Summary += " Some objects belong to another registered deployment, and `/rigel apply` does not take them."
	case create+update == 0:
		res.Conclusion = conclusionNeutral
		res.Output.Title = fmt.Sprintf("%s: no changes", dep)
	default:
		res.Output.Title = fmt.Sprintf("%s: %d to create, %d to change", dep, create, update)
		res.Output.Summary += fmt.Sprintf(" `/rigel apply %s` in the pull request applies exactly this once it may be.", dep)
	}
	res.Output.Text = checkText(p)
	return res
}

// checkText is the diff of a plan, for a check run's text.
func checkText(p *sync.Plan) string {
	var b strings.Builder
	for _, ch := range p.Changes {
		if ch.Action == sync.ActionUnchanged && len(ch.Violations) == 0 {
			continue
		}
		fmt.Fprintf(&b, "### %s %s\n\n", actionIcon[ch.Action], code(ch.Ref.String()))
		for _, v := range ch.Violations {
			fmt.Fprintf(&b, "- ⛔ Against the deployment's policy (`%s`): %s\n", v.Rule, mdText(v.Msg))
		}
		if len(ch.Violations) > 0 {
			b.WriteString("\n")
		}
		if ch.Err != "" {
			f := fence(ch.Err)
			fmt.Fprintf(&b, "%s\n%s\n%s\n\n", f, ch.Err, f)
		}
		if ch.Diff != "" {
			f := fence(ch.Diff)
			fmt.Fprintf(&b, "%sdiff\n%s\n%s\n\n", f, strings.TrimRight(ch.Diff, "\n"), f)
		}
	}
	return inert(strings.TrimRight(b.String(), "\n"))
}

// renderAnnotations are the annotations of a render error: at the file and line of a
// manifest that does not parse, at the file of a kustomization that names what Rigel does not
// read. A path error (the folder itself) has none: the summary says it.
func renderAnnotations(rf *ops.RenderFailed) []Annotation {
	var pe *sync.ParseError
	var he *sync.HermeticError
	switch {
	case errors.As(rf.Err, &pe) && pe.File != "":
		return []Annotation{{Path: pe.File, StartLine: max(pe.Line, 1), Level: "failure", Title: "Rigel cannot read this manifest", Message: pe.Msg}}
	case errors.As(rf.Err, &he) && he.File != "":
		return []Annotation{{Path: he.File, StartLine: 1, Level: "failure", Title: "Rigel does not render this", Message: he.Error()}}
	}
	return nil
}

// checks are the preview check runs (or commit statuses) of one autoplan run.
type checks struct {
	r    *Runner
	gh   GitHub
	repo Repo
	head string
	runs map[string]int64 // deployment → check run id
}

// start marks each deployment's preview in progress on the head.
func (c *checks) start(ctx context.Context, deps []string) {
	log := zerolog.Ctx(ctx)
	for _, dep := range deps {
		if c.r.CommitStatuses {
			if err := c.gh.SetStatus(ctx, c.repo, c.head, CommitStatus{Context: checkName(dep), State: "pending", Description: "Rigel is previewing " + dep}); err != nil {
				log.Warn().Err(err).Str("deployment", dep).Msg("failed to set the preview status")
			}
			continue
		}
		ref, err := c.gh.CreateCheckRun(ctx, c.repo, CheckRun{Name: checkName(dep), HeadSHA: c.head, Status: "in_progress", StartedAt: time.Now(), ExternalID: dep,
			Output: &CheckOutput{Title: "Previewing " + dep, Summary: fmt.Sprintf("Rigel is rendering %s at `%s` and diffing it with the cluster.", code(dep), shortSHA(c.head))}})
		if err != nil {
			log.Warn().Err(err).Str("deployment", dep).Msg("failed to start the preview check run")
			continue
		}
		c.runs[dep] = ref.ID
	}
}

// finish completes a deployment's check run (or status) with res.
func (c *checks) finish(ctx context.Context, dep string, res checkResult, commentURL string) error {
	if c.r.CommitStatuses {
		state := map[string]string{conclusionSuccess: "success", conclusionNeutral: "success", conclusionFailure: "failure"}[res.Conclusion]
		if state == "" {
			state = "error"
		}
		return c.gh.SetStatus(ctx, c.repo, c.head, CommitStatus{Context: checkName(dep), State: state, Description: res.Output.Title, TargetURL: commentURL})
	}
	run := CheckRun{Name: checkName(dep), HeadSHA: c.head, Status: "completed", Conclusion: res.Conclusion, DetailsURL: commentURL, ExternalID: dep, Output: &res.Output}
	if id, ok := c.runs[dep]; ok {
		return c.gh.UpdateCheckRun(ctx, c.repo, id, run)
	}
	_, err := c.gh.CreateCheckRun(ctx, c.repo, run)
	return err
}

// cancel completes the check runs still in progress of a head a newer one replaced.
func (c *checks) cancel(ctx context.Context, dep string) {
	if c.r.CommitStatuses {
		return // the newer head has its own statuses; this one's pending stays on the old commit
	}
	id, ok := c.runs[dep]
	if !ok {
		return
	}
	_ = c.gh.UpdateCheckRun(ctx, c.repo, id, CheckRun{Name: checkName(dep), Status: "completed", Conclusion: "cancelled",
		Output: &CheckOutput{Title: "Replaced by a newer head", Summary: "A push replaced this head before its preview was published: the newer head has its own check run."}})
}

// commentURL is the address of comment id of a pull request, for people ("" without the web URL).
func (r *Runner) commentURL(req Request, id int64) string {
	if r.WebURL == "" || id == 0 {
		return ""
	}
	return fmt.Sprintf("%s%s/pull/%d#issuecomment-%d", strings.TrimSuffix(r.WebURL, "/")+"/", req.Repo.FullName(), req.Number, id)
}
