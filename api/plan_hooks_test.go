package api

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

func TestPlanJSONHooks(t *testing.T) {
	p := &sync.Plan{Deployment: "web", Path: "charts/web", Commit: "c1", Digest: "d1", Hooks: []sync.HookChange{
		{Change: sync.Change{Ref: sync.Ref{Group: "batch", Version: "v1", Kind: "Job", Namespace: "shop"}, Action: sync.ActionCreate, Source: "charts/web/templates/m.yaml"},
			GenerateName: "migrate-", Stage: sync.HookPre, Hook: sync.Hook{Tool: "Helm", Phases: []string{"pre-install"}, Weight: 3, DeletePolicies: []string{sync.DeleteSucceeded}},
			Runs: []sync.HookRun{{Container: "m", Image: "app:1", Command: []string{"/app", "migrate"}}}},
		{Change: sync.Change{Ref: sync.Ref{Version: "v1", Kind: "Pod", Namespace: "shop", Name: "t"}, Action: sync.ActionCreate}, Stage: sync.HookNotRun,
			NotRun: "test: a helm test hook", Hook: sync.Hook{Tool: "Helm", Phases: []string{"test"}}},
		{Change: sync.Change{Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "kept"}, Action: sync.ActionUpdate}, Stage: sync.HookPre,
			Hook: sync.Hook{Tool: "Argo CD", Phases: []string{"PreSync"}, Options: []string{"Replace=true: replaced when it exists"},
				Unknown: []string{"argocd.argoproj.io/sync-options: Prune=false (a hook is not pruned)"}}},
	}}
	js, err := json.Marshal(planOut(config.Repo{Repo: "acme/web", Branch: "main"}, p))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"hooks":[{"apiVersion":"batch/v1","kind":"Job","namespace":"shop","name":"","generateName":"migrate-","source":"charts/web/templates/m.yaml","tool":"Helm","phases":["pre-install"],"stage":"pre","weight":3,"deletePolicies":["hook-succeeded"],"runs":[{"container":"m","image":"app:1","command":["/app","migrate"]}],"action":"create"}`,
		`"stage":"not run","notRun":"test: a helm test hook"`,
		`"unknown":["argocd.argoproj.io/sync-options: Prune=false (a hook is not pruned)"],"options":["Replace=true: replaced when it exists"]}`,
	} {
		if !strings.Contains(string(js), want) {
			t.Errorf("missing %s in\n%s", want, js)
		}
	}
	res := &sync.Result{Status: "Succeeded", Hooks: []sync.HookResult{{Ref: sync.Ref{Group: "batch", Version: "v1", Kind: "Job", Namespace: "shop", Name: "migrate-x1"},
		Stage: sync.HookPre, Outcome: sync.HookSucceeded, Message: "the Job completed", Logs: "done\n", Deleted: []string{sync.DeleteSucceeded}}}}
	js, err = json.Marshal(hookOutcomesOut(res))
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"apiVersion":"batch/v1","kind":"Job","namespace":"shop","name":"migrate-x1","stage":"pre","outcome":"Succeeded","message":"the Job completed","logs":"done\n","deleted":["hook-succeeded"]}]`; string(js) != want {
		t.Errorf("outcomes %s", js)
	}
}
