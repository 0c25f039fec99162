package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/words"
)

// Plain-text follow-ups on a fix (issue 16): with a model configured, a comment without a
// command in Rigel's open fix pull request, by someone who may run `fix`, is run as
// `/rigel fix KIND/NAME -n NAMESPACE` of that pull request's workload with the comment's words
// for the model (ops.FixRequest.FollowUp): the model's verified answer amends the branch,
// or the reply says why not. Any other plain comment gets nothing, not even a reaction.

// FollowsUp says whether plain comments in pull requests are read (a model is configured):
// the handler passes them on only then.
func (r *Runner) FollowsUp() bool { return r.Ops != nil && r.Ops.FollowsUp() }

// FixFollowUp answers a plain comment in a pull request (see above). It returns an error only
// when it could not tell what to do (GitHub or the cluster away) or replying failed.
func (r *Runner) FixFollowUp(ctx context.Context, gh GitHub, req Request) error {
	log := zerolog.Ctx(ctx)
	call := ops.Call{Repo: req.Repo, Number: req.Number, IsPR: true, Author: req.Author, Forge: gh}
	fp, err := r.Ops.FixPullOf(ctx, call)
	if err != nil || fp == nil {
		return err
	}
	if err := r.Ops.Authorize(ctx, call, "fix"); err != nil {
		if !ops.IsRefusal(err) {
			return err
		}
		log.Info().Err(err).Msg("plain comment in a fix pull request by someone who may not run fix: ignored")
		return nil
	}
	if admitted, _ := r.Rate.Admit(rateKeyOf(req), 1, time.Now()); admitted == 0 {
		log.Warn().Int("rate_limit", r.Rate.Limit()).Msg("follow-up over the rate limit: dropped")
		return nil
	}
	if req.CommentID != 0 {
		if err := gh.React(ctx, req.Repo, req.CommentID, "eyes"); err != nil {
			log.Warn().Err(err).Msg("failed to react to comment")
		}
	}
	var body string
	ok := false
	var done func()
	if len(fp.Workloads) > 1 {
		body = renderFollowUpWhich(req.Number, fp)
	} else {
		line := words.FixCommand(fp.Workloads[0])
		cmds, _, _ := ParseComment(line)
		if len(cmds) != 1 {
			return fmt.Errorf("the fix command %q Rigel wrote does not parse", line)
		}
		log.Info().Str("workload", fp.Workloads[0].String()).Str("branch", fp.Head.Ref).Msg("plain comment in a fix pull request: asking the model again")
		fu := req
		fu.FollowUp = true
		b, cctx, rec, good := r.runOne(ctx, gh, fu, cmds[0], 0)
		body, ok, ctx = b, good, cctx
		done = func() { rec.Finish(ctx) }
	}
	err = r.postFixIssue(ctx, gh, req, body, false) // unmarked: a pull request is not an issue's fix request
	if done != nil {
		done()
	}
	r.reactOutcome(ctx, gh, req, ok && err == nil)
	return err
}

// renderFollowUpWhich answers a follow-up in a fix pull request whose branch name fits
// several linked workloads: the command of each.
func renderFollowUpWhich(number int, fp *ops.FixPull) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Rigel cannot tell which workload #%d fixes: its branch %s fits %d linked workloads. Nothing was changed.", number, code(fp.Head.Ref), len(fp.Workloads))
	b.WriteString(blockSep + "**Next:** type the command of the one you mean here, with what to set:\n\n")
	refs := append(fp.Workloads[:0:0], fp.Workloads...)
	sortWorkloads(refs)
	for _, ref := range refs {
		fmt.Fprintf(&b, "- %s\n", code(words.FixCommand(ref)+" set …"))
	}
	return strings.TrimSuffix(b.String(), "\n")
}
