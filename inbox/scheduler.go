package inbox

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/palantir/go-githubapp/githubapp"
	"github.com/rs/zerolog"
)

// entryOverhead is what a queued delivery costs besides its payload (its Dispatch, context
// and bookkeeping), counted against MaxBytes.
const entryOverhead = 1 << 10

// ErrNotRun is what a handler returns for a delivery it did not start (its replica stops):
// the delivery's record is kept, for another replica to run it.
var ErrNotRun = errors.New("the delivery was not run: this replica is stopping")

// Options are the settings of a Scheduler.
type Options struct {
	Workers  int   // deliveries run at once; < 1: 1
	MaxBytes int64 // the payload bytes waiting at most (RIGEL_QUEUE_BYTES); < 1: 1
	MaxCount int   // the deliveries waiting at most (RIGEL_QUEUE_SIZE); < 1: 1
	// Journal, when set, records each delivery and forgets it when its run ends: before
	// Schedule returns (so before it is answered) with AckRecorded, behind it with AckQueued;
	// nil: deliveries live in memory only.
	Journal *Journal
	// OnError is told a handler's error or panic; nil: logged.
	OnError githubapp.AsyncErrorCallback
	// Deriver makes a delivery's context from the request's; nil: githubapp.DefaultContextDeriver.
	Deriver githubapp.ContextDeriver
}

// Scheduler is a githubapp.Scheduler: Workers goroutines run the deliveries of a fairQueue
// bounded by MaxBytes and MaxCount, taking turns between installations (Lane). A delivery
// that does not fit is refused with githubapp.ErrCapacityExceeded (answered 503).
type Scheduler struct {
	opts    Options
	q       *fairQueue[job]
	busy    atomic.Int64
	dropped atomic.Int64
	wg      gosync.WaitGroup
}

// job is a delivery waiting for a worker.
type job struct {
	ctx  context.Context
	d    githubapp.Dispatch
	rec  *batch  // the journal's record of it; nil: none
	pend *waiter // AckQueued: its record, written behind the answer; nil: none
	z    []byte  // its payload gzipped while it waits (d.Payload nil then); nil: d.Payload as is
	at   time.Time
}

// New starts a Scheduler's workers; Close stops them.
func New(opts Options) *Scheduler {
	if opts.Deriver == nil {
		opts.Deriver = githubapp.DefaultContextDeriver
	}
	s := &Scheduler{opts: opts, q: newFairQueue[job](opts.MaxBytes, opts.MaxCount)}
	for range max(opts.Workers, 1) {
		s.wg.Add(1)
		go s.work()
	}
	return s
}

// Cost is the bytes a delivery holds while it waits.
func Cost(payload []byte) int64 { return int64(len(payload)) + entryOverhead }

// Schedule queues d, recorded first when there is a journal answering once recorded
// (AckRecorded), recorded behind when it answers once queued (AckQueued). It fails with
// githubapp.ErrCapacityExceeded when the queue is full or the record could not be written
// (or, AckQueued, the journal lost its Lease), and nothing of d runs then.
func (s *Scheduler) Schedule(ctx context.Context, d githubapp.Dispatch) error {
	lane, raw := laneOf(ctx, d.Payload), d.Payload
	n, z := s.pack(&d)
	if !s.q.reserve(n) {
		s.dropped.Add(1)
		return githubapp.ErrCapacityExceeded
	}
	var rec *batch
	if s.opts.Journal != nil && s.opts.Journal.Ack() == AckQueued {
		w, err := s.opts.Journal.enqueue(Delivery{EventType: d.EventType, DeliveryID: d.DeliveryID, Payload: d.Payload}, z)
		if err != nil {
			s.q.unreserve(n)
			return fmt.Errorf("%w: %w", githubapp.ErrCapacityExceeded, err)
		}
		s.q.push(lane, n, job{ctx: s.opts.Deriver(ctx), d: d, pend: w, z: z, at: time.Now()})
		return nil
	}
	if s.opts.Journal != nil {
		r, err := s.opts.Journal.Record(ctx, Delivery{EventType: d.EventType, DeliveryID: d.DeliveryID, Payload: raw})
		if err != nil {
			s.q.unreserve(n)
			return fmt.Errorf("%w: %w", githubapp.ErrCapacityExceeded, err)
		}
		rec = r
	}
	s.q.push(lane, n, job{ctx: s.opts.Deriver(ctx), d: d, rec: rec, z: z, at: time.Now()})
	return nil
}

