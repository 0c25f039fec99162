package inbox

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	gosync "sync"
	"time"

	"github.com/palantir/go-githubapp/githubapp"
	"github.com/rs/zerolog"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/rigel-gitops/rigel/kube"
)

// Adopter finds the records of replicas whose inbox Lease expired (they died, or stopped
// with deliveries not run) and runs their deliveries here. Of several replicas looking at
// once, each record is adopted by one (an update guarded by its version). A delivery that
// already ran on the dead replica is adopted too, and the handlers' shared dedupe
// (handlers.Deliveries on kube.Seen) skips it: each command runs once.
type Adopter struct {
	Journal  *Journal
	Leases   *kube.Leases // the replicas' inbox Leases (labelled LeaseLabel=inbox)
	Queue    *Scheduler
	Handlers map[string]githubapp.EventHandler // by event type, as the dispatcher routes
	// Wrap, when set, wraps each adopted delivery as the live ones are (the drain's count);
	// an error (this replica is stopping) leaves the delivery recorded for another replica.
	Wrap func(githubapp.Dispatch) (githubapp.Dispatch, error)
	// Observe, when set, is told how many deliveries each adoption took.
	Observe func(n int)
	// Recover, when set, has GitHub redeliver what a replica that answered before recording
	// (AckQueued) may have answered and not recorded: every delivery its log shows answered
	// 2xx from a little before from to a little after to (when it stopped answering at the
	// latest), except the deliveries (GUIDs) in
	// adopted, taken from its records here. It is called by the one replica that took over
	// the dead Lease; an error leaves the Lease to expire again, and a later round (here or
	// on another replica) recovers the window again: the shared dedupe runs each event once.
	// nil: nothing is recovered (logged).
	Recover func(ctx context.Context, owner string, from, to time.Time, adopted map[string]bool) error

	// The recoveries waiting: they run one at a time behind the adoption rounds
	// (recoverBehind), so that redelivering a large window at GitHub's pace holds up neither
	// the adoption of other replicas' records nor RIGEL_REDELIVER_RATE.
	mu         gosync.Mutex
	waiting    []recovery
	working    bool
	recovering gosync.WaitGroup
}

// recovery is the window of a dead Lease this replica took over, to recover.
type recovery struct {
	held    *kube.Held
	adopted map[string]bool // the deliveries taken from its records: not redelivered
}

// Run looks for records to adopt every (jittered) period until ctx ends, and then waits for
// the recovery under way (it ends with ctx: its Lease is left to expire again).
func (a *Adopter) Run(ctx context.Context, every time.Duration) {
	defer a.recovering.Wait()
	log := zerolog.Ctx(ctx)
	for {
		wait := every/2 + rand.N(every/2+1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if n, err := a.Adopt(ctx); err != nil && ctx.Err() == nil {
			log.Error().Err(err).Int("adopted", n).Msg("failed to adopt some deliveries of a replica that went away; trying again later")
		}
	}
}

// Adopt adopts, once, the records of every expired inbox Lease that fit the queue, and
// returns how many deliveries it queued. The Lease of a replica whose records were all
// adopted is deleted.
func (a *Adopter) Adopt(ctx context.Context) (int, error) {
	j := a.Journal
	list, err := a.Leases.List(ctx, LeaseLabel+"=inbox")
	if err != nil {
		return 0, fmt.Errorf("failed to list the replicas' inbox leases: %w", err)
	}
	var errs []error
	n := 0
	now := time.Now()
	for _, l := range list {
		if l.Name == j.owner || !l.Expired(now) {
			continue
		}
		adopted := map[string]bool{}
		m, complete, err := a.adoptFrom(ctx, l.Name, adopted)
		n += m
		if err != nil {
			errs = append(errs, err)
		}
		if !complete {
			continue
		}
		// all adopted: recover what it answered unrecorded (behind this round), then give the
		// dead Lease back, so nobody looks at it again
		var ann map[string]string
		if _, ok := l.Annotations[ExpiredAtAnnotation]; !ok {
			ann = map[string]string{ExpiredAtAnnotation: formatTime(l.Renewed.Add(l.Duration))}
		}
		held, err := a.Leases.TakeOver(ctx, l, ann)
		if err != nil {
			continue // another replica took it over
		}
		if _, ok := l.Annotations[RecordedUntilAnnotation]; !ok {
			_ = held.Release(ctx) // it answered once recorded: its records were all
			continue
		}
		a.recoverBehind(ctx, recovery{held: held, adopted: adopted})
	}
	if n > 0 && a.Observe != nil {
		a.Observe(n)
	}
	return n, errors.Join(errs...)
}

// recoverBehind has r recovered after the recoveries waiting, on a goroutine of their own (one
// at a time), while the adoption rounds go on; r's Lease stays held (renewed) meanwhile, so no
// other replica recovers it too. Recovered, the Lease is given back; when recovery fails it is
// left to expire again, and a later round (here or on another replica) recovers it again.
func (a *Adopter) recoverBehind(ctx context.Context, r recovery) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.waiting = append(a.waiting, r)
	if a.working {
		return
	}
	a.working = true
	a.recovering.Add(1)
	go func() {
		defer a.recovering.Done()
		a.recoverWaiting(ctx)
	}()
}

