package metrics

import "time"

// The methods below make *Metrics a commands.Observer.

// CommandDone counts one command by verb and outcome (OutcomeOK, OutcomeRefused, OutcomeError).
func (m *Metrics) CommandDone(verb, outcome string) {
	m.commands.WithLabelValues(verb, outcome).Inc()
}

// Diffed records how long diffing a deployment against the cluster took.
func (m *Metrics) Diffed(deployment string, took time.Duration) {
	m.diffDuration.WithLabelValues(deployment).Observe(took.Seconds())
}

// Applied records an apply: how long it took, and the deployment's new sync status.
func (m *Metrics) Applied(deployment string, took time.Duration, status string, finished time.Time) {
	m.applyDuration.WithLabelValues(deployment).Observe(took.Seconds())
	m.Synced(deployment, status, finished)
}

// Synced sets a deployment's sync status (1 for status, 0 for the other statuses) and the
// time of its last sync. The app calls it at start for every deployment of the registry.
func (m *Metrics) Synced(deployment, status string, finished time.Time) {
	known := false
	for _, s := range SyncStatuses {
		v := 0.0
		if s == status {
			v, known = 1, true
		}
		m.syncStatus.WithLabelValues(deployment, s).Set(v)
	}
	if !known && status != "" {
		m.syncStatus.WithLabelValues(deployment, status).Set(1)
	}
	m.lastSync.WithLabelValues(deployment).Set(float64(finished.Unix()))
}

// Forgot drops the series of a removed deployment, so no alert fires for it.
func (m *Metrics) Forgot(deployment string) {
	m.syncStatus.DeletePartialMatch(map[string]string{"deployment": deployment})
	m.lastSync.DeleteLabelValues(deployment)
	m.diffDuration.DeleteLabelValues(deployment)
	m.applyDuration.DeleteLabelValues(deployment)
	m.drift.DeleteLabelValues(deployment) // drift (issue 12)
}
