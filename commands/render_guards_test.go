package commands

import (
	"github.com/rigel-gitops/rigel/ops"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/policy"
	"github.com/rigel-gitops/rigel/sync"
)

func boolp(b bool) *bool { return &b }

// openPolicy lets through what guardedPlan holds but kube-system: cluster-scoped objects and
// what the escalation guard refuses, opened as a cluster admin would in the default policy.
var openPolicy = config.Policy{ClusterScoped: boolp(true), AllowEscalation: boolp(true)}

// guardedPlan is samplePlan with a ClusterRoleBinding, a ConfigMap in kube-system, and an
// unchanged ConfigMap that Argo CD manages.
func guardedPlan(pol config.Policy) *ops.Preview {
	pv := samplePlan()
	pv.Plan.Changes = append(pv.Plan.Changes,
		sync.Change{Ref: sync.Ref{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRoleBinding", Name: "web-admin"}, Action: sync.ActionCreate, ClusterScoped: true,
			Source: "apps/web/k8s/rbac.yaml", Diff: "--- /dev/null\n+++ rigel/rbac.authorization.k8s.io/v1/ClusterRoleBinding/web-admin\n@@ -0,0 +1,3 @@\n+apiVersion: rbac.authorization.k8s.io/v1\n+kind: ClusterRoleBinding\n+metadata: {name: web-admin}\n"},
		sync.Change{Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "kube-system", Name: "web"}, Action: sync.ActionCreate, Source: "apps/web/k8s/sys.yaml",
			Diff: "--- /dev/null\n+++ rigel/v1/ConfigMap/kube-system/web\n@@ -0,0 +1,2 @@\n+apiVersion: v1\n+kind: ConfigMap\n"},
	)
	for i := range pv.Plan.Changes {
		if pv.Plan.Changes[i].Ref.Kind == "ConfigMap" && pv.Plan.Changes[i].Ref.Namespace == "shop" {
			pv.Plan.Changes[i].ManagedBy = &sync.Reconciler{Tool: "Argo CD", Owner: "Application shop", Evidence: "label argocd.argoproj.io/instance=shop"}
		}
		if pv.Plan.Changes[i].Ref.Kind == "Deployment" {
			pv.Plan.Changes[i].ManagedBy = &sync.Reconciler{Tool: "Flux", Evidence: "field manager kustomize-controller"}
		}
	}
	policy.Check(pol, pv.Plan)
	return pv
}

func TestRenderGuardsGolden(t *testing.T) {
	strict := config.Policy{Namespaces: []string{"shop"}, ClusterScoped: boolp(false), NamespaceObjects: boolp(true), RefusedKinds: []string{"ClusterRoleBinding"}}
	reconciledOnly := samplePlan()
	reconciledOnly.Plan.Changes[1].ManagedBy = &sync.Reconciler{Tool: "Argo CD", Owner: "Application shop", Evidence: "annotation argocd.argoproj.io/tracking-id"}
	tests := []struct{ name, got string }{
		{"sync_against_policy", renderPlan("acme/web", guardedPlan(strict), true)},
		{"diff_reconciled", renderPlan("acme/web", guardedPlan(openPolicy), false)},
		{"sync_reconciled", renderPlan("acme/web", reconciledOnly, true)},
		{"apply_against_policy", errorReply("/rigel apply web", refused(t, &ops.Policy{Plan: guardedPlan(strict).Plan, Namespace: "rigel"}), "")},
		{"apply_reconciled", errorReply("/rigel apply web", refused(t, &ops.Reconciler{Plan: guardedPlan(openPolicy).Plan}), "")},
		{"policy", renderPolicy(config.Deployment{Name: "web", Path: "apps/web/k8s", Policy: &config.Policy{Namespaces: []string{"shop", "shop-*"}, RefusedKinds: []string{"Secret"}}},
			config.Policy{ClusterScoped: boolp(false), RefusedKinds: []string{"ClusterRoleBinding"}}, config.ProtectedWith("rigel", nil), "rigel")},
		{"policy_none", renderPolicy(config.Deployment{Name: "api", Path: "apps/api/k8s"}, config.Policy{}, config.ProtectedWith("rigel", nil), "rigel")},
		{"policy_opened", renderPolicy(config.Deployment{Name: "api", Path: "apps/api/k8s"}, openPolicy, config.ProtectedWith("rigel", nil), "rigel")},
		{"policy_intersected", renderPolicy(config.Deployment{Name: "web", Path: "apps/web/k8s", Policy: &config.Policy{Namespaces: []string{"*"}, ClusterScoped: boolp(true)}},
			config.Policy{Namespaces: []string{"team-a-*", "kube-system"}, ClusterScoped: boolp(false), NamespaceObjects: boolp(true)}, config.ProtectedWith("rigel", nil), "rigel")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			goldenReply(t, tc.name, tc.got)
		})
	}
}

func TestGuardedPlanArming(t *testing.T) {
	strict := config.Policy{Namespaces: []string{"shop"}, ClusterScoped: boolp(false), NamespaceObjects: boolp(true), RefusedKinds: []string{"ClusterRoleBinding"}}
	t.Run("a plan against the policy is not armed", func(t *testing.T) {
		got := renderPlan("acme/web", guardedPlan(strict), true)
		if planMarker.MatchString(got) {
			t.Fatal("a plan against the policy carries a plan marker")
		}
		mustHave(t, got, "2 against the deployment's policy", "1 managed by Argo CD, 1 by Flux", "/rigel policy web", "Nothing is armed")
	})
	t.Run("a plan with reconciled objects is armed and says --force", func(t *testing.T) {
		got := renderPlan("acme/web", guardedPlan(openPolicy), true)
		if !planMarker.MatchString(got) {
			t.Fatal("no plan marker")
		}
		mustHave(t, got, "/rigel apply web --force", "Argo CD Application `shop`")
	})
	t.Run("apply's refusals say what to do", func(t *testing.T) {
		// ops/apply_test.go proves which refusal comes when; this is how a comment words them.
		if msg := refused(t, &ops.Policy{Plan: guardedPlan(strict).Plan, Namespace: "rigel"}); !strings.Contains(msg, "--force` does not override a policy") {
			t.Fatalf("policy refusal = %s", msg)
		}
		msg := refused(t, &ops.Reconciler{Plan: guardedPlan(openPolicy).Plan})
		if !strings.Contains(msg, "`/rigel apply web --force`") || !strings.Contains(msg, "`ConfigMap/shop/web`: Argo CD Application `shop`") {
			t.Fatalf("reconciler refusal = %s, want it naming object and tool", msg)
		}
	})
}

// refused is err worded as a comment's refusal; the test fails when err is not one.
func refused(t *testing.T, err error) string {
	t.Helper()
	msg, ok := refusal(err)
	if !ok {
		t.Fatalf("%v is not a refusal", err)
	}
	return msg
}

func mustHave(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("lacks %q:\n%s", w, got)
		}
	}
}
