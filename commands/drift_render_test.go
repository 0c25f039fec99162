package commands

import (
	"strings"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

// TestDriftListGolden: `/rigel list` shows each deployment's drift (issue 12): drifted, in
// sync, not comparable (policy, dry-run, render), skipped during an apply (with the check
// before), not checked yet, never applied; and no
// drift section at all when drift detection is off.
func TestDriftListGolden(t *testing.T) {
	when := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	synced := &config.LastSync{Commit: commit, Time: when, Status: "Succeeded"}
	repo := &config.Repo{Repo: "acme/web", Branch: "main", Deployments: []config.Deployment{
		{Name: "web", Path: "apps/web/k8s", LastSync: synced},
		{Name: "api", Path: "apps/api/k8s", LastSync: synced},
		{Name: "db", Path: "apps/db/k8s", LastSync: synced},
		{Name: "jobs", Path: "apps/jobs/k8s", LastSync: synced},
		{Name: "cron", Path: "apps/cron/k8s", LastSync: synced},
		{Name: "new", Path: "apps/new/k8s", LastSync: synced},
		{Name: "queue", Path: "apps/queue/k8s", LastSync: synced},
		{Name: "never", Path: "apps/never/k8s"},
	}}
	at := when.Add(5 * time.Minute)
	drifts := map[string]*ops.DriftReport{
		"web":  {Deployment: "web", Commit: commit, CheckedAt: at, State: ops.DriftDrifted, Create: 1, Update: 2},
		"api":  {Deployment: "api", Commit: commit, CheckedAt: at, State: ops.DriftInSync},
		"db":   {Deployment: "db", Commit: commit, CheckedAt: at, State: ops.DriftPolicy, Refused: 1},
		"jobs": {Deployment: "jobs", Commit: commit, CheckedAt: at, State: ops.DriftRejected, Rejected: 2},
		"cron": {Deployment: "cron", Commit: commit, CheckedAt: at, State: ops.DriftRender},
		"queue": {Deployment: "queue", Commit: commit, CheckedAt: at.Add(time.Minute), State: ops.DriftSkipped, Applying: &ops.Held{Deployment: "queue", Command: "/rigel apply queue"},
			Previous: &ops.DriftReport{Deployment: "queue", Commit: commit, CheckedAt: at, State: ops.DriftDrifted, Update: 1}},
	}
	golden(t, "list_drift", renderList("acme/web", repo, nil, nil, drifts))
	if off := renderList("acme/web", repo, nil, nil, nil); strings.Contains(off, "Drift") {
		t.Errorf("drift detection off, yet the list speaks of drift:\n%s", off)
	}
}
