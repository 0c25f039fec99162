package handlers

import (
	"context"
	gosync "sync"
	"time"

	"github.com/rs/zerolog"
)

// SeenStore remembers event keys for every replica, across restarts (kube.Seen).
type SeenStore interface {
	// Claim records key and reports whether it was recorded for the first time; false with
	// a nil error means another delivery (here or on another replica) claimed it before.
	Claim(ctx context.Context, key string) (bool, error)
}

// Outcomes of Deliveries.Claim, for Observe.
const (
	SeenFirst      = "first"
	SeenDuplicate  = "duplicate"
	SeenStoreError = "store_error"
)

// seenStoreTimeout bounds one Claim of the shared store: a worker never waits longer on it.
const seenStoreTimeout = 5 * time.Second

// Deliveries remembers the events already run, so an event GitHub sends again (a redelivery,
// by hand or after a timeout) or a signed body replayed under a new delivery id runs its
// commands only once. The last keys are kept in memory (the fast path of this replica);
// behind them Store, when set, is shared by all replicas and kept across restarts.
type Deliveries struct {
	// Store is the shared store; nil: memory only. When it cannot be reached the event
	// runs (logged, and Observe(SeenStoreError)): the memory still keeps this replica from
	// running it twice, and the commands themselves need the same cluster.
	Store SeenStore
	// Observe, when set, is told the outcome of every Claim (a metric).
	Observe func(outcome string)

	mu    gosync.Mutex
	seen  map[string]bool
	order []string // ring of the keys in seen, oldest at next
	next  int
}

// NewDeliveries remembers up to max keys in memory; the oldest is forgotten first.
func NewDeliveries(max int) *Deliveries {
	return &Deliveries{seen: make(map[string]bool, max), order: make([]string, max)}
}

// First reports whether key is seen for the first time by this replica, and remembers it in
// memory. An empty key (no X-GitHub-Delivery header, no id in the payload) cannot be told
// apart and is always first.
func (d *Deliveries) First(key string) bool {
	if d == nil || key == "" || len(d.order) == 0 {
		return true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen[key] {
		return false
	}
	if old := d.order[d.next]; old != "" {
		delete(d.seen, old)
	}
	d.order[d.next] = key
	d.next = (d.next + 1) % len(d.order)
	d.seen[key] = true
	return true
}

// Claim reports whether the event named key should run: seen neither in memory nor, when
// there is one, in the shared store. It is called by the worker that runs the event, so a
// delivery refused before it was queued (503) is never remembered.
func (d *Deliveries) Claim(ctx context.Context, key string) bool {
	if d == nil || key == "" {
		return true
	}
	if !d.First(key) {
		d.observe(SeenDuplicate)
		return false
	}
	if d.Store == nil {
		d.observe(SeenFirst)
		return true
	}
	cctx, cancel := context.WithTimeout(ctx, seenStoreTimeout)
	defer cancel()
	first, err := d.Store.Claim(cctx, key)
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Str("event_key", key).Msg("failed to record the event in the shared store: running it (another replica may run it too)")
		d.observe(SeenStoreError)
		return true
	}
	if !first {
		d.observe(SeenDuplicate)
		return false
	}
	d.observe(SeenFirst)
	return true
}

func (d *Deliveries) observe(outcome string) {
	if d.Observe != nil {
		d.Observe(outcome)
	}
}
