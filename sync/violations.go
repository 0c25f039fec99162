package sync

// Violation is a rule of a deployment's policy that an object breaks. Diff does not set
// them: the caller checks the deployment's policy (package policy) and records the
// violations on the plan's changes, so whatever shows or applies the plan sees them.
type Violation struct {
	Rule string // the policy field to change to allow it: "namespaces", "clusterScoped" or "refusedKinds"
	Msg  string // what is refused, for people: "namespace kube-system is not allowed (namespaces: shop)"
}

// Violating lists the changes that break the deployment's policy.
func (p *Plan) Violating() []Change {
	var out []Change
	for _, c := range p.Changes {
		if len(c.Violations) > 0 {
			out = append(out, c)
		}
	}
	for _, h := range p.Hooks { // hooks.go: the policy applies to hooks too
		if len(h.Violations) > 0 {
			out = append(out, h.AsChange())
		}
	}
	return out
}
