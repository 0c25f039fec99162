package commands

import (
	"strings"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/sync"
)

// hookPlan is samplePlan with the hooks of a chart and of an Argo CD folder: two pre hooks in
// weight order (one with a generateName), a post hook, a SyncFail hook, one the policy refuses
// and two Rigel does not run.
func hookPlan() *sync.Plan {
	pv := samplePlan()
	job := func(name string) sync.Ref {
		return sync.Ref{Group: "batch", Version: "v1", Kind: "Job", Namespace: "shop", Name: name}
	}
	pre := sync.Hook{Tool: "Helm", Phases: []string{"pre-install", "pre-upgrade"}, DeletePolicies: []string{sync.DeleteBeforeCreation}}
	pv.Plan.Hooks = []sync.HookChange{
		{Change: sync.Change{Ref: job("schema"), Source: "charts/web/templates/schema.yaml", Action: sync.ActionCreate}, Stage: sync.HookPre,
			Hook: sync.Hook{Tool: "Helm", Phases: []string{"pre-install"}, Weight: -1, DeletePolicies: []string{sync.DeleteSucceeded, sync.DeleteFailed}},
			Runs: []sync.HookRun{{Container: "schema", Image: "example.com/tools:1.2", Command: []string{"/bin/schema", "--apply"}}}},
		{Change: sync.Change{Ref: job(""), Source: "charts/web/templates/migrate.yaml", Action: sync.ActionCreate}, Stage: sync.HookPre, Hook: pre, GenerateName: "migrate-",
			Runs: []sync.HookRun{{Container: "wait", Image: "busybox:1.36", Command: []string{"sh", "-c", "until nc -z db 5432; do sleep 1; done"}}, {Container: "migrate", Image: "example.com/app:2.0", Command: []string{"/app", "migrate"}}}},
		{Change: sync.Change{Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "marker"}, Action: sync.ActionCreate}, Stage: sync.HookPost,
			Hook: sync.Hook{Tool: "Argo CD", Phases: []string{"PostSync"}, DeletePolicies: []string{sync.DeleteBeforeCreation}, Unknown: []string{"argocd.argoproj.io/hook-delete-policy=Never"}}},
		{Change: sync.Change{Ref: job("page"), Action: sync.ActionBlocked, Violations: []sync.Violation{{Rule: "namespaces", Msg: "namespace shop is not allowed (namespaces: web)"}}}, Stage: sync.HookFail,
			Hook: sync.Hook{Tool: "Argo CD", Phases: []string{"SyncFail"}, DeletePolicies: []string{sync.DeleteBeforeCreation}},
			Runs: []sync.HookRun{{Container: "page", Image: "example.com/pager:1"}}},
		{Change: sync.Change{Ref: sync.Ref{Version: "v1", Kind: "Pod", Namespace: "shop", Name: "smoke"}, Source: "charts/web/templates/tests/smoke.yaml", Action: sync.ActionCreate}, Stage: sync.HookNotRun,
			NotRun: "test: a helm test hook: run by `helm test`, not by an apply", Hook: sync.Hook{Tool: "Helm", Phases: []string{"test"}}},
		{Change: sync.Change{Ref: job("drop"), Action: sync.ActionCreate}, Stage: sync.HookNotRun,
			NotRun: "pre-delete: a delete hook: Rigel does not uninstall releases", Hook: sync.Hook{Tool: "Helm", Phases: []string{"pre-delete"}}},
	}
	return pv.Plan
}

func TestRenderHooksGolden(t *testing.T) {
	pv := samplePlan()
	pv.Plan = hookPlan()
	when := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	job := func(name string) sync.Ref {
		return sync.Ref{Group: "batch", Version: "v1", Kind: "Job", Namespace: "shop", Name: name}
	}
	res := &sync.Result{Status: "Failed", Started: when, Finished: when.Add(3 * time.Second), Objects: []sync.ObjectResult{
		{Ref: sync.Ref{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "shop", Name: "web"}, Action: sync.ActionError, Message: "not applied: the pre hook Job/shop/migrate-x7k2p did not succeed"},
	}, Hooks: []sync.HookResult{
		{Ref: job("schema"), Stage: sync.HookPre, Outcome: sync.HookSucceeded, Message: "the Job completed", Deleted: []string{sync.DeleteSucceeded},
			Logs: "schema v12 applied\n"},
		{Ref: job("migrate-x7k2p"), Stage: sync.HookPre, Outcome: sync.HookFailed, Message: "the Job failed: BackoffLimitExceeded: Job has reached the specified backoff limit",
			Logs: "migrating 3 tables\nERROR: relation \"users\" | has ``` <!-- no column -->\n"},
		{Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "marker"}, Stage: sync.HookPost, Outcome: sync.HookSkipped, Message: "not run: the apply is Failed"},
		{Ref: job("page"), Stage: sync.HookFail, Outcome: sync.HookBlocked, Message: "not run: the deployment's policy refuses it"},
		{Ref: sync.Ref{Version: "v1", Kind: "Pod", Namespace: "shop", Name: "smoke"}, Stage: sync.HookNotRun, Outcome: "not run", Message: "test: a helm test hook: run by `helm test`, not by an apply"},
	}}
	tests := []struct{ name, got string }{
		{"diff_hooks", renderPlan("acme/web", pv, false)},
		{"apply_hooks", renderApplied("acme/web", appliedOf(pv, res, nil))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			goldenReply(t, tc.name, tc.got)
		})
	}
	// Hostile log text stays inside its fence and cannot open an HTML comment.
	got := renderApplied("acme/web", appliedOf(pv, res, nil))
	if strings.Contains(got, "<!-- no column") {
		t.Errorf("a log line opened an HTML comment")
	}
}
