package policy

import (
	"fmt"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// Rules of a policy, named as its fields in the registry.
const (
	RuleNamespaces    = "namespaces"
	RuleClusterScoped = "clusterScoped"
	RuleRefusedKinds  = "refusedKinds"
	// RuleEscalation: escalation.go; RuleSyncOptions: syncoptions.go.
)

// Check records on each change of plan the rules of pol it breaks (replacing what was
// recorded before) and returns how many changes break one.
func Check(pol config.Policy, plan *sync.Plan) int {
	n := 0
	for i := range plan.Changes {
		c := &plan.Changes[i]
		c.Violations = Violations(pol, *c)
		if len(c.Violations) > 0 {
			n++
		}
	}
	return n
}

// Violations returns the rules of pol that one change breaks.
func Violations(pol config.Policy, c sync.Change) []sync.Violation {
	var out []sync.Violation
	r := c.Ref
	if e := pol.RefusesKind(r.Group, r.Kind); e != "" {
		out = append(out, sync.Violation{Rule: RuleRefusedKinds, Msg: fmt.Sprintf("kind %s is refused (refusedKinds: %s)", kindName(r), e)})
	}
	out = append(out, escalations(pol, c)...)
	out = append(out, syncOptionRefusals(pol, c)...) // syncoptions.go
	isNamespace := r.Group == "" && r.Kind == "Namespace"
	switch {
	case isNamespace:
		// A Namespace object is cluster-scoped, and its name must be a namespace the policy
		// allows: creating or relabelling kube-system (its pod-security level) is refused.
		if why := pol.NamespaceRefusal(r.Name); why != "" {
			out = append(out, sync.Violation{Rule: RuleNamespaces, Msg: why})
		}
		if !pol.ClusterScopedAllowed() && !pol.NamespaceObjectsAllowed() {
			out = append(out, sync.Violation{Rule: RuleClusterScoped, Msg: "Namespace is cluster-scoped, and cluster-scoped objects are not allowed (clusterScoped is false unless the cluster admin's default policy sets it true, RIGEL_DEFAULT_CLUSTER_SCOPED=true); the default policy can also allow Namespace objects alone with namespaceObjects: true (RIGEL_DEFAULT_NAMESPACE_OBJECTS=true)"})
		}
	case c.ClusterScoped:
		if !pol.ClusterScopedAllowed() {
			out = append(out, sync.Violation{Rule: RuleClusterScoped, Msg: fmt.Sprintf("%s is cluster-scoped, and cluster-scoped objects are not allowed (clusterScoped is false unless the cluster admin's default policy sets it true, RIGEL_DEFAULT_CLUSTER_SCOPED=true)", kindName(r))})
		}
	case r.Namespace != "":
		if why := pol.NamespaceRefusal(r.Namespace); why != "" {
			out = append(out, sync.Violation{Rule: RuleNamespaces, Msg: why})
		}
	}
	return out
}

// kindName is "ClusterRoleBinding.rbac.authorization.k8s.io" or "ConfigMap" for the core group.
func kindName(r sync.Ref) string {
	if r.Group == "" {
		return r.Kind
	}
	return r.Kind + "." + r.Group
}
