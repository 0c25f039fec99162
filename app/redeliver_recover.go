package app

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/githubclient"
)

// Recovery of what a replica that went away answered and had not recorded (issue 14): with a
// GitHub App a replica answers a delivery 202 once it is queued, and records it behind the
// answer (inbox.AckQueued), so the answer waits for no apiserver write. GitHub's delivery log
// is the durable record: when the replica dies, the replica that takes over its inbox Lease
// (inbox.Adopter) asks GitHub to redeliver every delivery the log shows answered 2xx from a
// little before the time up to which it had recorded everything to a little after its Lease
// expired, except those adopted from its records. Deliveries of other replicas in that window
// are redelivered too; the shared dedupe (dedupe.go) runs each event once. Each redelivery
// asked counts in rigel_inbox_recovered_total.

// recoverMargin widens the window on both sides, for the clocks of GitHub and the replicas
// (NTP keeps them within a second) and GitHub logging when it sent a delivery, before Rigel
// answered it. (The window's end is already where a replica cut off from the apiserver has
// noticed that its Lease lapsed and stopped answering: inbox.Adopter.) A wider window only
// redelivers more of what ran (the dedupe skips it), at RIGEL_REDELIVER_RATE.
const recoverMargin = 10 * time.Second

// recoverer asks GitHub to redeliver the window of a replica that went away.
type recoverer struct {
	log   hookLog
	gap   time.Duration // between two redeliveries asked (RIGEL_REDELIVER_RATE)
	count prometheus.Counter
}

// recover is inbox.Adopter.Recover: it returns once GitHub was asked to redeliver each
// delivery answered 2xx between from and to (widened by recoverMargin) but those in
// adopted, oldest first, one every gap.
func (r *recoverer) recover(ctx context.Context, owner string, from, to time.Time, adopted map[string]bool) error {
	log := zerolog.Ctx(ctx).With().Str("inbox", owner).Logger()
	from, to = from.Add(-recoverMargin), to.Add(recoverMargin)
	from = latest(from, time.Now().Add(-redeliverWindow))
	read, _, err := readHookLog(ctx, r.log, from)
	if err != nil {
		return err
	}
	var todo []githubclient.HookDelivery
	judged := map[string]bool{}
	for _, d := range read { // newest first: the newest delivery of each event
		if d.GUID == "" || judged[d.GUID] || adopted[d.GUID] || d.DeliveredAt.After(to) || !succeeded(d.StatusCode) {
			continue
		}
		judged[d.GUID] = true
		todo = append(todo, d)
	}
	slices.Reverse(todo)
	next := time.Now()
	for _, d := range todo {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Until(next)):
		}
		next = latest(next.Add(r.gap), time.Now())
		err := r.log.RedeliverHook(ctx, d.ID)
		var refused *githubclient.RedeliveryRefusedError
		if errors.As(err, &refused) {
			log.Warn().Err(err).Str("delivery", d.GUID).Msg("GitHub refused to redeliver a delivery a replica that went away may not have run")
			continue
		}
		if err != nil {
			return err
		}
		r.count.Inc()
	}
	log.Info().Int("redelivered", len(todo)).Time("from", from).Time("to", to).
		Msg("asked GitHub to redeliver what a replica that went away answered in the window it had not recorded")
	return nil
}

// readHookLog returns the deliveries of the log delivered at since or later, newest first,
// and the time of the newest.
func readHookLog(ctx context.Context, hl hookLog, since time.Time) ([]githubclient.HookDelivery, time.Time, error) {
	var out []githubclient.HookDelivery
	var newest time.Time
	cursor := ""
	for {
		page, next, err := hl.HookDeliveries(ctx, cursor)
		if err != nil {
			return nil, newest, err
		}
		for _, d := range page {
			if d.DeliveredAt.Before(since) {
				return out, newest, nil
			}
			newest = latest(newest, d.DeliveredAt)
			out = append(out, d)
		}
		if next == "" || len(page) == 0 {
			return out, newest, nil
		}
		cursor = next
	}
}
