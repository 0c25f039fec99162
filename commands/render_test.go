package commands

import (
	"errors"
	"flag"
	"github.com/rigel-gitops/rigel/ops"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/sync"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenReply checks a reply that fits in one comment against its golden file.
func goldenReply(t *testing.T, name, reply string) {
	t.Helper()
	body := splitComment(reply)
	if len(body) != 1 {
		t.Fatalf("split into %d", len(body))
	}
	golden(t, name, body[0])
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./commands -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file; got:\n%s", name, got)
	}
}

const commit = "0123456789abcdef0123456789abcdef01234567"

// appliedOf is the outcome of applying pv with res; recordErr: recording it failed.
func appliedOf(pv *ops.Preview, res *sync.Result, recordErr error) *ops.Applied {
	return &ops.Applied{Plan: pv.Plan, Target: pv.Target, Result: res, RecordErr: recordErr}
}

func samplePlan() *ops.Preview {
	return &ops.Preview{Target: ops.PullTarget(7, ""), Plan: &sync.Plan{
		Deployment: "web", Path: "apps/web/k8s", Commit: commit, Digest: "d1d2d3d4d5d6d7d8d9d0e1e2e3e4e5e6e7e8e9e0f1f2f3f4f5f6f7f8f9f0a1a2",
		Changes: []sync.Change{
			{Ref: sync.Ref{Version: "v1", Kind: "Namespace", Name: "shop"}, Action: sync.ActionCreate, Source: "apps/web/k8s/ns.yaml",
				Diff: "--- /dev/null\n+++ rigel/v1/Namespace/shop\n@@ -0,0 +1,4 @@\n+apiVersion: v1\n+kind: Namespace\n+metadata:\n+  name: shop\n"},
			{Ref: sync.Ref{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "shop", Name: "web"}, Action: sync.ActionUpdate, Source: "apps/web/k8s/deploy.yaml",
				Diff: "--- live/apps/v1/Deployment/shop/web\n+++ rigel/apps/v1/Deployment/shop/web\n@@ -5,3 +5,3 @@\n spec:\n-  replicas: 2\n+  replicas: 3\n"},
			{Ref: sync.Ref{Version: "v1", Kind: "Secret", Namespace: "shop", Name: "db"}, Action: sync.ActionUpdate, Source: "apps/web/k8s/secret.yaml",
				Secret: &sync.SecretKeys{Added: []string{"token"}, Changed: []string{"password"}},
				Diff:   "--- live/v1/Secret/shop/db\n+++ rigel/v1/Secret/shop/db\n@@ -1,4 +1,5 @@\n data:\n-  password: '*** (before)'\n+  password: '*** (after)'\n+  token: '*** (after)'\n"},
			{Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "web"}, Action: sync.ActionUnchanged},
		},
	}}
}

func TestRenderGolden(t *testing.T) {
	failed := samplePlan()
	failed.Plan.Changes = append(failed.Plan.Changes, sync.Change{Ref: sync.Ref{Version: "v1", Kind: "Service", Namespace: "shop", Name: "web"}, Action: sync.ActionError,
		Err: `Service "web" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive`})
	when := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	repo := &config.Repo{Repo: "acme/web", Branch: "main", Deployments: []config.Deployment{
		{Name: "web", Path: "apps/web/k8s", LastSync: &config.LastSync{Commit: commit, Time: when, Status: "Succeeded", Message: "1 created, 1 changed, 2 unchanged, 0 failed"}},
		{Name: "api", Path: "apps/api/k8s"},
	}}
	res := &sync.Result{Status: "Unhealthy", Started: when, Finished: when.Add(1500 * time.Millisecond), Objects: []sync.ObjectResult{
		{Ref: sync.Ref{Version: "v1", Kind: "Namespace", Name: "shop"}, Action: sync.ActionCreate, Health: "Current"},
		{Ref: sync.Ref{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "shop", Name: "web"}, Action: sync.ActionUpdate, Health: "InProgress", Message: "Available: 1/3"},
	}}
	verbs := (&Runner{Ops: &ops.Service{}}).verbs()
	tests := []struct{ name, got string }{
		{"diff", renderPlan("acme/web", samplePlan(), false)},
		{"sync", renderPlan("acme/web", samplePlan(), true)},
		{"sync_refused", renderPlan("acme/web", failed, true)},
		{"apply_unhealthy", renderApplied("acme/web", appliedOf(samplePlan(), res, nil))},
		{"apply_unrecorded", renderApplied("acme/web", appliedOf(samplePlan(), &sync.Result{Status: "Succeeded", Started: when, Finished: when}, errors.New("failed to record the sync in helmsman-git-sources: conflict")))},
		{"list", renderList("acme/web", repo, map[string][]kube.WorkloadRef{"web": {
			{Kind: "Deployment", Namespace: "shop", Name: "web"}, {Kind: "StatefulSet", Namespace: "shop", Name: "db"},
		}, "other": {{Kind: "DaemonSet", Namespace: "ops", Name: "agent"}}}, nil, nil)},
		{"list_unknown_workloads", renderList("acme/web", repo, nil, errors.New(`failed to list Deployments: deployments.apps is forbidden`), nil)},
		{"list_empty", renderList("acme/web", nil, nil, nil, nil)},
		{"linked", renderLinked(kube.WorkloadRef{Kind: "StatefulSet", Namespace: "shop", Name: "db"}, config.Deployment{Name: "web", Path: "apps/web/k8s"}, "api")},
		{"folders", renderFolders("acme/web", "branch `main`", commit, []string{"apps/api/k8s", "apps/web/k8s"}, map[string]string{"apps/web/k8s": "web"}, nil)},
		{"added", renderAdded("acme/web", &ops.Added{Deployment: config.Deployment{Name: "web", Path: "apps/web/k8s"}, Branch: "main", Commit: commit, Objects: 4})},
		{"help", renderHelp(verbs, "")},
		{"error", errorReply("/rigel dif web", "`dif` is not a Rigel command. Did you mean `diff`?", "Type `dif` again as `/rigel diff web`, or `/rigel help` for all commands.")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			goldenReply(t, tc.name, tc.got)
		})
	}
}

// A chart whose templates call lookup says so, naming them; no line for any other folder.
func TestLookupLine(t *testing.T) {
	if got := lookupLine(nil); got != "" {
		t.Errorf("no lookup: %q", got)
	}
	got := lookupLine([]string{"charts/web/templates/a.yaml", "charts/web/charts/db/templates/b`.yaml"})
	for _, want := range []string{"> ℹ️ Note: the chart calls `lookup`, which finds nothing", "Templates: `charts/web/templates/a.yaml`, `charts/web/charts/db/templates/b'.yaml`."} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
}
