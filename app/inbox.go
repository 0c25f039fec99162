package app

import (
	"context"
	gosync "sync"
	"time"

	"github.com/palantir/go-githubapp/githubapp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/inbox"
	"github.com/rigel-gitops/rigel/kube"
)

// The inbox (issue 14): each delivery is recorded in Rigel's namespace (inbox.Journal,
// batched), and its record deleted when it has run; every replica adopts the records of a
// replica whose inbox Lease expired (inbox.Adopter) and runs them, the shared dedupe
// (dedupe.go) skipping what already ran. A delivery accepted by a replica that is killed is
// run by another, once.
//
// When is a delivery answered: with a GitHub App, as soon as it is queued (inbox.AckQueued),
// its record written behind the answer; what a killed replica answered and had not recorded
// yet is redelivered from GitHub's delivery log by the replica that adopts it
// (redeliver_recover.go). With a personal access token there is no delivery log to recover
// from, so a delivery is answered once its record is written (inbox.AckRecorded).

// ackOf is when this replica answers deliveries.
func ackOf(s *config.Settings) inbox.Ack {
	if s.UsesApp() {
		return inbox.AckQueued
	}
	return inbox.AckRecorded
}

// openInbox takes this replica's inbox Lease and starts its journal; the journal closes when
// the drain is over (drain.go), leaving the records of deliveries not run to another replica.
func openInbox(ctx context.Context, r *replica, s *config.Settings, log zerolog.Logger) (*inbox.Journal, error) {
	j, err := inbox.Open(log.WithContext(ctx), &kube.Inbox{Client: r.leases.Client, Namespace: s.Namespace}, r.leases, ackOf(s))
	if err != nil {
		return nil, err
	}
	var once gosync.Once
	r.drain.then = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), CutShortWait)
			defer cancel()
			if r.adopter != nil { // the workers tell the journal what ran before it closes
				closed := make(chan struct{})
				go func() { r.adopter.Queue.Close(); close(closed) }()
				select {
				case <-closed:
				case <-ctx.Done():
				}
			}
			if err := j.Close(log.WithContext(ctx)); err != nil {
				log.Warn().Err(err).Msg("failed to give back this replica's inbox lease; it expires")
			}
		})
	}
	return j, nil
}

// newAdopter adopts the records of replicas gone away into q, counted in
// rigel_inbox_adopted_total, and with a GitHub App recovers from the delivery log what they
// answered unrecorded, counted in rigel_inbox_recovered_total.
func newAdopter(r *replica, s *config.Settings, hl hookLog, j *inbox.Journal, q *inbox.Scheduler, hs []githubapp.EventHandler, reg prometheus.Registerer) *inbox.Adopter {
	adopted := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "rigel_inbox_adopted_total",
		Help: "Webhook deliveries this replica adopted from a replica whose inbox lease expired (it died before running them).",
	})
	recovered := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "rigel_inbox_recovered_total",
		Help: "Webhook deliveries this replica asked GitHub to redeliver because a replica that went away had answered them before recording them.",
	})
	reg.MustRegister(adopted, recovered)
	handlers := map[string]githubapp.EventHandler{}
	for _, h := range hs {
		for _, e := range h.Handles() {
			handlers[e] = h
		}
	}
	a := &inbox.Adopter{Journal: j, Leases: r.leases, Queue: q, Handlers: handlers, Wrap: r.drain.wrap,
		Observe: func(n int) { adopted.Add(float64(n)) }}
	if s.UsesApp() {
		rc := &recoverer{log: hl, gap: time.Second / time.Duration(s.RedeliveriesPerSecond()), count: recovered}
		a.Recover = rc.recover
	}
	return a
}

// runAdopter looks for records to adopt, every third of a lease duration, until stop.
func (r *replica) runAdopter(ctx context.Context) (stop func()) {
	if r.adopter == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.adopter.Run(ctx, max(r.leases.Duration/3, 100*time.Millisecond))
	}()
	return func() { cancel(); <-done }
}
