package app

import (
	"context"
	"fmt"
	"net/http"
	gosync "sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/palantir/go-githubapp/githubapp"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/inbox"
	coord "github.com/rigel-gitops/rigel/replica"
)

// CutShortWait is how long, after the grace period, the commands cut short get to post their
// "stopped before it finished" reply and give back their Leases.
const CutShortWait = 5 * time.Second

// drain stops Rigel without losing a delivery it accepted: once shutdown starts, the hook
// answers 503 (GitHub may deliver again, to another replica); deliveries already accepted
// (queued or running) get the grace period to finish; then their contexts end with
// replica.ErrShuttingDown, and each command still running replies that it was cut short.
type drain struct {
	grace time.Duration

	mu       gosync.Mutex
	draining bool
	pending  int           // deliveries accepted and not finished
	idle     chan struct{} // closed once draining and pending is 0

	work     context.Context // ends, with ErrShuttingDown, when the grace period is over
	stopWork context.CancelCauseFunc

	// then, when set, runs once the drain is over (the inbox's journal closes: inbox.go)
	then func()
}

func newDrain(grace time.Duration) *drain {
	work, stop := context.WithCancelCause(context.Background())
	return &drain{grace: grace, idle: make(chan struct{}), work: work, stopWork: stop}
}

// refuse is the hook's middleware: while draining, deliveries are answered 503.
func (d *drain) refuse(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if d.isDraining() {
			c.Response().Header().Set("Retry-After", "10")
			return c.String(http.StatusServiceUnavailable, "Rigel is shutting down; deliver again later\n")
		}
		return next(c)
	}
}

func (d *drain) isDraining() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.draining
}

// add counts an accepted delivery; false while draining.
func (d *drain) add() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.draining {
		return false
	}
	d.pending++
	return true
}

func (d *drain) done() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.pending--
	if d.draining && d.pending == 0 {
		close(d.idle)
	}
}

// scheduler counts the deliveries inner accepts until they finish, and gives each handler a
// context that ends when the grace period is over.
func (d *drain) scheduler(inner githubapp.Scheduler) githubapp.Scheduler {
	return &drainScheduler{d: d, inner: inner}
}

type drainScheduler struct {
	d     *drain
	inner githubapp.Scheduler
}

func (s *drainScheduler) Schedule(ctx context.Context, disp githubapp.Dispatch) error {
	disp, err := s.d.wrap(disp)
	if err != nil { // the hook began draining after the middleware let this one in
		return err
	}
	if err := s.inner.Schedule(ctx, disp); err != nil {
		s.d.done()
		return err
	}
	return nil
}

// wrap counts a delivery accepted (until its handler returns) and gives its handler a
// context that ends when the grace period is over; it fails while draining. Deliveries
// adopted from a replica that went away (inbox.Adopter) are wrapped by it too.
func (d *drain) wrap(disp githubapp.Dispatch) (githubapp.Dispatch, error) {
	if !d.add() {
		return disp, fmt.Errorf("rigel is shutting down: %w", githubapp.ErrCapacityExceeded)
	}
	disp.Handler = &drainHandler{d: d, next: disp.Handler}
	return disp, nil
}

type drainHandler struct {
	d    *drain
	next githubapp.EventHandler
}

func (h *drainHandler) Handles() []string { return h.next.Handles() }

func (h *drainHandler) Handle(ctx context.Context, eventType, deliveryID string, payload []byte) error {
	defer h.d.done()
	if h.d.work.Err() != nil { // still queued when the grace period ended: left recorded, for another replica
		return inbox.ErrNotRun
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(h.d.work, func() { cancel(context.Cause(h.d.work)) })
	defer stop()
	return h.next.Handle(ctx, eventType, deliveryID, payload)
}

// shutdown refuses new deliveries, lets those accepted finish within the grace period, then
// cuts the rest short and gives them CutShortWait to say so.
func (d *drain) shutdown(log zerolog.Logger) {
	if d.then != nil {
		defer d.then()
	}
	d.mu.Lock()
	if !d.draining {
		d.draining = true
		if d.pending == 0 {
			close(d.idle)
		}
	}
	pending := d.pending
	d.mu.Unlock()
	log.Info().Int("pending", pending).Dur("grace", d.grace).Msg("draining: new deliveries are answered 503; running commands may finish")
	grace := time.NewTimer(d.grace)
	defer grace.Stop()
	select {
	case <-d.idle:
		log.Info().Msg("drained: no command is running")
		return
	case <-grace.C:
	}
	d.mu.Lock()
	pending = d.pending
	d.mu.Unlock()
	log.Warn().Int("pending", pending).Msg("the grace period is over: cutting running commands short")
	d.stopWork(coord.ErrShuttingDown)
	select {
	case <-d.idle:
	case <-time.After(CutShortWait):
		log.Warn().Msg("some commands cut short did not reply in time")
	}
}
