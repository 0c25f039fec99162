package config

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// Who sets a policy, and how they combine (README, "Policies"):
//   - The cluster admin who installs Rigel sets the default policy (settings DefaultPolicy:
//     RIGEL_DEFAULT_* or defaultPolicy in the config file) and the protected namespaces
//     (RIGEL_PROTECTED_NAMESPACES). Nobody who only comments can change either.
//   - A deployment's own policy lives in the registry ConfigMap: a cluster admin edits it
//     there, and a repository admin may set its namespaces once, with add-deployment.
//   - The effective policy is the intersection: an object's namespace must be allowed by the
//     deployment's namespaces AND the default's (an empty list limits nothing from that
//     side); cluster-scoped objects pass only if the default allows them (clusterScoped:
//     true; unset is false) and the deployment does not forbid them; refused kinds add up;
//     Namespace objects follow clusterScoped unless the default grants namespaceObjects.
//   - The escalation guard (policy.RuleEscalation) is on unless the default sets
//     allowEscalation: true, and a deployment's own allowEscalation: false takes it back.
//   - Protected namespaces (Rigel's own, which holds its Secret, and kube-system,
//     kube-public, kube-node-lease by default) are refused whatever the patterns say, unless
//     the default policy names them literally (a pattern such as "*" or "kube-*" does not).
// So a deployment's policy can only narrow what the default allows.

// DefaultProtectedNamespaces are refused unless the default policy names them literally.
var DefaultProtectedNamespaces = []string{"kube-system", "kube-public", "kube-node-lease"}

// DefaultRigelClusterRoles are the ClusterRoles the installation gives Rigel (deploy/): a
// binding of one is escalation whatever RigelClusterRoles adds.
var DefaultRigelClusterRoles = []string{"rigel-deployer", "rigel-reader"}

// Empty reports whether p limits nothing.
func (p Policy) Empty() bool {
	return len(p.Namespaces) == 0 && p.ClusterScoped == nil && len(p.RefusedKinds) == 0 &&
		p.NamespaceObjects == nil && len(p.Within) == 0 && len(p.Protected) == 0 &&
		p.AllowEscalation == nil && len(p.RigelClusterRoles) == 0 && len(p.RefusedSyncOptions) == 0
}

// ClusterScopedAllowed reports whether the policy lets cluster-scoped objects through: only
// when it says so (unset is false).
func (p Policy) ClusterScopedAllowed() bool { return p.ClusterScoped != nil && *p.ClusterScoped }

// EscalationAllowed reports whether the escalation guard is open (unset is closed).
func (p Policy) EscalationAllowed() bool { return p.AllowEscalation != nil && *p.AllowEscalation }

