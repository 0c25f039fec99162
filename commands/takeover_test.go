package commands

import (
	"github.com/rigel-gitops/rigel/ops"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/sync"
)

func unmanagedPlan(u *sync.Unmanaged, kind string) *ops.Preview {
	pv := samplePlan()
	pv.Plan.Changes = append(pv.Plan.Changes, sync.Change{
		Ref: sync.Ref{Version: "v1", Kind: kind, Namespace: "kube-system", Name: "cluster-config"}, Action: sync.ActionUpdate, Source: "apps/web/k8s/x.yaml",
		Diff:      "--- (live object not shown)\n+++ rigel/v1/" + kind + "/kube-system/cluster-config\n@@ -0,0 +1,2 @@\n+data:\n+  color: blue\n",
		Unmanaged: u,
	})
	return pv
}

func TestRenderUnmanaged(t *testing.T) {
	tests := []struct {
		name      string
		u         *sync.Unmanaged
		kind      string
		want, not []string
		armed     bool
	}{
		{"nobody's, by field managers", &sync.Unmanaged{Managers: []string{"kubectl-client-side-apply"}, TakeOver: []string{"data.color"}}, "ConfigMap",
			[]string{"exists, not managed by this deployment", "its fields were set by the field manager `kubectl-client-side-apply`", "Applying takes over 1 field", "`data.color`", "Its live values are not shown", "Applying adopts it", "1 existing not managed by this deployment"},
			[]string{"⛔ belongs"}, true},
		{"nobody known", &sync.Unmanaged{}, "ConfigMap",
			[]string{"nobody known manages it", "takes over no field another manager set"}, nil, true},
		{"a removed deployment's", &sync.Unmanaged{Deployment: "old", Path: "apps/old", Managers: []string{"rigel"}, TakeOver: []string{"data.color"}, More: 3}, "ConfigMap",
			[]string{"its provenance names the deployment `old`, which is no longer registered: applying adopts it", "takes over 4 fields", "and 3 more", "`rigel` (another deployment's applies)"}, nil, true},
		{"a registered deployment's", &sync.Unmanaged{Deployment: "api", Path: "apps/api", OwnerRepo: "acme/api", Managers: []string{"rigel"}}, "ConfigMap",
			[]string{"⛔ belongs to deployment <code>api</code>", "managed by the Rigel deployment `api` of `acme/api` (folder `apps/api`)", "`/rigel apply` refuses it",
				"kubectl annotate configmap cluster-config -n kube-system helmsman.dev/source-repo- helmsman.dev/source-path-", "Nothing is armed while an object belongs to another deployment", "(1 another deployment's)"},
			[]string{"rigel:plan"}, false},
		{"a Secret", &sync.Unmanaged{Managers: []string{"kubectl"}, TakeOver: []string{"data"}}, "Secret",
			[]string{"not even which keys differ is said", "`data`"}, []string{"x.yaml</code> — Secret keys"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pv := unmanagedPlan(tc.u, tc.kind)
			if tc.kind == "Secret" {
				pv.Plan.Changes[len(pv.Plan.Changes)-1].Secret = &sync.SecretKeys{}
			}
			got := renderPlan("acme/web", pv, true)
			mustHave(t, got, tc.want...)
			for _, n := range tc.not {
				if strings.Contains(got, n) {
					t.Errorf("reply has %q:\n%s", n, got)
				}
			}
			if armed := strings.Contains(got, "rigel:plan"); armed != tc.armed {
				t.Errorf("armed = %v, want %v", armed, tc.armed)
			}
		})
	}
}

func TestRenderBlocked(t *testing.T) {
	pv := samplePlan()
	pv.Plan.Changes = append(pv.Plan.Changes, sync.Change{
		Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "kube-system", Name: "x"}, Action: sync.ActionBlocked,
		Violations: []sync.Violation{{Rule: "namespaces", Msg: "namespace kube-system is not allowed (namespaces: shop)"}},
		Note:       "the deployment's policy refuses this object, so it was not sent to the cluster (neither dry-run nor read): shown as in the folder",
		Diff:       "--- (not read)\n+++ rigel/v1/ConfigMap/kube-system/x\n",
	})
	got := renderPlan("acme/web", pv, true)
	mustHave(t, got, "🚫 not sent", "not sent to the cluster (neither dry-run nor read)", "namespace kube-system is not allowed", "Nothing is armed while an object is against the policy", "--- (not read)")
	if strings.Contains(got, "rigel:plan") {
		t.Errorf("a plan with a blocked object was armed:\n%s", got)
	}
}

func TestTakeoverRefusal(t *testing.T) {
	pv := unmanagedPlan(&sync.Unmanaged{Deployment: "api", Path: "apps/api", OwnerRepo: "acme/api"}, "ConfigMap")
	msg := refused(t, &ops.Takeover{Plan: pv.Plan})
	mustHave(t, msg, "1 object of `web`", "belongs to another deployment", "Nothing was applied", "`ConfigMap/kube-system/cluster-config`: deployment `api` of `acme/api` (folder `apps/api`)",
		"kubectl annotate configmap cluster-config -n kube-system", "`/rigel remove-deployment api`", "`--force` does not override this")
	wl := &sync.Plan{Deployment: "web", Changes: []sync.Change{{Ref: sync.Ref{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "shop", Name: "web"},
		Unmanaged: &sync.Unmanaged{Deployment: "api", OwnerRepo: "acme/api"}}}}
	mustHave(t, refused(t, &ops.Takeover{Plan: wl}), "`/rigel unlink deployment/web -n shop` in a conversation of `acme/api`", "kubectl annotate deployment.apps web -n shop")
}
