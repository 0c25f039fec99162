package app

import (
	"context"

	"github.com/palantir/go-githubapp/githubapp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/inbox"
	"github.com/rigel-gitops/rigel/metrics"
)

// newQueue is the scheduler of deliveries (issue 14): RIGEL_WORKERS workers take turns
// between installations over a queue bounded by RIGEL_QUEUE_BYTES (and RIGEL_QUEUE_SIZE
// deliveries); a delivery that does not fit is answered 503 (queue_full.go). The queue's
// depth and busy workers are rigel_queue_depth and rigel_workers_busy, its bytes
// rigel_queue_bytes.
func newQueue(s *config.Settings, journal *inbox.Journal, m *metrics.Metrics, reg prometheus.Registerer) *inbox.Scheduler {
	q := inbox.New(inbox.Options{
		Workers: s.Workers, MaxBytes: int64(s.QueueByteBound()), MaxCount: s.QueueSize, Journal: journal,
		OnError: func(ctx context.Context, d githubapp.Dispatch, err error) {
			zerolog.Ctx(ctx).Error().Err(err).Str("event", d.EventType).Str("delivery", d.DeliveryID).Msg("failed to handle event")
		},
	})
	m.QueueGauges(func() int64 { n, _ := q.Waiting(); return int64(n) }, q.Busy)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "rigel_queue_bytes", Help: "Payload bytes of the webhook deliveries waiting for a worker (bounded by RIGEL_QUEUE_BYTES).",
	}, func() float64 { _, b := q.Waiting(); return float64(b) }))
	return q
}