// RigelRoles are the ClusterRoles a binding of which is escalation: DefaultRigelClusterRoles
// and RigelClusterRoles.
func (p Policy) RigelRoles() []string {
	out := slices.Clone(DefaultRigelClusterRoles)
	for _, r := range p.RigelClusterRoles {
		if r = strings.TrimSpace(r); r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// NamespaceObjectsAllowed reports whether Namespace objects pass when cluster-scoped objects
// do not (their names are still checked against the namespaces).
func (p Policy) NamespaceObjectsAllowed() bool {
	return p.NamespaceObjects != nil && *p.NamespaceObjects
}

// EffectivePolicy is what limits a deployment: its own policy (nil: none) intersected with
// the default, with DefaultProtectedNamespaces protected. Bounded also protects Rigel's own
// namespace; use it where that is known.
func EffectivePolicy(dep *Policy, def Policy) Policy {
	return Bounded(dep, def, DefaultProtectedNamespaces)
}

// Bounded is the intersection of a deployment's own policy (nil: none) with the default def:
// namespaces must match both lists (kept apart: Namespaces are the deployment's, or the
// default's when it has none, Within the default's when both have some); clusterScoped holds
// only if the default allows it (unset: refused) and the deployment does not forbid it;
// refused kinds and Rigel's ClusterRoles add up; namespaceObjects and allowEscalation only if
// the default grants them and the deployment does not take them back. Every namespace in
// protected that def does not name literally is refused. The result always sets
// ClusterScoped and AllowEscalation.
func Bounded(dep *Policy, def Policy, protected []string) Policy {
	own := Policy{}
	if dep != nil {
		own = *dep
	}
	out := Policy{RefusedKinds: append([]string(nil), def.RefusedKinds...)}
	switch {
	case len(own.Namespaces) > 0 && len(def.Namespaces) > 0:
		out.Namespaces = append([]string(nil), own.Namespaces...)
		out.Within = append([]string(nil), def.Namespaces...)
	case len(own.Namespaces) > 0:
		out.Namespaces = append([]string(nil), own.Namespaces...)
	default:
		out.Namespaces = append([]string(nil), def.Namespaces...)
	}
	// Unset on the default is false: a deployment's own true cannot open what the cluster
	// admin did not.
	out.ClusterScoped = boolPtr(def.ClusterScopedAllowed() && (own.ClusterScoped == nil || *own.ClusterScoped))
	if def.NamespaceObjectsAllowed() {
		out.NamespaceObjects = boolPtr(own.NamespaceObjects == nil || *own.NamespaceObjects)
	}
	out.AllowEscalation = boolPtr(def.EscalationAllowed() && (own.AllowEscalation == nil || *own.AllowEscalation))
	for _, r := range append(slices.Clone(def.RigelClusterRoles), own.RigelClusterRoles...) {
		if r = strings.TrimSpace(r); r != "" && !slices.Contains(out.RigelClusterRoles, r) {
			out.RigelClusterRoles = append(out.RigelClusterRoles, r)
		}
	}
	for _, k := range own.RefusedKinds {
		if !containsFold(out.RefusedKinds, k) {
			out.RefusedKinds = append(out.RefusedKinds, k)
		}
	}
	for _, o := range append(slices.Clone(def.RefusedSyncOptions), own.RefusedSyncOptions...) { // issue 17
		if o = strings.TrimSpace(o); o != "" && !containsFold(out.RefusedSyncOptions, o) {
			out.RefusedSyncOptions = append(out.RefusedSyncOptions, o)
		}
	}
	for _, ns := range protected {
		if ns = strings.TrimSpace(ns); ns != "" && !namesLiterally(def.Namespaces, ns) && !slices.Contains(out.Protected, ns) {
			out.Protected = append(out.Protected, ns)
		}
	}
	return out
}

// NamespaceAllowed reports whether ns is allowed (NamespaceRefusal says why not).
func (p Policy) NamespaceAllowed(ns string) bool { return p.NamespaceRefusal(ns) == "" }

// NamespaceRefusal says why the namespace ns is refused, or "" when it is allowed: it is
// protected, or it matches none of the namespaces, or none of the default's (Within).
func (p Policy) NamespaceRefusal(ns string) string {
	if slices.Contains(p.Protected, ns) {
		return fmt.Sprintf("namespace %s is protected: only the cluster admin's default policy can allow it, by naming it literally in its namespaces (RIGEL_DEFAULT_NAMESPACES)", ns)
	}
	if !matchesAny(p.Namespaces, ns) {
		return fmt.Sprintf("namespace %s is not allowed (namespaces: %s)", ns, strings.Join(p.Namespaces, ", "))
	}
	if !matchesAny(p.Within, ns) {
		return fmt.Sprintf("namespace %s is not allowed by the default policy (its namespaces: %s)", ns, strings.Join(p.Within, ", "))
	}
	return ""
}

// matchesAny reports whether ns matches one of the patterns; no patterns match everything.
func matchesAny(patterns []string, ns string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, pat := range patterns {
		if ok, err := path.Match(pat, ns); (err == nil && ok) || pat == ns {
			return true
		}
	}
	return false
}

// namesLiterally reports whether list holds ns itself (not a pattern matching it).
func namesLiterally(list []string, ns string) bool {
	for _, s := range list {
		if strings.TrimSpace(s) == ns {
			return true
		}
	}
	return false
}

func boolPtr(b bool) *bool { return &b }

// RefusesKind returns the refused-kinds entry matching kind (of group; "" for the core group),
// or "". An entry without a group ("Secret") matches the kind in any group.
func (p Policy) RefusesKind(group, kind string) string {
	for _, e := range p.RefusedKinds {
		k, g, hasGroup := strings.Cut(strings.TrimSpace(e), ".")
		if !strings.EqualFold(k, kind) {
			continue
		}
		if !hasGroup || strings.EqualFold(g, group) {
			return e
		}
	}
	return ""
}

// Problems names what is wrong in a policy (where says which, e.g. "the policy of web").
func (p Policy) Problems(where string) []string {
	var out []string
	for _, pat := range p.Namespaces {
		if _, err := path.Match(pat, ""); err != nil || strings.TrimSpace(pat) == "" {
			out = append(out, fmt.Sprintf("%s lists the namespace pattern %q, which is not a valid pattern", where, pat))
		}
	}
	for _, k := range p.RefusedKinds {
		if t := strings.TrimSpace(k); t == "" || strings.ContainsAny(t, " /,") {
			out = append(out, fmt.Sprintf("%s refuses the kind %q, which is not a kind like ClusterRoleBinding or ClusterRoleBinding.rbac.authorization.k8s.io", where, k))
		}
	}
	for _, r := range p.RigelClusterRoles {
		if t := strings.TrimSpace(r); t == "" || strings.ContainsAny(t, " /,*") {
			out = append(out, fmt.Sprintf("%s names the ClusterRole %q among Rigel's, which is not a ClusterRole name", where, r))
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), strings.TrimSpace(s)) {
			return true
		}
	}
	return false
}

// splitList splits "a, b,c" into its non-empty trimmed items.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// nonEmptyPolicy is &p, or nil when p limits nothing.
func nonEmptyPolicy(p Policy) *Policy {
	if p.Empty() {
		return nil
	}
	return &p
}

// Namespace is where the registry ConfigMap lives (where a cluster admin edits policies).
func (r *Registry) Namespace() string { return r.namespace }
