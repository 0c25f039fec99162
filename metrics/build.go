package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rigel-gitops/rigel/internal/buildinfo"
)

// buildInfo is rigel_build_info: always 1, its labels say which Rigel runs (join on it to
// tell the versions of a rollout apart, or alert when replicas run different ones).
func buildInfo(i buildinfo.Info) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "rigel_build_info",
		Help: "1, labelled with the version, the git revision and the Go version Rigel was built from.",
		ConstLabels: prometheus.Labels{
			"version": i.Version, "revision": i.Revision, "goversion": i.GoVersion,
		},
	})
	g.Set(1)
	return g
}
