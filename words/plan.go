package words

import (
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
)

// The wording of the refusals of previewing and applying (ops/refusals_plan.go).

// sayStale: what was previewed is no longer what applying would do.
func sayStale(e *ops.Stale, h Hints) string {
	if e.Why == ops.StaleCommit {
		return fmt.Sprintf("the preview of `%s` was for `%s`, but %s is now `%s`. Nothing was applied. Run %s to preview the new commit.", e.Deployment, ShortSHA(e.Commit), Label(e.Now), ShortSHA(e.Now.Commit), h.Preview(e.Deployment))
	}
	return fmt.Sprintf("the cluster or the folder changed since the preview of `%s` at `%s`, so that preview no longer shows what would happen. Nothing was applied. Run %s to preview again.", e.Deployment, ShortSHA(e.Commit), h.Preview(e.Deployment))
}

// sayPolicy lists the objects the policy refuses, and how to go on.
func sayPolicy(e *ops.Policy, h Hints) string {
	p := e.Plan
	v := p.Violating()
	var b strings.Builder
	fmt.Fprintf(&b, "the policy of %s refuses %d object%s of commit `%s`. Nothing was applied.\n\n", Code(p.Deployment), len(v), Plural(len(v)), ShortSHA(p.Commit))
	for i, ch := range v {
		if i == MaxListed {
			fmt.Fprintf(&b, "- … and %d more\n", len(v)-MaxListed)
			break
		}
		msgs := make([]string, len(ch.Violations))
		for j, x := range ch.Violations {
			msgs[j] = Text(x.Msg)
		}
		fmt.Fprintf(&b, "- %s: %s\n", Code(ch.Ref.String()), strings.Join(msgs, "; "))
	}
	fmt.Fprintf(&b, "\nTake these objects out of the folder and push, then %s. Or ask a cluster admin to change the deployment's `policy` in ConfigMap `%s` (namespace `%s`), or Rigel's default policy where a refusal names a `RIGEL_DEFAULT_*` setting: %s shows it and how. %s does not override a policy.",
		h.Preview(p.Deployment), config.SourcesConfigMap, e.Namespace, h.Policy(p.Deployment), h.ForceWord)
	return b.String()
}

// sayReconciler lists the objects another reconciler manages, and how to take them over.
func sayReconciler(e *ops.Reconciler, h Hints) string {
	p := e.Plan
	rc := p.Reconciled()
	var b strings.Builder
	fmt.Fprintf(&b, "%d object%s of %s %s managed by another reconciler, and applying %s from Rigel too would make the two fight over %s. Nothing was applied.\n\n",
		len(rc), Plural(len(rc)), Code(p.Deployment), PluralOf(len(rc), "is", "are"), PluralOf(len(rc), "it", "them"), PluralOf(len(rc), "it", "them"))
	for i, ch := range rc {
		if i == MaxListed {
			fmt.Fprintf(&b, "- … and %d more\n", len(rc)-MaxListed)
			break
		}
		fmt.Fprintf(&b, "- %s: %s (%s)\n", Code(ch.Ref.String()), ReconcilerName(ch.ManagedBy), Code(ch.ManagedBy.Evidence))
	}
	fmt.Fprintf(&b, "\nIf Rigel should take them over, stop the other tool from managing them, then %s: it applies exactly the last preview.", h.Force(p.Deployment))
	return b.String()
}

// ReconcilerName is "Argo CD Application `shop`" or "Flux".
func ReconcilerName(r *sync.Reconciler) string {
	if r.Owner == "" {
		return r.Tool
	}
	kind, name, _ := strings.Cut(r.Owner, " ")
	return r.Tool + " " + kind + " " + Code(name)
}

