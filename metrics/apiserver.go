package metrics

import "github.com/prometheus/client_golang/prometheus"

// RegisterAPIServerGauges registers on reg the gauges of the replica's bound on requests to
// the apiserver (RIGEL_DIFF_CONCURRENCY across all commands, sync.Limiter, issue 14):
// rigel_apiserver_requests_in_flight (inFlight) and rigel_apiserver_requests_waiting
// (waiting: requests of previews and applies waiting for a free slot; often above 0 means
// the setting is what commands wait on).
func RegisterAPIServerGauges(reg prometheus.Registerer, inFlight, waiting func() int) {
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "rigel_apiserver_requests_in_flight", Help: "Requests of previews and applies in flight at the apiserver now, bounded by RIGEL_DIFF_CONCURRENCY across all commands.",
		}, func() float64 { return float64(inFlight()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "rigel_apiserver_requests_waiting", Help: "Requests of previews and applies waiting for a free slot of RIGEL_DIFF_CONCURRENCY now.",
		}, func() float64 { return float64(waiting()) }),
	)
}
