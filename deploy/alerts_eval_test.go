package deploy

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql/promqltest"
)

// TestAlertsFire evaluates each alert's expression of rules/rigel-alerts.yaml with
// Prometheus's own engine over series as Rigel exports them (one sample a minute for 20
// minutes, Prometheus's test notation): it finds something in the trouble it is for, and
// nothing when all is well. A rule whose expression is wrong for its job (a label Rigel does
// not set, a counter read as a gauge) fails here, not at 3 a.m.
func TestAlertsFire(t *testing.T) {
	tests := map[string]struct{ firing, healthy string }{
		"RigelDown": {
			firing:  `go_goroutines{pod="rigel-0"} 10x20`,
			healthy: `rigel_build_info{namespace="rigel", pod="rigel-0", version="v0.1.0", revision="abc", goversion="go1.26.8"} 1x20`,
		},
		"RigelSyncNotSucceeded": {
			firing: `rigel_deployment_sync_status{namespace="rigel", deployment="web", status="Succeeded"} 0x20
				rigel_deployment_sync_status{namespace="rigel", deployment="web", status="Unhealthy"} 1x20
				rigel_deployment_sync_status{namespace="rigel", deployment="web", status="Failed"} 0x20`,
			healthy: `rigel_deployment_sync_status{namespace="rigel", deployment="web", status="Succeeded"} 1x20
				rigel_deployment_sync_status{namespace="rigel", deployment="web", status="Unhealthy"} 0x20
				rigel_deployment_sync_status{namespace="rigel", deployment="web", status="Failed"} 0x20`,
		},
		"RigelDeploymentDrifted": {
			firing: `rigel_deployment_drift{namespace="rigel", pod="rigel-0", deployment="web"} 0x3 1x17
				rigel_deployment_drift{namespace="rigel", pod="rigel-1", deployment="web"} 0x20`,
			healthy: `rigel_deployment_drift{namespace="rigel", pod="rigel-0", deployment="web"} 0x10 1x3 0x7
				rigel_deployment_drift{namespace="rigel", pod="rigel-1", deployment="api"} 0x20`,
		},
		"RigelCommandErrors": {
			firing: `rigel_commands_total{namespace="rigel", verb="apply", outcome="error"} 0x15 1x5
				rigel_commands_total{namespace="rigel", verb="apply", outcome="ok"} 0+1x20`,
			healthy: `rigel_commands_total{namespace="rigel", verb="apply", outcome="error"} 3x20
				rigel_commands_total{namespace="rigel", verb="apply", outcome="ok"} 0+1x20`,
		},
		"RigelWebhookQueueFull": {
			firing: `rigel_webhook_rejected_total{namespace="rigel", reason="queue_full"} 0x18 2x2
				rigel_webhook_rejected_total{namespace="rigel", reason="invalid"} 0x20`,
			healthy: `rigel_webhook_rejected_total{namespace="rigel", reason="queue_full"} 0x20
				rigel_webhook_rejected_total{namespace="rigel", reason="invalid"} 0+1x20`,
		},
		"RigelWebhookBusy": {
			firing:  `rigel_webhook_busy_total{namespace="rigel"} 0x18 4x2`,
			healthy: `rigel_webhook_busy_total{namespace="rigel"} 7x20`,
		},
		"RigelDedupeStoreErrors": {
			firing: `rigel_webhook_dedupe_total{namespace="rigel", outcome="store_error"} 0x15 1x5
				rigel_webhook_dedupe_total{namespace="rigel", outcome="first"} 0+1x20`,
			healthy: `rigel_webhook_dedupe_total{namespace="rigel", outcome="store_error"} 0x20
				rigel_webhook_dedupe_total{namespace="rigel", outcome="duplicate"} 0+1x20`,
		},
		"RigelGitHubRateLimitLow": {
			firing:  `rigel_github_rate_limit_remaining{namespace="rigel", pod="rigel-0"} 5000-250x20`,
			healthy: `rigel_github_rate_limit_remaining{namespace="rigel", pod="rigel-0"} 5000-100x20`,
		},
		"RigelNoLeader": {
			firing: `rigel_leader{namespace="rigel", pod="rigel-0"} 0x20
				rigel_leader{namespace="rigel", pod="rigel-1"} 0x20
				rigel_leader{namespace="other", pod="rigel-0"} 1x20`,
			healthy: `rigel_leader{namespace="rigel", pod="rigel-0"} 0x20
				rigel_leader{namespace="rigel", pod="rigel-1"} 1x20`,
		},
		"RigelVersionsMixed": {
			firing: `rigel_build_info{namespace="rigel", pod="rigel-0", version="v0.1.0", revision="a", goversion="go1.26.8"} 1x20
				rigel_build_info{namespace="rigel", pod="rigel-1", version="v0.2.0", revision="b", goversion="go1.26.8"} 1x20`,
			healthy: `rigel_build_info{namespace="rigel", pod="rigel-0", version="v0.2.0", revision="b", goversion="go1.26.8"} 1x20
				rigel_build_info{namespace="rigel", pod="rigel-1", version="v0.2.0", revision="b", goversion="go1.26.8"} 1x20
				rigel_build_info{namespace="other", pod="rigel-0", version="v0.1.0", revision="a", goversion="go1.26.8"} 1x20`,
		},
	}
	file := rulesFile(t)
	seen := 0
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			tt, ok := tests[r.Alert]
			if !ok {
				t.Errorf("%s: no scenario in TestAlertsFire; add one where it fires and one where it does not", r.Alert)
				continue
			}
			seen++
			t.Run(r.Alert, func(t *testing.T) {
				if got := evalAlert(t, tt.firing, r.Expr); got == 0 {
					t.Errorf("%s finds nothing in its trouble:\n%s", r.Expr, tt.firing)
				}
				if got := evalAlert(t, tt.healthy, r.Expr); got != 0 {
					t.Errorf("%s finds %d series when all is well:\n%s", r.Expr, got, tt.healthy)
				}
			})
		}
	}
	if seen != len(tests) {
		t.Errorf("%d scenarios for %d alerts: a scenario names an alert the rule file lacks", len(tests), seen)
	}
}

// evalAlert loads the series (Prometheus's test notation, a sample a minute from time 0)
// and counts the series expr returns at minute 20.
func evalAlert(t *testing.T, series, expr string) int {
	t.Helper()
	st := promqltest.LoadedStorage(t, "load 1m\n"+series)
	t.Cleanup(func() { _ = st.Close() })
	eng := promqltest.NewTestEngine(t, false, 0, promqltest.DefaultMaxSamplesPerQuery)
	ctx := context.Background()
	q, err := eng.NewInstantQuery(ctx, st, nil, expr, time.Unix(0, 0).UTC().Add(20*time.Minute))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	defer q.Close()
	res := q.Exec(ctx)
	if res.Err != nil {
		t.Fatalf("%s: %v", expr, res.Err)
	}
	v, err := res.Vector()
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return len(v)
}
