package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/ops"
)

// Apply on merge (issue 11): the push of a merge commit to a registered repository's branch
// applies each deployment registered with applyOn: merge exactly as its pull request's
// approved preview showed (ops.ApplyOnMerge). The outcome is a comment on the merged pull
// request (the applied reply; or why nothing was applied, the fresh preview of the merge
// commit and what to type) and the check run `rigel/apply: <deployment>` on the merge commit.

// Push is a push to a branch (handlers/push.go decodes it).
type Push struct {
	DeliveryID    string
	Repo          Repo
	Branch        string // without refs/heads/
	Before, After string
	Pusher        string
	Forced        bool // the push rewrote the branch (push-triggered sync, issue 12)
}

// HandlePush applies on merge what the push merged (applyOn: merge), and says so in the
// merged pull request; then it applies the deployments that apply on push (applyOn: push,
// apply_on_push.go) and reports each where the deployment says.
func (r *Runner) HandlePush(ctx context.Context, gh GitHub, p Push) error {
	return errors.Join(r.applyOnMerge(ctx, gh, p), r.applyOnPush(ctx, gh, p, nil, false, nil))
}

// applyOnMerge applies on merge what the push merged, and says so in the merged pull request.
// A direct push, a push to a branch Rigel does not follow, or a repository without a
// deployment applied on merge does nothing and says nothing; so does the same push handled
// again (each deployment's last sync is already the merge commit).
func (r *Runner) applyOnMerge(ctx context.Context, gh GitHub, p Push) error {
	log := zerolog.Ctx(ctx)
	oc := ops.Call{Repo: p.Repo, Author: p.Pusher, Forge: gh,
		Holder: ops.Holder{Repo: p.Repo.FullName(), Installation: p.Repo.Installation, Command: "apply on merge of " + shortSHA(p.After), Delivery: p.DeliveryID}}
	res, err := r.Ops.ApplyOnMerge(ctx, oc, ops.MergePush{Branch: p.Branch, Before: p.Before, After: p.After,
		Find: func(ctx context.Context, pull int, dep string) (ops.PlanID, error) {
			c := &call{r: r, gh: gh, req: Request{Repo: p.Repo, Number: pull, IsPR: true}}
			a, err := c.lastArmed(ctx, dep)
			if err != nil || a == nil {
				return ops.PlanID{}, err
			}
			return a.Plan, nil
		}})
	if err != nil {
		return fmt.Errorf("failed to apply on merge of %s: %w", shortSHA(p.After), err)
	}
	if res.Pull == nil {
		return nil
	}
	req := Request{DeliveryID: p.DeliveryID, Repo: p.Repo, Number: res.Pull.Number, IsPR: true}
	var errs []error
	for _, o := range res.Outcomes {
		if o.Done || o.Untouched {
			log.Info().Str("deployment", o.Deployment.Name).Bool("done", o.Done).Msg("nothing to apply on this merge, nothing to say")
			continue
		}
		body, ck := renderMergeOutcome(p.Repo.FullName(), res.Pull, p.After, o)
		for _, part := range splitComment(r.seal(req, body)) {
			if _, err := gh.Comment(ctx, p.Repo, res.Pull.Number, part); err != nil {
				errs = append(errs, fmt.Errorf("failed to say on %s#%d what its merge applied: %w", p.Repo.FullName(), res.Pull.Number, err))
				break
			}
		}
		r.setApplyCheck(ctx, gh, p.Repo, p.After, o.Deployment.Name, ck)
	}
	return errors.Join(errs...)
}

// renderMergeOutcome is the comment on the merged pull request and the apply check run on
// the merge commit, for one deployment.
func renderMergeOutcome(repo string, pull *ops.MergedPull, merge string, o ops.MergeOutcome) (string, applyCheck) {
	dep := o.Deployment.Name
	if o.Applied != nil {
		ck := appliedCheck(repo, o.Applied)
		lead := fmt.Sprintf("**Merged as `%s`: Rigel applied %s exactly as approved in this pull request** (the preview of `%s`, digest `%s`).",
			shortSHA(merge), code(dep), shortSHA(o.Armed.Commit), shortSHA(o.Armed.Digest))
		return lead + blockSep + renderApplied(repo, o.Applied), ck
	}
	if o.UpToDate {
		title := fmt.Sprintf("%s: nothing to apply at %s", dep, shortSHA(merge))
		body := fmt.Sprintf("**Merged as `%s`: nothing to apply for %s** — the cluster already matches the merge commit (applied from the pull request before the merge, or by another apply). Nothing was applied.\n\n**Next:** `/rigel list` in an issue shows the last sync of each deployment.", shortSHA(merge), code(dep))
		return body, applyCheck{Conclusion: githubclient.ConclusionNeutral, Title: title, Summary: inert(body)}
	}
	why, refused := refusal(o.Refused)
	if !refused {
		why = "Rigel could not apply it: " + mdText(o.Refused.Error())
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**Merged as `%s`: Rigel did not apply %s.** ", shortSHA(merge), code(dep))
	b.WriteString(mergeWhy(why))
	if o.Fresh != nil {
		fmt.Fprintf(&b, "%s<details><summary>The preview of the merge commit, what applying it now would do</summary>\n\n%s\n\n</details>", blockSep, freshPlan(repo, o.Fresh))
	}
	fmt.Fprintf(&b, "%s**Next:** this pull request is merged, so it cannot apply any more: in an issue of this repository, `/rigel sync %s` previews %s at its branch and `/rigel apply %s` then applies exactly that.", blockSep, dep, code(dep), dep)
	title := fmt.Sprintf("%s was not applied at %s", dep, shortSHA(merge))
	return b.String(), applyCheck{Conclusion: githubclient.ConclusionFailure, Title: title, Summary: inert(b.String()), Annotations: mergeAnnotations(o.Refused)}
}

// freshPlan is the preview of the merge commit as a diff: it arms nothing (the pull request
// is merged), so its closing "Next" line (which would name commands of an open conversation)
// is left out.
func freshPlan(repo string, pv *ops.Preview) string {
	body := renderPlan(repo, pv, false)
	if i := strings.LastIndex(body, blockSep+"**Next:**"); i >= 0 {
		body = body[:i]
	}
	return body
}

// mergeWhy is a refusal's words as a sentence of the merge's comment: capitalised, without
// the step to take in an open pull request (the "Next" line of the comment says what to do).
func mergeWhy(why string) string {
	why = strings.TrimSpace(why)
	why = strings.TrimSpace(strings.TrimSuffix(why, "Then run `/rigel apply` again."))
	if r, size := utf8.DecodeRuneInString(why); size > 0 {
		why = string(unicode.ToUpper(r)) + why[size:]
	}
	return why
}
