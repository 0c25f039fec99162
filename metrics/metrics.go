package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	gometrics "github.com/rcrowley/go-metrics"

	"github.com/rigel-gitops/rigel/internal/buildinfo"
)

// Outcomes of a command, the values of the outcome label of rigel_commands_total.
const (
	OutcomeOK      = "ok"      // the command did what was asked
	OutcomeRefused = "refused" // a mistake or a missing right: the reply says why, nothing changed
	OutcomeError   = "error"   // something failed (GitHub, git, the cluster, a bug)
)

// SyncStatuses are the statuses a deployment's last sync can have (config.LastSync.Status).
var SyncStatuses = []string{"Succeeded", "Failed", "Unhealthy"}

// Metrics holds Rigel's metrics. Its methods are safe for concurrent use.
type Metrics struct {
	commands      *prometheus.CounterVec
	diffDuration  *prometheus.HistogramVec
	applyDuration *prometheus.HistogramVec
	syncStatus    *prometheus.GaugeVec
	lastSync      *prometheus.GaugeVec
	rejected      *prometheus.CounterVec
	ghRequests    *prometheus.CounterVec
	ghRemaining   prometheus.Gauge
	scheduler     gometrics.Registry // go-githubapp's scheduler reports its queue here

	drift *prometheus.GaugeVec // drift (issue 12): drift.go

	gitCache gitCache // the git cache's bound (issue 14): gitcache.go
}

// durationBuckets spans a small diff (tens of milliseconds) to an apply that waits minutes for health.
var durationBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}

// New creates Rigel's metrics and registers them on reg, rigel_build_info with this binary's
// version (package internal/buildinfo).
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rigel_commands_total", Help: "Commands run, by verb and outcome (ok, refused, error).",
		}, []string{"verb", "outcome"}),
		diffDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rigel_diff_duration_seconds", Help: "Time to diff a deployment's rendered objects against the cluster (server-side apply dry-run).",
			Buckets: durationBuckets,
		}, []string{"deployment"}),
		applyDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rigel_apply_duration_seconds", Help: "Time to apply a deployment and wait for its health.",
			Buckets: durationBuckets,
		}, []string{"deployment"}),
		syncStatus: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rigel_deployment_sync_status", Help: "1 for the status of the deployment's last sync (Succeeded, Failed, Unhealthy), 0 for the others.",
		}, []string{"deployment", "status"}),
		lastSync: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rigel_deployment_last_sync_timestamp_seconds", Help: "Unix time the deployment's last sync finished.",
		}, []string{"deployment"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rigel_webhook_rejected_total", Help: "Webhook deliveries not accepted, by reason: queue_full (answered 503 with Retry-After; redeliver it from the app's Advanced settings or the deliveries API), invalid (400: bad signature or headers), error (500).",
		}, []string{"reason"}),
		ghRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rigel_github_requests_total", Help: "Requests to the GitHub API, by HTTP status code (\"error\" when no answer came).",
		}, []string{"code"}),
		ghRemaining: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rigel_github_rate_limit_remaining", Help: "X-RateLimit-Remaining of the last GitHub API answer that carried it.",
		}),
		scheduler: gometrics.NewRegistry(),
		drift:     newDriftGauge(), // drift (issue 12)
		gitCache:  newGitCache(),   // the git cache's bound (issue 14)
	}
	reg.MustRegister(m.gitCache.collectors()...)
	for _, r := range []string{reasonQueueFull, reasonInvalid, reasonError} {
		m.rejected.WithLabelValues(r) // present at 0 from the start, so rate() and alerts work at once
	}
	reg.MustRegister(buildInfo(buildinfo.Read()), m.commands, m.diffDuration, m.applyDuration, m.syncStatus, m.lastSync, m.rejected, m.ghRequests, m.ghRemaining, m.drift,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "rigel_queue_depth", Help: "Webhook deliveries accepted and waiting for a worker.",
		}, func() float64 { return m.schedulerGauge(queueLengthKey) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "rigel_workers_busy", Help: "Workers running a delivery's commands now.",
		}, func() float64 { return m.schedulerGauge(activeWorkersKey) }),
	)
	return m
}
