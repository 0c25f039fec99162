package metrics

import (
	"errors"
	"net/http"

	"github.com/palantir/go-githubapp/githubapp"
	gometrics "github.com/rcrowley/go-metrics"
)

const (
	queueLengthKey   = githubapp.MetricsKeyQueueLength
	activeWorkersKey = githubapp.MetricsKeyActiveWorkers

	reasonQueueFull = "queue_full"
	reasonInvalid   = "invalid"
	reasonError     = "error"
)

// SchedulerOption makes go-githubapp's scheduler report its queue length and busy workers,
// which rigel_queue_depth and rigel_workers_busy read.
func (m *Metrics) SchedulerOption() githubapp.SchedulerOption {
	return githubapp.WithSchedulingMetrics(m.scheduler)
}

// schedulerGauge reads one of the scheduler's gauges; 0 before the scheduler registered it.
func (m *Metrics) schedulerGauge(key string) float64 {
	if g, ok := m.scheduler.Get(key).(gometrics.Gauge); ok {
		return float64(g.Value())
	}
	return 0
}

// ErrorCallback counts the deliveries the dispatcher does not accept, then answers them as
// next does (go-githubapp's default when nil: 503 for a full queue, 400 for a bad delivery).
func (m *Metrics) ErrorCallback(next githubapp.ErrorCallback) githubapp.ErrorCallback {
	if next == nil {
		next = githubapp.DefaultErrorCallback
	}
	return func(w http.ResponseWriter, r *http.Request, err error) {
		var ve githubapp.ValidationError
		switch {
		case errors.Is(err, githubapp.ErrCapacityExceeded):
			m.rejected.WithLabelValues(reasonQueueFull).Inc()
		case errors.As(err, &ve):
			m.rejected.WithLabelValues(reasonInvalid).Inc()
		default:
			m.rejected.WithLabelValues(reasonError).Inc()
		}
		next(w, r, err)
	}
}

// QueueGauges makes rigel_queue_depth and rigel_workers_busy read Rigel's own scheduler
// (inbox.Scheduler) instead of go-githubapp's.
func (m *Metrics) QueueGauges(depth, busy func() int64) {
	gometrics.NewRegisteredFunctionalGauge(queueLengthKey, m.scheduler, depth)
	gometrics.NewRegisteredFunctionalGauge(activeWorkersKey, m.scheduler, busy)
}
