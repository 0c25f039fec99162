package metrics

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestSyncStatus(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg)
	t1 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	status := func(dep, s string) float64 {
		return value(t, reg, "rigel_deployment_sync_status", map[string]string{"deployment": dep, "status": s})
	}
	steps := []struct {
		name   string
		do     func()
		dep    string
		want   map[string]float64
		wantTS time.Time
	}{
		{"a succeeded apply", func() { m.Applied("web", 2*time.Second, "Succeeded", t1) }, "web",
			map[string]float64{"Succeeded": 1, "Failed": 0, "Unhealthy": 0}, t1},
		{"then an unhealthy one replaces it", func() { m.Applied("web", time.Second, "Unhealthy", t1.Add(time.Hour)) }, "web",
			map[string]float64{"Succeeded": 0, "Failed": 0, "Unhealthy": 1}, t1.Add(time.Hour)},
		{"another deployment is its own", func() { m.Synced("api", "Failed", t1) }, "api",
			map[string]float64{"Succeeded": 0, "Failed": 1, "Unhealthy": 0}, t1},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.do()
			for st, want := range s.want {
				if got := status(s.dep, st); got != want {
					t.Errorf("status %s of %s = %v, want %v", st, s.dep, got, want)
				}
			}
			if got := value(t, reg, "rigel_deployment_last_sync_timestamp_seconds", map[string]string{"deployment": s.dep}); got != float64(s.wantTS.Unix()) {
				t.Errorf("last sync of %s = %v, want %v", s.dep, got, s.wantTS.Unix())
			}
		})
	}
	t.Run("the web status stayed unhealthy", func(t *testing.T) {
		if status("web", "Unhealthy") != 1 {
			t.Fatal("setting api changed web")
		}
	})
	t.Run("a removed deployment has no series", func(t *testing.T) {
		m.Forgot("web")
		for _, name := range []string{"rigel_deployment_sync_status", "rigel_deployment_last_sync_timestamp_seconds", "rigel_apply_duration_seconds"} {
			mfs, _ := reg.Gather()
			for _, mf := range mfs {
				for _, s := range mf.GetMetric() {
					for _, l := range s.GetLabel() {
						if mf.GetName() == name && l.GetName() == "deployment" && l.GetValue() == "web" {
							t.Errorf("%s still has a series for web", name)
						}
					}
				}
			}
		}
		if status("api", "Failed") != 1 {
			t.Error("forgetting web dropped api")
		}
	})
}

func TestCommandsAndDurations(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg)
	m.CommandDone("diff", OutcomeOK)
	m.CommandDone("diff", OutcomeOK)
	m.CommandDone("apply", OutcomeRefused)
	m.Diffed("web", 300*time.Millisecond)
	m.Diffed("web", 2*time.Second)
	tests := []struct {
		verb, outcome string
		want          float64
	}{{"diff", "ok", 2}, {"apply", "refused", 1}}
	for _, tc := range tests {
		t.Run(tc.verb+" "+tc.outcome, func(t *testing.T) {
			if got := value(t, reg, "rigel_commands_total", map[string]string{"verb": tc.verb, "outcome": tc.outcome}); got != tc.want {
				t.Fatalf("= %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("diff histogram", func(t *testing.T) {
		s, ok := sample(t, reg, "rigel_diff_duration_seconds", map[string]string{"deployment": "web"})
		if !ok {
			t.Fatal("no diff histogram for web")
		}
		h := s.GetHistogram()
		if h.GetSampleCount() != 2 || h.GetSampleSum() != 2.3 {
			t.Fatalf("count %d sum %v, want 2 and 2.3", h.GetSampleCount(), h.GetSampleSum())
		}
		for _, b := range h.GetBucket() {
			if b.GetUpperBound() == 0.5 && b.GetCumulativeCount() != 1 {
				t.Fatalf("le=0.5 holds %d, want 1", b.GetCumulativeCount())
			}
		}
	})
}