// recoverWaiting recovers the windows waiting, oldest first, until none waits.
func (a *Adopter) recoverWaiting(ctx context.Context) {
	for {
		a.mu.Lock()
		if len(a.waiting) == 0 {
			a.working = false
			a.mu.Unlock()
			return
		}
		r := a.waiting[0]
		a.waiting = a.waiting[1:]
		a.mu.Unlock()
		if err := a.recover(ctx, r.held.Info(), r.adopted); err != nil {
			if ctx.Err() == nil {
				zerolog.Ctx(ctx).Error().Err(err).Msg("failed to recover what a replica that went away answered; trying again once its lease expires again")
			}
			r.held.Abandon()
			continue
		}
		_ = r.held.Release(ctx)
	}
}

// recover asks Recover for the window of l, a dead Lease this replica took over whose journal
// answered before recording (Adopt sends only those: RecordedUntilAnnotation).
func (a *Adopter) recover(ctx context.Context, l kube.LeaseInfo, adopted map[string]bool) error {
	until := l.Annotations[RecordedUntilAnnotation]
	from, err := ParseTime(until)
	if err != nil {
		return fmt.Errorf("inbox lease %s: annotation %s %q: %w", l.Name, RecordedUntilAnnotation, until, err)
	}
	expired, err := ParseTime(l.Annotations[ExpiredAtAnnotation])
	if err != nil {
		return fmt.Errorf("inbox lease %s: annotation %s: %w", l.Name, ExpiredAtAnnotation, err)
	}
	// A replica cut off from the apiserver answers until it notices its Lease lapsed: at its
	// next renewal, a third of the duration later (kube.Held).
	to := expired.Add(l.Duration / 3)
	log := zerolog.Ctx(ctx).With().Str("inbox", l.Name).Time("from", from).Time("to", to).Logger()
	if a.Recover == nil {
		log.Warn().Msg("a replica that answered deliveries before recording them went away, and nothing here can ask GitHub to redeliver them: those it had not recorded are lost")
		return nil
	}
	if err := a.Recover(ctx, l.Name, from, to, adopted); err != nil {
		return fmt.Errorf("failed to recover the deliveries replica %s answered and had not recorded: %w", l.Name, err)
	}
	log.Info().Msg("recovered the deliveries a replica that went away answered and had not recorded")
	return nil
}

// adoptFrom adopts the records of owner, noting the deliveries it adopts in adopted; complete
// is false when some are left (no room in the queue, or an error).
func (a *Adopter) adoptFrom(ctx context.Context, owner string, adopted map[string]bool) (n int, complete bool, _ error) {
	j := a.Journal
	log := zerolog.Ctx(ctx).With().Str("inbox", owner).Logger()
	batches, err := j.store.Owned(ctx, owner)
	if err != nil {
		return 0, false, err
	}
	for _, b := range batches {
		if j.stopping() { // closed: what it adopted now would be left in a Lease given back
			return n, false, nil
		}
		ds, derr := decode(b.Data)
		var cost int64
		for _, d := range ds {
			cost += Cost(d.Payload)
		}
		if derr == nil && !a.Queue.room(cost) {
			return n, false, nil // the rest at a later round
		}
		nb, err := j.store.Adopt(ctx, b, j.owner)
		switch {
		case apierrors.IsConflict(err) || apierrors.IsNotFound(err):
			continue // another replica took it
		case err != nil:
			return n, false, err
		}
		if derr != nil { // never run what does not decode: say so and drop it
			log.Error().Err(derr).Str("record", b.Name).Msg("deleting a record of deliveries that does not decode; its deliveries do not run")
			_ = j.store.Delete(ctx, nb)
			continue
		}
		rec := j.adopted(nb, len(ds))
		for _, d := range ds {
			adopted[d.DeliveryID] = true
			h := a.Handlers[d.EventType]
			if h == nil {
				j.done(rec)
				continue
			}
			disp := githubapp.Dispatch{Handler: h, EventType: d.EventType, DeliveryID: d.DeliveryID, Payload: d.Payload}
			if a.Wrap != nil {
				if disp, err = a.Wrap(disp); err != nil {
					continue // stopping: it stays recorded for another replica
				}
			}
			a.Queue.takeAdopted(ctx, disp, rec)
			n++
		}
		log.Info().Str("record", b.Name).Int("deliveries", len(ds)).Msg("adopted the deliveries of a replica that went away")
	}
	return n, true, nil
}

// adopted registers a record adopted from another replica, with left deliveries to run.
func (j *Journal) adopted(rec kube.InboxBatch, left int) *batch {
	j.mu.Lock()
	defer j.mu.Unlock()
	b := &batch{rec: rec, left: left}
	j.open[b] = struct{}{}
	if left == 0 {
		j.finishLocked(b)
	}
	return b
}
