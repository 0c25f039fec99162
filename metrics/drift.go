package metrics

import "github.com/prometheus/client_golang/prometheus"

// newDriftGauge is rigel_deployment_drift{deployment} (issue 12): 1 when the leader's last
// drift check found that a new apply of the deployment's last synced commit would change the
// cluster, 0 when it would not (or the check found a problem that is not drift). A
// deployment not checked yet has no series.
func newDriftGauge() *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "rigel_deployment_drift",
		Help: "1 when the last drift check found that re-applying the deployment's last synced commit would change the cluster (someone changed it by hand), else 0.",
	}, []string{"deployment"})
}

// Drifted sets a deployment's drift gauge (ops.DriftObserver).
func (m *Metrics) Drifted(deployment string, drifted bool) {
	v := 0.0
	if drifted {
		v = 1
	}
	m.drift.WithLabelValues(deployment).Set(v)
}