// Payloads are kept gzipped while they wait once the queue holds more than a quarter of
// MaxBytes: a burst takes several times more deliveries within the same memory, and at a
// steady rate (a queue near empty) no answer waits for a compression.
const packAbove = 4

// pack is what d costs while it waits: when the queue is more than 1/packAbove full, its
// payload is gzipped into z (d.Payload nil) if that is smaller.
func (s *Scheduler) pack(d *githubapp.Dispatch) (cost int64, z []byte) {
	if _, queued := s.q.size(); queued <= s.opts.MaxBytes/packAbove {
		return Cost(d.Payload), nil
	}
	zw := packers.Get().(*gzip.Writer)
	defer packers.Put(zw)
	var buf bytes.Buffer
	zw.Reset(&buf)
	_, err := zw.Write(d.Payload)
	if err == nil {
		err = zw.Close()
	}
	if err != nil || buf.Len() >= len(d.Payload) {
		return Cost(d.Payload), nil
	}
	d.Payload = nil
	return Cost(buf.Bytes()), bytes.Clone(buf.Bytes())
}

// packers are the gzip writers of pack (each holds about a megabyte: made once, not per delivery).
var packers = gosync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return zw
}}

// unpack is a payload pack gzipped.
func unpack(z []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, fmt.Errorf("failed to unpack a payload: %w", err)
	}
	p, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("failed to unpack a payload: %w", err)
	}
	return p, nil
}

// unpack gives j back its payload.
func (j *job) unpack() (err error) {
	if j.z == nil {
		return nil
	}
	if j.d.Payload, err = unpack(j.z); err != nil {
		return fmt.Errorf("delivery %s: %w", j.d.DeliveryID, err)
	}
	j.z = nil
	return nil
}

// takeAdopted queues a delivery adopted from a replica that went away (recorded already).
// Adopt checked there was room for its record, so it is queued even over the bound.
func (s *Scheduler) takeAdopted(ctx context.Context, d githubapp.Dispatch, rec *batch) {
	n := Cost(d.Payload)
	s.q.forceReserve(n)
	s.q.push(Lane(d.Payload), n, job{ctx: s.opts.Deriver(ctx), d: d, rec: rec, at: time.Now()})
}

// room reports whether n bytes more would be queued now.
func (s *Scheduler) room(n int64) bool {
	if !s.q.reserve(n) {
		return false
	}
	s.q.unreserve(n)
	return true
}

func (s *Scheduler) work() {
	defer s.wg.Done()
	for {
		j, ok := s.q.pop()
		if !ok {
			return
		}
		err := s.run(j)
		if errors.Is(err, ErrNotRun) { // left to another replica: recorded, or in the window it recovers
			continue
		}
		if j.rec != nil {
			s.opts.Journal.done(j.rec)
		}
		if j.pend != nil {
			s.opts.Journal.finish(j.pend)
		}
	}
}

// run runs one delivery, turning a panic into an error.
func (s *Scheduler) run(j job) (err error) {
	s.busy.Add(1)
	defer func() {
		s.busy.Add(-1)
		if r := recover(); r != nil {
			err = fmt.Errorf("the handler of delivery %s panicked: %v\n%s", j.d.DeliveryID, r, debug.Stack())
		}
		if err != nil && !errors.Is(err, ErrNotRun) {
			if s.opts.OnError != nil {
				s.opts.OnError(j.ctx, j.d, err)
			} else {
				zerolog.Ctx(j.ctx).Error().Err(err).Str("event", j.d.EventType).Str("delivery", j.d.DeliveryID).Msg("failed to handle event")
			}
		}
	}()
	if err := j.unpack(); err != nil {
		return err
	}
	return j.d.Execute(j.ctx)
}

// Waiting is the deliveries queued (or being recorded) and their bytes.
func (s *Scheduler) Waiting() (count int, bytes int64) { return s.q.size() }

// Busy is the workers running a delivery now.
func (s *Scheduler) Busy() int64 { return s.busy.Load() }

// Dropped is the deliveries refused because the queue was full.
func (s *Scheduler) Dropped() int64 { return s.dropped.Load() }

// Close refuses new deliveries, lets the workers run those queued (a handler that returns
// ErrNotRun leaves its record), and returns when they have.
func (s *Scheduler) Close() {
	s.q.close()
	s.wg.Wait()
}

// The defaults of the bounds: 64 MiB holds 1,000 deliveries of 25 KB (a large
// issue_comment; most are 5–15 KB) with room to spare, and 10,000 deliveries is a cap on the
// count far above it, for many small ones.
const (
	DefaultMaxBytes = 64 << 20
	DefaultMaxCount = 10000
)
