package policy

import (
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

func boolp(b bool) *bool { return &b }

func TestViolations(t *testing.T) {
	cm := sync.Change{Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "web"}}
	cmSys := sync.Change{Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "kube-system", Name: "web"}}
	crb := sync.Change{Ref: sync.Ref{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRoleBinding", Name: "admin"}, ClusterScoped: true}
	nsShop := sync.Change{Ref: sync.Ref{Version: "v1", Kind: "Namespace", Name: "shop"}, ClusterScoped: true}
	nsOther := sync.Change{Ref: sync.Ref{Version: "v1", Kind: "Namespace", Name: "other"}, ClusterScoped: true}
	unknown := sync.Change{Ref: sync.Ref{Group: "example.com", Version: "v1", Kind: "Widget", Name: "w"}, Action: sync.ActionError}
	tests := []struct {
		name  string
		pol   config.Policy
		c     sync.Change
		rules []string
		msg   string
	}{
		{"no policy allows everything", config.Policy{}, crb, nil, ""},
		{"allowed namespace", config.Policy{Namespaces: []string{"shop"}}, cm, nil, ""},
		{"namespace not allowed", config.Policy{Namespaces: []string{"shop", "team-*"}}, cmSys, []string{RuleNamespaces}, "namespace kube-system is not allowed (namespaces: shop, team-*)"},
		{"glob pattern", config.Policy{Namespaces: []string{"team-*"}}, sync.Change{Ref: sync.Ref{Kind: "ConfigMap", Namespace: "team-a", Name: "x"}}, nil, ""},
		{"cluster-scoped refused", config.Policy{ClusterScoped: boolp(false)}, crb, []string{RuleClusterScoped}, "ClusterRoleBinding.rbac.authorization.k8s.io is cluster-scoped"},
		{"cluster-scoped allowed explicitly", config.Policy{ClusterScoped: boolp(true)}, crb, nil, ""},
		{"namespaced object is not cluster-scoped", config.Policy{ClusterScoped: boolp(false)}, cm, nil, ""},
		{"refused kind without group", config.Policy{RefusedKinds: []string{"clusterrolebinding"}}, crb, []string{RuleRefusedKinds}, "kind ClusterRoleBinding.rbac.authorization.k8s.io is refused (refusedKinds: clusterrolebinding)"},
		{"refused kind with its group", config.Policy{RefusedKinds: []string{"ClusterRoleBinding.rbac.authorization.k8s.io"}}, crb, []string{RuleRefusedKinds}, "is refused"},
		{"refused kind of another group", config.Policy{RefusedKinds: []string{"ClusterRoleBinding.example.com"}}, crb, nil, ""},
		{"two rules at once", config.Policy{RefusedKinds: []string{"ClusterRoleBinding"}, ClusterScoped: boolp(false)}, crb, []string{RuleRefusedKinds, RuleClusterScoped}, ""},
		{"an allowed Namespace is allowed when cluster-scoped is not", config.Policy{Namespaces: []string{"shop"}, ClusterScoped: boolp(false)}, nsShop, nil, ""},
		{"a Namespace not allowed", config.Policy{Namespaces: []string{"shop"}}, nsOther, []string{RuleNamespaces}, "namespace other is not allowed"},
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
