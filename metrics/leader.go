package metrics

import "github.com/prometheus/client_golang/prometheus"

// NewLeaderGauge registers rigel_leader on reg: 1 while this replica is the elected leader
// (the one that runs background work), 0 otherwise.
func NewLeaderGauge(reg prometheus.Registerer) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "rigel_leader", Help: "1 while this replica is the elected leader that runs background work (the report of unfinished commands), else 0.",
	})
	reg.MustRegister(g)
	return g
}