// sayTakeover names each object another registered deployment holds, and how to move it.
func sayTakeover(e *ops.Takeover, h Hints) string {
	p := e.Plan
	taken := ops.TakenFrom(p)
	var b strings.Builder
	fmt.Fprintf(&b, "%d object%s of %s at `%s` belong%s to another deployment, and Rigel does not take objects from a deployment that is still registered. Nothing was applied.\n\n",
		len(taken), Plural(len(taken)), Code(p.Deployment), ShortSHA(p.Commit), PluralOf(len(taken), "s", ""))
	for i, ch := range taken {
		if i == MaxListed {
			fmt.Fprintf(&b, "- … and %d more\n", len(taken)-MaxListed)
			break
		}
		u := ch.Unmanaged
		fmt.Fprintf(&b, "- %s: deployment %s of %s (folder %s)\n", Code(ch.Ref.String()), Code(u.Deployment), Code(u.OwnerRepo), Code(u.Path))
	}
	fmt.Fprintf(&b, "\n%s %s does not override this.", MoveSteps(taken[0]), h.ForceWord)
	return b.String()
}

// MoveSteps says how to move the object of ch from the deployment that holds it.
func MoveSteps(ch sync.Change) string {
	u := ch.Unmanaged
	steps := fmt.Sprintf("To move %s to this deployment: take it out of the folder of %s (in %s), then have its provenance removed — a cluster admin runs %s",
		Code(ch.Ref.String()), Code(u.Deployment), Code(u.OwnerRepo), Code(kubectlUnannotate(ch.Ref)))
	if isWorkloadRef(ch.Ref) {
		steps += fmt.Sprintf(", or anyone with the role for it runs %s in a conversation of %s", Code(fmt.Sprintf("/rigel unlink %s/%s -n %s", strings.ToLower(ch.Ref.Kind), ch.Ref.Name, ch.Ref.Namespace)), Code(u.OwnerRepo))
	}
	steps += fmt.Sprintf(" (or, when %s is gone for good, `/rigel remove-deployment %s` there); then preview again.", Code(u.Deployment), u.Deployment)
	return steps
}

// kubectlUnannotate is the kubectl command that removes an object's provenance annotations.
func kubectlUnannotate(r sync.Ref) string {
	res := strings.ToLower(r.Kind)
	if r.Group != "" {
		res += "." + r.Group
	}
	ns := ""
	if r.Namespace != "" {
		ns = " -n " + r.Namespace
	}
	return fmt.Sprintf("kubectl annotate %s %s%s %s- %s-", res, r.Name, ns, sync.AnnotationSourceRepo, sync.AnnotationSourcePath)
}

func isWorkloadRef(r sync.Ref) bool {
	return r.Group == "apps" && (r.Kind == "Deployment" || r.Kind == "StatefulSet" || r.Kind == "DaemonSet")
}

// sayPullNotOpen: a merged, closed or draft pull request is not applied.
func sayPullNotOpen(e *ops.PullNotOpen) string {
	switch e.State {
	case ops.PullMerged:
		return fmt.Sprintf("PR #%d was merged, and Rigel applies a pull request only while it is open. Nothing was applied. To apply what was merged, run `/rigel sync` in an issue of %s: it previews the branch `%s` and arms `/rigel apply` there.",
			e.Pull, e.Repo, e.Branch)
	case ops.PullClosed:
		return fmt.Sprintf("PR #%d is closed, and Rigel applies a pull request only while it is open. Nothing was applied. Reopen it, then run `/rigel apply` again.", e.Pull)
	}
	return fmt.Sprintf("PR #%d is a draft, and Rigel does not apply drafts. Nothing was applied. Mark it ready for review (and have it approved), then run `/rigel apply` again.", e.Pull)
}

// sayForkApply: a pull request from a fork is not applied.
func sayForkApply(e *ops.ForkApply) string {
	from := "a repository that no longer exists"
	if e.HeadRepo != "" {
		from = "the fork `" + e.HeadRepo + "`"
	}
	return fmt.Sprintf("PR #%d comes from %s, and Rigel does not apply pull requests from forks: their code was not pushed by someone with write access to %s. Nothing was applied. Push the branch to %s and open the PR from there, or merge it and apply from the branch. (An admin of Rigel can allow forks with `RIGEL_ALLOW_FORK_APPLY=true`.)",
		e.Pull, from, e.Repo, e.Repo)
}

