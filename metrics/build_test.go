package metrics

import (
	"runtime"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rigel-gitops/rigel/internal/buildinfo"
)

// TestBuildInfo checks rigel_build_info: one series, value 1, labelled with what buildinfo
// reads of this binary, and with given values exactly.
func TestBuildInfo(t *testing.T) {
	reg := prometheus.NewRegistry()
	New(reg)
	i := buildinfo.Read()
	if i.Version == "" || i.Revision == "" || i.GoVersion != runtime.Version() {
		t.Fatalf("buildinfo.Read() = %+v: want a version, a revision and %s", i, runtime.Version())
	}
	labels := map[string]string{"version": i.Version, "revision": i.Revision, "goversion": i.GoVersion}
	if v := value(t, reg, "rigel_build_info", labels); v != 1 {
		t.Errorf("rigel_build_info%v = %v, want 1", labels, v)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "rigel_build_info" && len(mf.GetMetric()) != 1 {
			t.Errorf("%d series of rigel_build_info, want 1", len(mf.GetMetric()))
		}
	}

	reg = prometheus.NewRegistry()
	reg.MustRegister(buildInfo(buildinfo.Info{Version: "v0.1.0", Revision: "abc123", GoVersion: "go1.26.0"}))
	labels = map[string]string{"version": "v0.1.0", "revision": "abc123", "goversion": "go1.26.0"}
	if v := value(t, reg, "rigel_build_info", labels); v != 1 {
		t.Errorf("rigel_build_info%v = %v, want 1", labels, v)
	}
}
