package commands

import (
	"strings"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/sync"
)

// wavePlan is samplePlan with Argo CD sync waves (a migration ConfigMap in wave -1, the
// Deployment in 0, a Service in 1 with a Sync hook), and objects with sync options: a
// replace, a forced replace, Prune=false, and options Rigel does not know.
func wavePlan() *sync.Plan {
	p := samplePlan().Plan
	ref := func(kind, name string) sync.Ref {
		return sync.Ref{Version: "v1", Kind: kind, Namespace: "shop", Name: name}
	}
	p.Changes = []sync.Change{
		p.Changes[0], // the Namespace, first whatever its wave
		{Ref: ref("ConfigMap", "schema"), Action: sync.ActionCreate, Wave: -1, Source: "apps/web/k8s/schema.yaml",
			Argo: &sync.ArgoOptions{NoPrune: true, Unknown: []string{"argocd.argoproj.io/sync-options: PruneLast=true"}}},
		p.Changes[1], // the Deployment, wave 0
		{Ref: ref("ConfigMap", "web"), Action: sync.ActionUnchanged, Argo: &sync.ArgoOptions{ServerSideApply: true}},
		{Ref: ref("Service", "web"), Action: sync.ActionUpdate, Wave: 1, Argo: &sync.ArgoOptions{Replace: true},
			Diff: "--- live/v1/Service/shop/web\n+++ rigel/v1/Service/shop/web\n@@ -3,2 +3,2 @@\n-  port: 80\n+  port: 8080\n"},
		{Ref: sync.Ref{Group: "batch", Version: "v1", Kind: "Job", Namespace: "shop", Name: "reindex"}, Action: sync.ActionUpdate, Wave: 1, Argo: &sync.ArgoOptions{Replace: true, Force: true},
			Diff: "--- live/batch/v1/Job/shop/reindex\n+++ rigel/batch/v1/Job/shop/reindex\n@@ -1,1 +1,1 @@\n-  image: tools:1\n+  image: tools:2\n"},
	}
	p.Hooks = []sync.HookChange{
		{Change: sync.Change{Ref: sync.Ref{Group: "batch", Version: "v1", Kind: "Job", Namespace: "shop", Name: "warm"}, Action: sync.ActionCreate}, Stage: sync.HookSync,
			Hook: sync.Hook{Tool: "Argo CD", Phases: []string{"Sync"}, Weight: 1, DeletePolicies: []string{sync.DeleteSucceeded}}},
	}
	return p
}

func TestRenderWavesGolden(t *testing.T) {
	pv := samplePlan()
	pv.Plan = wavePlan()
	when := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	res := &sync.Result{Status: "Failed", Started: when, Finished: when.Add(30 * time.Second),
		Stopped: "stopped at wave 0: wave 0 did not become healthy within 30s; waves 1 not applied",
		Objects: []sync.ObjectResult{
			{Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "schema"}, Action: sync.ActionCreate, Health: "Current"},
			{Ref: sync.Ref{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "shop", Name: "web"}, Action: sync.ActionUpdate, Health: "InProgress", Message: "Available: 1/3"},
			{Ref: sync.Ref{Version: "v1", Kind: "Service", Namespace: "shop", Name: "web"}, Action: sync.ActionError, Message: "not applied (wave 1): wave 0 did not become healthy within 30s"},
		}}
	plan := renderPlan("acme/web", pv, true)
	for _, want := range []string{
		"applied in 3 sync waves",
		"| -1 | `ConfigMap/shop/schema` | — |",
		"| 1 | `Service/shop/web`<br>`Job/shop/reindex` | `Job/shop/warm` |",
		"Force=true: deleted and created again",
		"Not honoured by Rigel: argocd.argoproj.io/sync-options: PruneLast=true",
		"`ServerSideApply=true`: nothing to do",
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("the preview lacks %q", want)
		}
	}
	goldenReply(t, "sync_waves", plan)
	goldenReply(t, "apply_waves_stopped", renderApplied("acme/web", appliedOf(pv, res, nil)))
}