// sayNotReady lists every requirement of applying a pull request that is missing.
func sayNotReady(e *ops.NotReady) string {
	missing := make([]string, len(e.Missing))
	for i, m := range e.Missing {
		missing[i] = requirement(m)
	}
	return fmt.Sprintf("PR #%d is not ready to apply; nothing was applied:\n\n- %s\n\nThen run `/rigel apply` again.", e.Pull, strings.Join(missing, "\n- "))
}

// requirement says what is missing, and how to meet it.
func requirement(m ops.Requirement) string {
	user := strings.Join(m.Users, ", ")
	switch m.Kind {
	case ops.ChangesRequested:
		return fmt.Sprintf("changes are requested by %s: address them and ask for a new review (or have the review dismissed)", user)
	case ops.Unapproved:
		return fmt.Sprintf("nobody with `write` access has approved its head `%s`: ask a reviewer to approve the PR", ShortSHA(m.Head))
	case ops.ApprovalByNonWriter:
		return fmt.Sprintf("%s approved but has only `%s`: an approval counts only from someone with `write` or higher", user, m.Role)
	case ops.ApprovalOfOtherCommit:
		if m.Commit == "" {
			return fmt.Sprintf("%s approved an earlier commit, not the head `%s`: ask for a new review", user, ShortSHA(m.Head))
		}
		return fmt.Sprintf("%s approved `%s`, not the head `%s`: ask for a new review", user, ShortSHA(m.Commit), ShortSHA(m.Head))
	}
	return mergeableRefusal(m)
}

// mergeableRefusal is the missing requirement of a refused mergeable state, with what to do.
func mergeableRefusal(m ops.Requirement) string {
	base := m.Base
	if base == "" {
		base = "its base branch"
	} else {
		base = "`" + base + "`"
	}
	switch m.State {
	case "dirty":
		return fmt.Sprintf("it has merge conflicts with %s (mergeable_state `dirty`): resolve them (merge or rebase %s into the branch), push, and run `/rigel sync` again", base, base)
	case "blocked":
		return fmt.Sprintf("the branch protection of %s is not met (mergeable_state `blocked`): it still lacks required approving reviews or required status checks; get them", base)
	case "behind":
		return fmt.Sprintf("it is behind %s, and the branch protection wants branches up to date (mergeable_state `behind`): update the branch (**Update branch** on the PR, or merge %s into it), push, and run `/rigel sync` again", base, base)
	case "unknown":
		return fmt.Sprintf("GitHub has not computed whether it can be merged (mergeable_state `unknown`, still after %d more reads): try `/rigel apply` again in a minute", ops.MergeableRereads)
	case "unstable":
		return "some of its status checks fail (mergeable_state `unstable`): make them pass"
	case "draft":
		return "GitHub says it is a draft (mergeable_state `draft`): mark it ready for review"
	}
	if m.ByDefault {
		return fmt.Sprintf("GitHub gives it the mergeable_state `%s`", m.State)
	}
	return fmt.Sprintf("its mergeable_state is `%s`, which this Rigel refuses (`RIGEL_REFUSE_MERGEABLE_STATES`): fix that on GitHub or ask Rigel's admin", m.State)
}

// sayForkPreview: a pull request from a fork is previewed only for people with the role.
func sayForkPreview(e *ops.ForkPreview) string {
	from := "a repository that no longer exists"
	if e.HeadRepo != "" {
		from = "the fork " + Code(e.HeadRepo)
	}
	return fmt.Sprintf("PR #%d comes from %s, and Rigel previews pull requests from forks only for people with `%s` on %s: a preview renders the fork's files and sends them to the cluster. @%s has the `%s` role. Nothing was fetched, rendered or sent to the cluster. Ask someone with `%s` access to read the change and comment `/rigel %s` here. (An admin of Rigel can open fork previews to everyone allowed to run the command with `RIGEL_ALLOW_FORK_PREVIEW=true`.)",
		e.Pull, from, e.Need, e.Repo, e.Author, e.Have, e.Need, e.Verb)
}
