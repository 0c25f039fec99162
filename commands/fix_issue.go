package commands

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/words"
)

// Fix requests in issues (issue 16): an issue opened (or labelled, RIGEL_FIX_LABEL) whose text
// names a workload linked to one of the repository's deployments gets what `/rigel fix` typed
// there gets — the same command is run, with the same rights, record, reply and pull request
// (which closes the issue). A text that names none or several gets the candidates and the
// command to type. An issue is answered so once: the reply carries issueFixMarker.

// issueFixMarker marks Rigel's answer to an issue's fix request. Only Rigel's own comments are
// read for it; it is added after seal (which makes HTML comments in replies inert).
const issueFixMarker = "<!-- rigel:fix-issue -->"

// maxFixCandidates bounds the candidates a reply lists.
const maxFixCandidates = 20

// IssueFix is an issue that may ask for a fix in plain words.
type IssueFix struct {
	// Request is the issue: Author is who triggers the request (the issue's author when it was
	// opened, the person who labelled it), Body the issue's title and text.
	Request
	// Labelled says a person asked by labelling the issue: they always get a reply. An issue
	// only opened is answered only when its author may run `fix` and the repository has
	// linked workloads.
	Labelled bool
}

// FixIssue answers an issue's fix request (see above). It returns an error only when it could
// not tell what to do (GitHub or the cluster away) or replying failed.
func (r *Runner) FixIssue(ctx context.Context, gh GitHub, req IssueFix) error {
	log := zerolog.Ctx(ctx)
	answered, err := r.answeredFixIssue(ctx, gh, req.Request)
	if err != nil || answered {
		return err
	}
	linked, err := r.Ops.LinkedWorkloads(ctx, req.Repo.FullName())
	if err != nil {
		return fmt.Errorf("failed to list the workloads linked to %s: %w", req.Repo.FullName(), err)
	}
	if len(linked) == 0 && !req.Labelled {
		log.Info().Msg("issue opened in a repository without linked workloads: no fix request")
		return nil
	}
	call := ops.Call{Repo: req.Repo, Number: req.Number, Author: req.Author, Forge: gh}
	if err := r.Ops.Authorize(ctx, call, "fix"); err != nil {
		if !ops.IsRefusal(err) {
			return err
		}
		if !req.Labelled {
			log.Info().Err(err).Msg("issue's author may not run fix: no fix request")
			return nil
		}
		msg, _ := refusal(err)
		return r.postFixIssue(ctx, gh, req.Request, msg, false) // someone who may can still ask
	}
	if admitted, _ := r.Rate.Admit(rateKeyOf(req.Request), 1, time.Now()); admitted == 0 {
		log.Warn().Int("rate_limit", r.Rate.Limit()).Msg("fix request over the rate limit: dropped")
		return nil
	}
	m := words.MatchWorkload(req.Body, linked)
	if m.Ref == nil {
		log.Info().Int("named", len(m.Named)).Int("linked", len(linked)).Msg("fix request names no single workload")
		r.observeCommand("fix", outcomeRefused)
		return r.postFixIssue(ctx, gh, req.Request, renderFixCandidates(req.Number, m, linked), true)
	}
	line := words.FixCommand(*m.Ref)
	cmds, _, _ := ParseComment(line)
	if len(cmds) != 1 {
		return fmt.Errorf("the fix command %q Rigel wrote does not parse", line)
	}
	log.Info().Str("workload", m.Ref.String()).Msg("fix request names a workload: running fix")
	body, cctx, rec, _ := r.runOne(ctx, gh, req.Request, cmds[0], 0)
	body += blockSep + fmt.Sprintf("_Rigel read issue #%d as about %s %s in namespace %s and ran %s for it._",
		req.Number, strings.ToLower(m.Ref.Kind), code(m.Ref.Name), code(m.Ref.Namespace), code(line))
	err = r.postFixIssue(cctx, gh, req.Request, body, true)
	rec.Finish(ctx)
	return err
}

// answeredFixIssue says whether Rigel already answered the fix request of the issue.
func (r *Runner) answeredFixIssue(ctx context.Context, gh GitHub, req Request) (bool, error) {
	comments, err := gh.Comments(ctx, req.Repo, req.Number)
	if err != nil {
		return false, fmt.Errorf("failed to read the comments of %s#%d: %w", req.Repo.FullName(), req.Number, err)
	}
	for _, c := range comments {
		if strings.EqualFold(c.Author, r.BotLogin) && strings.Contains(c.Body, issueFixMarker) {
			zerolog.Ctx(ctx).Info().Int64("comment", c.ID).Msg("fix request already answered: ignored")
			return true, nil
		}
	}
	return false, nil
}

// postFixIssue posts the answer to an issue's fix request, marked as such when mark (a
// refusal of who asked is not an answer: someone who may can still ask).
func (r *Runner) postFixIssue(ctx context.Context, gh GitHub, req Request, body string, mark bool) error {
	rctx, cancel := replyContext(ctx)
	defer cancel()
	var errs []error
	for i, part := range splitComment(r.seal(req, body)) {
		if i == 0 && mark {
			part += "\n" + issueFixMarker
		}
		if _, err := gh.Comment(rctx, req.Repo, req.Number, part); err != nil {
			errs = append(errs, fmt.Errorf("failed to answer the fix request of %s#%d: %w", req.Repo.FullName(), req.Number, err))
			break
		}
	}
	return errors.Join(errs...)
}

// renderFixCandidates is the reply to a fix request that names no single linked workload: the
// ones it could mean, each with the command to type.
func renderFixCandidates(number int, m words.WorkloadMatch, linked []kube.WorkloadRef) string {
	var b strings.Builder
	cands := m.Named
	switch {
	case len(linked) == 0:
		fmt.Fprintf(&b, "Rigel cannot propose a fix for issue #%d: no workload is linked to this repository's deployments. Nothing was done.", number)
		b.WriteString(blockSep + "A workload Rigel applied is linked already; link another with " + code("/rigel link deploy/NAME -n NAMESPACE DEPLOYMENT") + ", then type " + code("/rigel fix deploy/NAME -n NAMESPACE") + " here.")
		return b.String()
	case len(cands) > 1:
		fmt.Fprintf(&b, "Issue #%d names %d workloads linked to this repository's deployments; Rigel proposes a fix for one at a time. Nothing was done.", number, len(cands))
	default:
		fmt.Fprintf(&b, "Rigel could not tell which workload issue #%d is about: its text names none of the workloads linked to this repository's deployments. Nothing was done.", number)
		cands = append([]kube.WorkloadRef(nil), linked...)
		sortWorkloads(cands)
	}
	b.WriteString(blockSep + "Type the command of the one you mean in a comment here:\n\n")
	for i, ref := range cands {
		if i == maxFixCandidates {
			fmt.Fprintf(&b, "- … and %d more (`/rigel list` shows them all)\n", len(cands)-i)
			break
		}
		fmt.Fprintf(&b, "- %s %s in %s: %s\n", strings.ToLower(ref.Kind), code(ref.Name), code(ref.Namespace), code(words.FixCommand(ref)))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func sortWorkloads(refs []kube.WorkloadRef) {
	sort.Slice(refs, func(i, j int) bool { return refs[i].String() < refs[j].String() })
}
