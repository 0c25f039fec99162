package policy

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// The escalation guard (issue 18): objects that would let whoever merges into a registered
// folder act past what Rigel's reviewed applies allow — direct rights on the cluster, tokens,
// or a hook into every request. Rigel holds the rights to create them (the apiserver lets it
// grant what it holds), so the guard refuses them before the cluster sees them, unless the
// cluster admin's default policy sets allowEscalation: true. What it refuses:
//   - a ClusterRoleBinding: it grants cluster-wide what the role holds, and any role Rigel can
//     bind holds only what Rigel holds;
//   - a RoleBinding of one of Rigel's own ClusterRoles (Policy.RigelRoles), of cluster-admin
//     or of a system: ClusterRole;
//   - a Role or ClusterRole granting the verb or resource *, the verbs escalate, bind or
//     impersonate, create on serviceaccounts/token, or nodes/proxy; a ClusterRole with an
//     aggregationRule;
//   - a TokenRequest, and a Secret of type kubernetes.io/service-account-token;
//   - admission webhooks and policies (admissionregistration.k8s.io) and APIServices;
//   - a PersistentVolume with a hostPath (a node's files, mounted by any pod that claims it).

// RuleEscalation names the escalation guard's violations.
const RuleEscalation = "escalation"

// escalationOpen says how a cluster admin opens the guard, at the end of each refusal.
const escalationOpen = "only the cluster admin's default policy can allow it (allowEscalation: true, RIGEL_DEFAULT_ALLOW_ESCALATION=true)"

const (
	groupRBAC      = "rbac.authorization.k8s.io"
	groupAdmission = "admissionregistration.k8s.io"
)

// escalations returns the guard's violations of c: why its object would escalate past Rigel
// (none when it would not, or when pol opens the guard). A change without its object (link,
// takeover) is judged by its kind alone.
func escalations(pol config.Policy, c sync.Change) []sync.Violation {
	if pol.EscalationAllowed() {
		return nil
	}
	var out []sync.Violation
	add := func(format string, args ...any) {
		out = append(out, sync.Violation{Rule: RuleEscalation, Msg: fmt.Sprintf(format, args...) + "; " + escalationOpen})
	}
	r, obj := c.Ref, c.Desired()
	switch {
	case r.Group == groupAdmission && (strings.HasSuffix(r.Kind, "WebhookConfiguration") || strings.Contains(r.Kind, "AdmissionPolicy")):
		add("%s %s is refused: admission webhooks and policies see or change every object the apiserver admits", r.Kind, r.Name)
	case r.Group == "apiregistration.k8s.io" && r.Kind == "APIService":
		add("APIService %s is refused: it routes the apiserver's requests for an API to a Service", r.Name)
	case r.Group == "authentication.k8s.io" && r.Kind == "TokenRequest":
		add("TokenRequest %s is refused: it creates a token of a ServiceAccount", r.Name)
	case r.Group == "" && r.Kind == "Secret" && obj != nil:
		if typ, _, _ := unstructured.NestedString(obj.Object, "type"); typ == "kubernetes.io/service-account-token" {
			sa := obj.GetAnnotations()["kubernetes.io/service-account.name"]
			add("Secret %s is refused: its type kubernetes.io/service-account-token makes the cluster fill it with a lasting token of ServiceAccount %q", r.Name, sa)
		}
	case r.Group == "" && r.Kind == "PersistentVolume" && obj != nil:
		if hp, ok, _ := unstructured.NestedMap(obj.Object, "spec", "hostPath"); ok && hp != nil {
			p, _, _ := unstructured.NestedString(hp, "path")
			add("PersistentVolume %s is refused: its hostPath %q hands a node's files to any pod that claims it", r.Name, p)
		}
	case r.Group == groupRBAC && r.Kind == "ClusterRoleBinding":
		add("ClusterRoleBinding %s is refused: it grants in every namespace what its role holds, and any role Rigel can bind holds only what Rigel holds", r.Name)
	case r.Group == groupRBAC && r.Kind == "RoleBinding" && obj != nil:
		kind, _, _ := unstructured.NestedString(obj.Object, "roleRef", "kind")
		name, _, _ := unstructured.NestedString(obj.Object, "roleRef", "name")
		if kind == "ClusterRole" {
			switch {
			case slices.Contains(pol.RigelRoles(), name):
				add("RoleBinding %s is refused: it binds %s, one of Rigel's own ClusterRoles, which would let its subjects do directly what Rigel does after review", r.Name, name)
			case name == "cluster-admin" || strings.HasPrefix(name, "system:"):
				add("RoleBinding %s is refused: it binds the built-in ClusterRole %s", r.Name, name)
			}
		}
	case r.Group == groupRBAC && (r.Kind == "Role" || r.Kind == "ClusterRole") && obj != nil:
		for _, why := range roleEscalations(obj) {
			add("%s %s is refused: %s", r.Kind, r.Name, why)
		}
	}
	return out
}

// roleEscalations names what a Role or ClusterRole grants past Rigel.
func roleEscalations(obj *unstructured.Unstructured) []string {
	var out []string
	if _, ok, _ := unstructured.NestedFieldNoCopy(obj.Object, "aggregationRule"); ok {
		out = append(out, "its aggregationRule collects the rules of other ClusterRoles")
	}
	rules, _, _ := unstructured.NestedSlice(obj.Object, "rules")
	for i, raw := range rules {
		rule, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		verbs, _, _ := unstructured.NestedStringSlice(rule, "verbs")
		resources, _, _ := unstructured.NestedStringSlice(rule, "resources")
		groups, _, _ := unstructured.NestedStringSlice(rule, "apiGroups")
		core := slices.Contains(groups, "") || slices.Contains(groups, "*")
		at := fmt.Sprintf("rule %d", i+1)
		if slices.Contains(verbs, "*") {
			out = append(out, at+" grants every verb (*)")
		}
		if slices.Contains(resources, "*") {
			out = append(out, at+" grants every resource (*)")
		}
		for _, v := range []string{"escalate", "bind", "impersonate"} {
			if slices.Contains(verbs, v) {
				out = append(out, fmt.Sprintf("%s grants the verb %s", at, v))
			}
		}
		if core && (slices.Contains(verbs, "create") || slices.Contains(verbs, "*")) && slices.ContainsFunc(resources, func(s string) bool {
			return s == "serviceaccounts/token" || s == "serviceaccounts/*" || s == "*/token"
		}) {
			out = append(out, at+" grants create on serviceaccounts/token (tokens of any ServiceAccount it reaches)")
		}
		if core && slices.ContainsFunc(resources, func(s string) bool { return s == "nodes/proxy" || s == "nodes/*" || s == "*/proxy" }) {
			out = append(out, at+" grants nodes/proxy (the kubelet's API: commands in any pod of a node)")
		}
	}
	return out
}
