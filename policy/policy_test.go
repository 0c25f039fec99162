package policy

import (
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

func boolp(b bool) *bool { return &b }

// eff is the policy of a deployment with policy dep under the default def, Rigel running in
// namespace rigel.
func eff(dep *config.Policy, def config.Policy) config.Policy {
	return config.Bounded(dep, def, append([]string{"rigel"}, config.DefaultProtectedNamespaces...))
}

func TestViolations(t *testing.T) {
	cm := sync.Change{Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "web"}}
	cmSys := sync.Change{Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "kube-system", Name: "web"}}
	crd := sync.Change{Ref: sync.Ref{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition", Name: "widgets.example.com"}, ClusterScoped: true}
	nsShop := sync.Change{Ref: sync.Ref{Version: "v1", Kind: "Namespace", Name: "shop"}, ClusterScoped: true}
	nsOther := sync.Change{Ref: sync.Ref{Version: "v1", Kind: "Namespace", Name: "other"}, ClusterScoped: true}
	nsSys := sync.Change{Ref: sync.Ref{Version: "v1", Kind: "Namespace", Name: "kube-system"}, ClusterScoped: true}
	cmRigel := sync.Change{Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "rigel", Name: "helmsman-github"}}
	unknown := sync.Change{Ref: sync.Ref{Group: "example.com", Version: "v1", Kind: "Widget", Name: "w"}, Action: sync.ActionError}
	tests := []struct {
		name  string
		pol   config.Policy
		c     sync.Change
		rules []string
		msg   string
	}{
		{"no policy refuses cluster-scoped objects", config.Policy{}, crd, []string{RuleClusterScoped}, "clusterScoped is false unless the cluster admin's default policy sets it true"},
		{"allowed namespace", config.Policy{Namespaces: []string{"shop"}}, cm, nil, ""},
		{"namespace not allowed", config.Policy{Namespaces: []string{"shop", "team-*"}}, cmSys, []string{RuleNamespaces}, "namespace kube-system is not allowed (namespaces: shop, team-*)"},
		{"glob pattern", config.Policy{Namespaces: []string{"team-*"}}, sync.Change{Ref: sync.Ref{Kind: "ConfigMap", Namespace: "team-a", Name: "x"}}, nil, ""},
		{"cluster-scoped refused", config.Policy{ClusterScoped: boolp(false)}, crd, []string{RuleClusterScoped}, "CustomResourceDefinition.apiextensions.k8s.io is cluster-scoped"},
		{"cluster-scoped allowed explicitly", config.Policy{ClusterScoped: boolp(true)}, crd, nil, ""},
		{"namespaced object is not cluster-scoped", config.Policy{ClusterScoped: boolp(false)}, cm, nil, ""},
		{"refused kind without group", config.Policy{ClusterScoped: boolp(true), RefusedKinds: []string{"customresourcedefinition"}}, crd, []string{RuleRefusedKinds}, "kind CustomResourceDefinition.apiextensions.k8s.io is refused (refusedKinds: customresourcedefinition)"},
		{"refused kind with its group", config.Policy{ClusterScoped: boolp(true), RefusedKinds: []string{"CustomResourceDefinition.apiextensions.k8s.io"}}, crd, []string{RuleRefusedKinds}, "is refused"},
		{"refused kind of another group", config.Policy{ClusterScoped: boolp(true), RefusedKinds: []string{"CustomResourceDefinition.example.com"}}, crd, nil, ""},
		{"two rules at once", config.Policy{RefusedKinds: []string{"CustomResourceDefinition"}, ClusterScoped: boolp(false)}, crd, []string{RuleRefusedKinds, RuleClusterScoped}, ""},
		{"an allowed Namespace follows clusterScoped: false", config.Policy{Namespaces: []string{"shop"}, ClusterScoped: boolp(false)}, nsShop, []string{RuleClusterScoped}, "namespaceObjects: true"},
		{"an allowed Namespace under namespaceObjects: true", config.Policy{Namespaces: []string{"shop"}, ClusterScoped: boolp(false), NamespaceObjects: boolp(true)}, nsShop, nil, ""},
		{"namespaceObjects does not allow any name", config.Policy{Namespaces: []string{"shop"}, ClusterScoped: boolp(false), NamespaceObjects: boolp(true)}, nsOther, []string{RuleNamespaces}, "namespace other is not allowed"},
		{"a Namespace when cluster-scoped objects are allowed", config.Policy{Namespaces: []string{"shop"}, ClusterScoped: boolp(true)}, nsShop, nil, ""},
		{"a Namespace when clusterScoped is unset", config.Policy{Namespaces: []string{"shop"}}, nsShop, []string{RuleClusterScoped}, "namespaceObjects: true"},
		{"a protected Namespace object", eff(nil, config.Policy{ClusterScoped: boolp(true)}), nsSys, []string{RuleNamespaces}, "namespace kube-system is protected"},
		{"a protected Namespace object named by the default", eff(nil, config.Policy{Namespaces: []string{"kube-system"}, ClusterScoped: boolp(true)}), nsSys, nil, ""},
		{"a protected Namespace object under clusterScoped: false and a default naming it", eff(nil, config.Policy{Namespaces: []string{"kube-system"}, ClusterScoped: boolp(false)}), nsSys, []string{RuleClusterScoped}, ""},
		{"Rigel's own namespace", eff(&config.Policy{Namespaces: []string{"*"}}, config.Policy{}), cmRigel, []string{RuleNamespaces}, "namespace rigel is protected"},
		{"Rigel's own namespace named by the default", eff(&config.Policy{Namespaces: []string{"*"}}, config.Policy{Namespaces: []string{"rigel", "shop"}}), cmRigel, nil, ""},
		{"kube-system under a deployment's *", eff(&config.Policy{Namespaces: []string{"*"}}, config.Policy{}), cmSys, []string{RuleNamespaces}, "namespace kube-system is protected"},
		{"kube-system under a default's *", eff(nil, config.Policy{Namespaces: []string{"*"}}), cmSys, []string{RuleNamespaces}, "protected"},
		{"a deployment's * under the default's team-a-*", eff(&config.Policy{Namespaces: []string{"*"}}, config.Policy{Namespaces: []string{"team-a-*"}}), cm, []string{RuleNamespaces}, "namespace shop is not allowed by the default policy (its namespaces: team-a-*)"},
		{"a deployment's clusterScoped: true under the default's false", eff(&config.Policy{ClusterScoped: boolp(true)}, config.Policy{ClusterScoped: boolp(false)}), crd, []string{RuleClusterScoped}, ""},
		{"a deployment's clusterScoped: true under the default's unset", eff(&config.Policy{ClusterScoped: boolp(true)}, config.Policy{}), crd, []string{RuleClusterScoped}, ""},
		{"the default's clusterScoped: true", eff(nil, config.Policy{ClusterScoped: boolp(true)}), crd, nil, ""},
		{"a cluster-scoped object is not in a namespace", eff(&config.Policy{Namespaces: []string{"shop"}}, config.Policy{ClusterScoped: boolp(true)}), crd, nil, ""},
		{"a Namespace not allowed", config.Policy{Namespaces: []string{"shop"}, ClusterScoped: boolp(true)}, nsOther, []string{RuleNamespaces}, "namespace other is not allowed"},
		{"a Namespace without a namespaces rule is cluster-scoped", config.Policy{ClusterScoped: boolp(false)}, nsOther, []string{RuleClusterScoped}, "Namespace is cluster-scoped"},
		{"unknown scope is not called cluster-scoped", config.Policy{ClusterScoped: boolp(false)}, unknown, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Violations(tc.pol, tc.c)
			var rules []string
			var msgs []string
			for _, v := range got {
				rules = append(rules, v.Rule)
				msgs = append(msgs, v.Msg)
			}
			if strings.Join(rules, ",") != strings.Join(tc.rules, ",") {
				t.Fatalf("rules %v, want %v (%v)", rules, tc.rules, msgs)
			}
			if tc.msg != "" && !strings.Contains(strings.Join(msgs, "\n"), tc.msg) {
				t.Errorf("messages %q lack %q", msgs, tc.msg)
			}
		})
	}
}

func TestCheckMarksThePlan(t *testing.T) {
	plan := &sync.Plan{Changes: []sync.Change{
		{Ref: sync.Ref{Kind: "ConfigMap", Namespace: "shop", Name: "a"}},
		{Ref: sync.Ref{Kind: "ConfigMap", Namespace: "kube-system", Name: "b"}, Violations: []sync.Violation{{Rule: "stale"}}},
		{Ref: sync.Ref{Kind: "Secret", Namespace: "kube-system", Name: "c"}},
	}}
	if n := Check(config.Policy{Namespaces: []string{"shop"}}, plan); n != 2 {
		t.Fatalf("Check = %d, want 2", n)
	}
	if len(plan.Violating()) != 2 || plan.Changes[0].Violations != nil || plan.Changes[1].Violations[0].Rule != RuleNamespaces {
		t.Fatalf("changes = %+v", plan.Changes)
	}
	if n := Check(config.Policy{}, plan); n != 0 || len(plan.Violating()) != 0 {
		t.Fatalf("an empty policy left violations: %+v", plan.Changes)
	}
}
