package commands

import (
	"context"
	"fmt"
	"github.com/rigel-gitops/rigel/fault"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/policy"
	"github.com/rigel-gitops/rigel/sync"
)

// Objects a deployment does not manage: a preview shows none of their live values, only that
// they exist, who manages them and which fields applying takes over; and applying never takes
// an object from another deployment that is still registered. Moving an object between
// deployments is an explicit step: its provenance annotations are removed first (by
// /rigel unlink for workloads, or by a cluster admin with kubectl annotate), or the
// deployment that holds it is removed.

// markOwners records on each unmanaged change of plan the repository in which the deployment
// its provenance names is still registered.
func (r *Runner) markOwners(ctx context.Context, plan *sync.Plan) error {
	var named bool
	for _, c := range plan.Changes {
		named = named || (c.Unmanaged != nil && c.Unmanaged.Deployment != "")
	}
	if !named {
		return nil
	}
	src, err := r.Registry.Load(ctx)
	if err != nil {
		return fmt.Errorf("failed to read the registry: %w", err)
	}
	for i := range plan.Changes {
		u := plan.Changes[i].Unmanaged
		if u == nil || u.Deployment == "" || u.Deployment == plan.Deployment {
			continue
		}
		u.OwnerRepo = ownerRepo(src, u.Deployment)
	}
	return nil
}

// takenFrom lists the changes of objects another registered deployment holds.
func takenFrom(p *sync.Plan) []sync.Change {
	var out []sync.Change
	for _, c := range p.Changes {
		if c.Unmanaged != nil && c.Unmanaged.OwnerRepo != "" {
			out = append(out, c)
		}
	}
	return out
}

// TakeoverError refuses to apply a plan that would take objects from another deployment that
// is still registered. Nothing was applied. It unwraps to the *fault.Invalid that says so.
type TakeoverError struct{ err *fault.Invalid }

func (e *TakeoverError) Error() string { return e.err.Msg }

// Unwrap is the refusal as a *fault.Invalid.
func (e *TakeoverError) Unwrap() error { return e.err }

// takeoverRefusal refuses a plan some of whose objects belong to another registered
// deployment, naming each and how to move it; nil when none does. --force does not override it.
func takeoverRefusal(p *sync.Plan, h Hints) error {
	taken := takenFrom(p)
	if len(taken) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d object%s of %s at `%s` belong%s to another deployment, and Rigel does not take objects from a deployment that is still registered. Nothing was applied.\n\n",
		len(taken), plural(len(taken)), code(p.Deployment), shortSHA(p.Commit), map[bool]string{true: "s", false: ""}[len(taken) == 1])
	for i, ch := range taken {
		if i == maxListed {
			fmt.Fprintf(&b, "- … and %d more\n", len(taken)-maxListed)
			break
		}
		u := ch.Unmanaged
		fmt.Fprintf(&b, "- %s: deployment %s of %s (folder %s)\n", code(ch.Ref.String()), code(u.Deployment), code(u.OwnerRepo), code(u.Path))
	}
	fmt.Fprintf(&b, "\n%s %s does not override this.", moveSteps(taken[0]), h.ForceWord)
	return &TakeoverError{err: &fault.Invalid{Msg: b.String()}}
}

