package metrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestDriftGauge: rigel_deployment_drift is 1 while a deployment drifts, 0 once it does not,
// per deployment, and has no series for a deployment removed.
func TestDriftGauge(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg)
	drift := func(dep string) float64 {
		return value(t, reg, "rigel_deployment_drift", map[string]string{"deployment": dep})
	}
	if _, ok := sample(t, reg, "rigel_deployment_drift", map[string]string{"deployment": "web"}); ok {
		t.Fatal("a series before any check")
	}
	m.Drifted("web", true)
	m.Drifted("api", false)
	if drift("web") != 1 || drift("api") != 0 {
		t.Fatalf("web %v, api %v; want 1 and 0", drift("web"), drift("api"))
	}
	m.Drifted("web", false)
	if drift("web") != 0 {
		t.Fatalf("web %v after drift cleared, want 0", drift("web"))
	}
	m.Forgot("api")
	if _, ok := sample(t, reg, "rigel_deployment_drift", map[string]string{"deployment": "api"}); ok {
		t.Fatal("a removed deployment still has a drift series")
	}
}
