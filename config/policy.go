package config

import (
	"fmt"
	"path"
	"strings"
)

// Who sets a policy: a deployment's policy lives in the registry ConfigMap and is edited there
// by whoever may edit that ConfigMap (cluster admins); no command changes an existing policy.
// A policy guards against people who can comment, so a commenter with write access must not
// be able to widen it. The settings' DefaultPolicy (set by whoever installs Rigel) bounds
// every deployment, including the ones a commenter registers later.

// Empty reports whether p limits nothing.
func (p Policy) Empty() bool {
	return len(p.Namespaces) == 0 && p.ClusterScoped == nil && len(p.RefusedKinds) == 0
}

// ClusterScopedAllowed reports whether the policy lets cluster-scoped objects through.
func (p Policy) ClusterScopedAllowed() bool { return p.ClusterScoped == nil || *p.ClusterScoped }

// EffectivePolicy is what limits a deployment: its own policy (nil: none) over the default.
// The deployment's namespaces and clusterScoped, when set, replace the default's; refused
// kinds add up, so the default's refused kinds hold for every deployment.
func EffectivePolicy(dep *Policy, def Policy) Policy {
	out := Policy{
		Namespaces:    append([]string(nil), def.Namespaces...),
		ClusterScoped: def.ClusterScoped,
		RefusedKinds:  append([]string(nil), def.RefusedKinds...),
	}
	if dep == nil {
		return out
	}
	if len(dep.Namespaces) > 0 {
		out.Namespaces = append([]string(nil), dep.Namespaces...)
	}
	if dep.ClusterScoped != nil {
		v := *dep.ClusterScoped
		out.ClusterScoped = &v
	}
	for _, k := range dep.RefusedKinds {
		if !containsFold(out.RefusedKinds, k) {
			out.RefusedKinds = append(out.RefusedKinds, k)
		}
	}
	return out
}

// NamespaceAllowed reports whether ns is allowed: no namespaces listed, or ns matches one.
func (p Policy) NamespaceAllowed(ns string) bool {
	if len(p.Namespaces) == 0 {
		return true
	}
	for _, pat := range p.Namespaces {
		if ok, err := path.Match(pat, ns); (err == nil && ok) || pat == ns {
			return true
		}
	}
	return false
}

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
