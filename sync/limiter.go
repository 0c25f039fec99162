package sync

import (
	"context"
	"fmt"
	"sync/atomic"

	"k8s.io/client-go/rest"
)

// Limiter bounds the requests Rigel has in flight at the apiserver for previews and applies
// (dry-runs, reads of live objects and inventories, applies, hand-overs, prunes) across every
// Engine that shares it: the wiring gives one Limiter of RIGEL_DIFF_CONCURRENCY to the
// commands' Engine and to the drift sweep's, so that commands running at once on a replica
// (two `/rigel diff --all`, a sweep and an apply) never have more requests in flight together
// than that setting (issue 14). Engine.Concurrency bounds the goroutines of one preview; the
// Limiter bounds what reaches the apiserver from all of them.
//
// A slot is held only while one request is on the wire, never while waiting for anything
// else, so a caller holding a Sweep's slot (sweep.go) cannot deadlock with one waiting here.
// Watches (the wait for health) and the log reads of hooks are not counted: they are long or
// rare, and would hold a slot for minutes. Safe for concurrent use; a nil Limiter bounds
// nothing.
type Limiter struct {
	slots    chan struct{}
	inFlight atomic.Int64
	waiting  atomic.Int64
}

// NewLimiter is a Limiter of n requests in flight at once (n < 1: 1).
func NewLimiter(n int) *Limiter {
	return &Limiter{slots: make(chan struct{}, max(n, 1))}
}

// Size is the most requests in flight at once (0 for a nil Limiter: no bound).
func (l *Limiter) Size() int {
	if l == nil {
		return 0
	}
	return cap(l.slots)
}

// InFlight is the number of requests holding a slot now (rigel_apiserver_requests_in_flight).
func (l *Limiter) InFlight() int {
	if l == nil {
		return 0
	}
	return int(l.inFlight.Load())
}

// Waiting is the number of requests waiting for a slot now (rigel_apiserver_requests_waiting).
func (l *Limiter) Waiting() int {
	if l == nil {
		return 0
	}
	return int(l.waiting.Load())
}

// Do runs f, which makes one request to the apiserver, within a slot. It fails only when ctx
// ends before a slot frees; then f does not run. A nil Limiter runs f at once.
func (l *Limiter) Do(ctx context.Context, f func()) error {
	if l == nil {
		f()
		return nil
	}
	select {
	case l.slots <- struct{}{}:
	default:
		l.waiting.Add(1)
		select {
		case l.slots <- struct{}{}:
			l.waiting.Add(-1)
		case <-ctx.Done():
			l.waiting.Add(-1)
			return fmt.Errorf("gave up waiting for a free apiserver request slot (RIGEL_DIFF_CONCURRENCY %d): %w", cap(l.slots), ctx.Err())
		}
	}
	l.inFlight.Add(1)
	defer func() {
		l.inFlight.Add(-1)
		<-l.slots
	}()
	f()
	return nil
}

// send sends req within the Engine's Limiter and returns its body, with the apiserver's
// Status as an APIStatus error (statusError).
func (e *Engine) send(ctx context.Context, req *rest.Request) ([]byte, error) {
	var (
		raw []byte
		err error
	)
	if lerr := e.Limiter.Do(ctx, func() { raw, err = req.DoRaw(ctx) }); lerr != nil {
		return nil, lerr
	}
	return statusError(raw, err)
}
