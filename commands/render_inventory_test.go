package commands

import (
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
)

// orphanPlan is samplePlan with two orphans: a ConfigMap an apply that prunes deletes, and a
// Namespace the policy keeps.
func orphanPlan(prunes bool) *ops.Preview {
	pv := samplePlan()
	pv.Prunes = prunes
	pv.Plan.Orphans = []sync.Orphan{
		{Ref: sync.Ref{Version: "v1", Kind: "Namespace", Name: "old"}, ClusterScoped: true,
			Keep: "a Namespace is deleted only when the deployment's policy allows cluster-scoped objects (clusterScoped: true)"},
		{Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "gone"}},
	}
	return pv
}

func TestRenderInventoryGolden(t *testing.T) {
	when := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	applied := func(pruned ...sync.ObjectResult) *sync.Result {
		return &sync.Result{Status: "Succeeded", Started: when, Finished: when.Add(time.Second), Pruned: pruned, Objects: []sync.ObjectResult{
			{Ref: sync.Ref{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "shop", Name: "web"}, Action: sync.ActionUpdate, Health: "Current"},
		}}
	}
	tests := []struct{ name, got string }{
		{"sync_orphans", renderPlan("acme/web", orphanPlan(false), true)},
		{"sync_orphans_prunes", renderPlan("acme/web", orphanPlan(true), true)},
		{"apply_orphans_kept", renderApplied("acme/web", appliedOf(orphanPlan(false), applied(), nil))},
		{"apply_pruned", renderApplied("acme/web", appliedOf(orphanPlan(false), applied(
			sync.ObjectResult{Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "gone"}, Action: sync.ActionDelete, Message: "deleted"},
			sync.ObjectResult{Ref: sync.Ref{Version: "v1", Kind: "Namespace", Name: "old"}, Action: sync.ActionKeep, Message: "kept: a Namespace is deleted only when the deployment's policy allows cluster-scoped objects (clusterScoped: true)"},
		), nil))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			goldenReply(t, tc.name, tc.got)
		})
	}
}