// moveSteps says how to move the object of ch from the deployment that holds it.
func moveSteps(ch sync.Change) string {
	u := ch.Unmanaged
	steps := fmt.Sprintf("To move %s to this deployment: take it out of the folder of %s (in %s), then have its provenance removed — a cluster admin runs %s",
		code(ch.Ref.String()), code(u.Deployment), code(u.OwnerRepo), code(kubectlUnannotate(ch.Ref)))
	if isWorkload(ch.Ref) {
		steps += fmt.Sprintf(", or anyone with the role for it runs %s in a conversation of %s", code(fmt.Sprintf("/rigel unlink %s/%s -n %s", strings.ToLower(ch.Ref.Kind), ch.Ref.Name, ch.Ref.Namespace)), code(u.OwnerRepo))
	}
	steps += fmt.Sprintf(" (or, when %s is gone for good, `/rigel remove-deployment %s` there); then preview again.", code(u.Deployment), u.Deployment)
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

func isWorkload(r sync.Ref) bool {
	return r.Group == "apps" && (r.Kind == "Deployment" || r.Kind == "StatefulSet" || r.Kind == "DaemonSet")
}

// unmanagedTitle is what the summary line of an unmanaged object adds.
func unmanagedTitle(ch sync.Change) string {
	switch u := ch.Unmanaged; {
	case u == nil:
		return ""
	case u.OwnerRepo != "":
		return " — ⛔ belongs to deployment " + htmlCode(u.Deployment)
	default:
		return " — exists, not managed by this deployment"
	}
}

// unmanagedNotes is what an unmanaged object's details say: that it exists, who manages it,
// which fields applying takes over, and what apply will do. No live value.
func unmanagedNotes(ch sync.Change) string {
	u := ch.Unmanaged
	if u == nil {
		return ""
	}
	var b strings.Builder
	switch {
	case u.OwnerRepo != "":
		fmt.Fprintf(&b, "> ⛔ **Another deployment's object**: it is managed by the Rigel deployment %s of %s (folder %s), which is still registered, so `/rigel apply` refuses it. %s\n\n",
			code(u.Deployment), code(u.OwnerRepo), code(u.Path), moveSteps(ch))
	case u.Deployment != "":
		fmt.Fprintf(&b, "> ⚠️ **Exists, not managed by this deployment**: its provenance names the deployment %s, which is no longer registered: applying adopts it (this deployment's provenance replaces it).\n\n", code(u.Deployment))
	default:
		fmt.Fprintf(&b, "> ⚠️ **Exists, not managed by this deployment**: %s. Applying adopts it (it then carries this deployment's provenance).\n\n", managedByWords(ch))
	}
	fmt.Fprintf(&b, "> Its live values are not shown (this deployment does not manage it); below is the manifest alone.")
	if ch.Ref.Kind == "Secret" && ch.Ref.Group == "" {
		b.WriteString(" For a Secret, not even which keys differ is said.")
	}
	b.WriteString("\n\n")
	switch n := len(u.TakeOver); {
	case n == 0:
		b.WriteString("> Applying takes over no field another manager set: it only adds fields.\n\n")
	default:
		paths := make([]string, n)
		for i, p := range u.TakeOver {
			paths[i] = code(p)
		}
		more := ""
		if u.More > 0 {
			more = fmt.Sprintf(" and %d more", u.More)
		}
		fmt.Fprintf(&b, "> Applying takes over %d field%s set by %s: %s%s.\n\n", n+u.More, plural(n+u.More), managersWords(u.Managers), strings.Join(paths, ", "), more)
	}
	return b.String()
}

// managedByWords says who manages an unmanaged object without provenance.
func managedByWords(ch sync.Change) string {
	if r := ch.ManagedBy; r != nil {
		return "it is managed by " + reconcilerName(r) + " (" + code(r.Evidence) + ")"
	}
	if len(ch.Unmanaged.Managers) == 0 {
		return "nobody known manages it (no field manager, no provenance)"
	}
	return "no Rigel deployment manages it; its fields were set by " + managersWords(ch.Unmanaged.Managers)
}

// managersWords lists field managers: "`kubectl-client-side-apply` and `rigel`".
func managersWords(managers []string) string {
	if len(managers) == 0 {
		return "its other managers"
	}
	out := make([]string, len(managers))
	for i, m := range managers {
		out[i] = code(m)
		if m == sync.FieldManager {
			out[i] += " (another deployment's applies)"
		}
	}
	if len(out) == 1 {
		return "the field manager " + out[0]
	}
	return "the field managers " + strings.Join(out[:len(out)-1], ", ") + " and " + out[len(out)-1]
}

// unmanagedSummary is what the summary line of a plan adds: ", 2 not managed by this
// deployment (1 another deployment's)".
func unmanagedSummary(p *sync.Plan) string {
	n := len(p.UnmanagedChanges())
	if n == 0 {
		return ""
	}
	s := fmt.Sprintf(", %d existing not managed by this deployment", n)
	if t := len(takenFrom(p)); t > 0 {
		s += fmt.Sprintf(" (%d another deployment's)", t)
	}
	return s
}

// refuseByPolicy is the DiffOptions.Refuse of a policy.
func refuseByPolicy(pol config.Policy) func(sync.Change) []sync.Violation {
	return func(c sync.Change) []sync.Violation { return policy.Violations(pol, c) }
}
