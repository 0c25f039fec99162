package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rigel-gitops/rigel/handlers"
	"github.com/rigel-gitops/rigel/kube"
)

// Deduplication of events (handlers.Deliveries, kube.Seen): the last keys in memory, and
// behind them one ConfigMap per event in Rigel's namespace, shared by the replicas and kept
// across restarts. The leader sweeps records older than SeenRetention, and the oldest beyond
// SeenMaxRecords. GitHub lets a delivery be redelivered for 3 days, so 7 days covers every
// redelivery; a signed body replayed after that would run again (capturing one needs the
// app's delivery log or the network path between GitHub and Rigel).
const (
	SeenRetention  = 7 * 24 * time.Hour
	SeenMaxRecords = 50000
	seenSweepEvery = time.Hour
)

// newDeliveries is the deduplication of this replica, counting outcomes in
// rigel_webhook_dedupe_total{outcome="first|duplicate|store_error"}.
func newDeliveries(namespace, identity string, kc *kube.Client, reg prometheus.Registerer) (*handlers.Deliveries, *kube.Seen) {
	outcomes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rigel_webhook_dedupe_total",
		Help: "Events checked against the events already run, by outcome: first (run), duplicate (not run), store_error (the shared store could not be reached: run).",
	}, []string{"outcome"})
	reg.MustRegister(outcomes)
	for _, o := range []string{handlers.SeenFirst, handlers.SeenDuplicate, handlers.SeenStoreError} {
		outcomes.WithLabelValues(o)
	}
	seen := &kube.Seen{Client: kc.Typed, Namespace: namespace, Identity: identity}
	d := handlers.NewDeliveries(deliveriesRemembered)
	d.Store = seen
	d.Observe = func(o string) { outcomes.WithLabelValues(o).Inc() }
	return d, seen
}

// sweepSeen deletes old records of events, at most every seenSweepEvery (the leader calls it
// on each of its rounds).
func (r *replica) sweepSeen(ctx context.Context) {
	if r.seen == nil || time.Since(r.lastSeenSweep) < seenSweepEvery {
		return
	}
	n, err := r.seen.Sweep(ctx, time.Now(), SeenRetention, SeenMaxRecords)
	if err != nil {
		r.log.Error().Err(err).Int("deleted", n).Msg("failed to sweep the records of events; trying again later")
		return
	}
	r.lastSeenSweep = time.Now()
	if n > 0 {
		r.log.Info().Int("deleted", n).Msg("swept old records of events")
	}
}
