package app

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"

	"github.com/rigel-gitops/rigel/commands"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/inbox"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/metrics"
	"github.com/rigel-gitops/rigel/notify"
	"github.com/rigel-gitops/rigel/ops"
	coord "github.com/rigel-gitops/rigel/replica"
)

// The replica's Leases are the service's Locker, and its records the calls' Recorders.
var (
	_ ops.Locker    = (*coord.Leases)(nil)
	_ ops.PullHolds = (*coord.Leases)(nil) // pull requests' holds on deployments
	_ ops.Recorder  = (*coord.Record)(nil)
)

// LeaderLease is the Lease the replicas elect their leader with.
const LeaderLease = "rigel-leader"

// replica is what one Rigel among several needs: Leases for locks and command records, a
// drain for shutdown, and leader election for background work.
type replica struct {
	leases  *kube.Leases
	drain   *drain
	sweeper *coord.Sweeper
	gauge   prometheus.Gauge
	log     zerolog.Logger

	leading atomic.Bool

	drift  *driftLoop       // drift detection (issue 12, drift.go); nil: off
	notify *notify.Notifier // notifications (issue 12, notify.go); nil: off
	poll   *pollLoop        // the polling fallback of push-triggered sync (issue 12, poll.go); nil: off

	redeliver *redeliverLoop // redelivery of failed deliveries (issue 14, redeliver.go); nil: off
	adopter   *inbox.Adopter // runs deliveries of replicas gone away (inbox.go); nil: none

	seen          *kube.Seen // records of events run (dedupe.go), swept by the leader
	lastSeenSweep time.Time  // only the leader's goroutine touches it
}

// newReplica sets up this replica: its Leases lock the service's deployments and record the
// runner's commands, and its sweeper reports unfinished commands in their conversations.
func newReplica(s *config.Settings, kc *kube.Client, runner *commands.Runner, clients *githubclient.Clients, reg prometheus.Registerer, log zerolog.Logger) *replica {
	leases := &kube.Leases{Client: kc.Typed, Namespace: s.Namespace, Identity: s.ReplicaIdentity(), Duration: s.ReplicaLeaseDuration()}
	shared := coord.New(leases, runner.MarkerKey)
	runner.Leases, runner.Ops.Locker = shared, shared
	runner.Ops.Holds = shared // pull requests' holds on deployments (replica/pull_hold*.go)
	return &replica{
		leases:  leases,
		drain:   newDrain(s.ShutdownGrace),
		sweeper: &coord.Sweeper{Leases: shared, Registry: runner.Ops.Registry, Report: runner.ReportUnfinished(forges{clients}.ForInstallation)},
		gauge:   metrics.NewLeaderGauge(reg),
		log:     log.With().Str("replica", leases.Identity).Logger(),
		drift:   newDriftLoop(s, kc, runner.Ops, clients, runner.DriftIssues(forges{clients}.ForInstallation)), // drift (issue 12)
		poll:    newPollLoop(s, runner, clients),                                                               // push-triggered sync (issue 12)

		redeliver: newRedeliverLoop(s, kc.Typed, clients, reg, log), // redelivery of failed deliveries (issue 14)
	}
}

// Leader reports whether this replica is the elected leader now.
func (a *App) Leader() bool { return a.replica.leading.Load() }

// Identity is the name this replica holds Leases with.
func (a *App) Identity() string { return a.replica.leases.Identity }

// lead takes part in leader election until the returned stop is called; stop gives up the
// leadership (so another replica takes over at once) and returns when it has.
func (r *replica) lead() (stop func()) {
	ctx, cancel := context.WithCancel(r.log.WithContext(context.Background()))
	stopNotify := runNotifier(ctx, r.notify) // notifications (issue 12): on every replica
	stopAdopter := r.runAdopter(ctx)         // deliveries of replicas gone away (issue 14, inbox.go): on every replica
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil { // after losing the leadership, stand again
			if err := r.elect(ctx); err != nil {
				r.log.Error().Err(err).Msg("leader election failed")
				select {
				case <-ctx.Done():
				case <-time.After(r.leases.Duration):
				}
			}
		}
	}()
	return func() { cancel(); <-done; stopNotify(); stopAdopter() }
}

// elect runs one term of leader election: it returns when ctx ends or the leadership is lost.
func (r *replica) elect(ctx context.Context) error {
	d := r.leases.Duration
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock: &resourcelock.LeaseLock{
			LeaseMeta:  metav1.ObjectMeta{Name: LeaderLease, Namespace: r.leases.Namespace},
			Client:     r.leases.Client.CoordinationV1(),
			LockConfig: resourcelock.ResourceLockConfig{Identity: r.leases.Identity},
		},
		LeaseDuration:   d,
		RenewDeadline:   d * 2 / 3,
		RetryPeriod:     d / 10,
		ReleaseOnCancel: true,
		Name:            "rigel",
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: r.leadWork,
			OnStoppedLeading: func() {
				if r.leading.Swap(false) {
					r.gauge.Set(0)
					r.log.Info().Bool("leader", false).Msg("this replica stopped leading")
				}
			},
			OnNewLeader: func(id string) {
				if id != r.leases.Identity {
					r.log.Info().Str("leader", id).Msg("another replica leads")
				}
			},
		},
	})
	if err != nil {
		return err
	}
	le.Run(ctx)
	return nil
}

// leadWork is the background work of the leader, until ctx ends: at once and then every
// lease duration, report the commands whose replica went away before they finished.
func (r *replica) leadWork(ctx context.Context) {
	r.leading.Store(true)
	r.gauge.Set(1)
	r.log.Info().Bool("leader", true).Msg("this replica leads: it reports unfinished commands")
	ctx = r.log.WithContext(ctx)
	t := time.NewTicker(r.leases.Duration)
	defer t.Stop()
	if r.drift != nil { // drift (issue 12): until the leadership ends
		done := make(chan struct{})
		go func() { defer close(done); r.drift.run(ctx) }()
		defer func() { <-done }()
	}
	if r.poll != nil { // push-triggered sync's polling fallback (issue 12): until the leadership ends
		done := make(chan struct{})
		go func() { defer close(done); r.poll.run(ctx) }()
		defer func() { <-done }()
	}
	if r.redeliver != nil { // redelivery of failed deliveries (issue 14): until the leadership ends
		done := make(chan struct{})
		go func() { defer close(done); r.redeliver.run(ctx) }()
		defer func() { <-done }()
	}
	for {
		if n, err := r.sweeper.Sweep(ctx); err != nil && ctx.Err() == nil {
			r.log.Error().Err(err).Int("reported", n).Msg("failed to report some unfinished commands; trying again later")
		}
		r.sweepSeen(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
