package inbox

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	gosync "sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/kube"
)

// Delivery is what the journal records of one delivery: enough to run it again.
type Delivery struct {
	EventType  string `json:"event"`
	DeliveryID string `json:"id"`
	Payload    []byte `json:"payload"`
}

// Store keeps batches of recorded deliveries where every replica finds them (kube.Inbox).
type Store interface {
	Create(ctx context.Context, owner string, data []byte) (kube.InboxBatch, error)
	Delete(ctx context.Context, b kube.InboxBatch) error
	Owned(ctx context.Context, owner string) ([]kube.InboxBatch, error)
	Adopt(ctx context.Context, b kube.InboxBatch, owner string) (kube.InboxBatch, error)
}

// LeaseLabel labels the inbox Leases of the replicas (rigel.dev/lease=inbox).
const LeaseLabel = "rigel.dev/lease"

// Bounds of a batch: the deliveries waiting when a write starts go in one record (group
// commit), up to maxBatchRaw bytes of payloads; compressed, a record stays under
// maxBatchStored (a ConfigMap holds 1 MiB), else it is split.
const (
	maxBatchRaw    = 4 << 20
	maxBatchStored = 900 << 10
	recordTimeout  = 10 * time.Second
	// writers is the records written at once: a delivery arriving while one is written
	// starts the next at once rather than waiting for it (the answer waits for one write,
	// not two), and the deliveries arriving meanwhile share it.
	writers = 3
	// recordBehind is how long after its answer a delivery answered before recording
	// (AckQueued) waits for its record: one that has run by then needs none, and those answered
	// meanwhile share one record. At 100 deliveries a second of quick commands (`go run
	// ./cmd/bench load`) that is a record for about one delivery in four instead of one for
	// each (a create and, once run, a delete): less apiserver load, which slowed every answer
	// of the machine. It widens the window a dead replica's
	// adopter recovers from GitHub's delivery log by as much; RecordedUntil accounts for it.
	recordBehind = 200 * time.Millisecond
)

// Ack is when a delivery is answered 202: once its record is written (AckRecorded), or once it
// is queued in memory, its record written behind the answer (AckQueued).
//
// AckQueued is for a GitHub App, whose webhook delivery log (GET /app/hook/deliveries) is a
// durable record every replica can read: the journal publishes on its inbox Lease the time
// before which every delivery it answered is recorded or has run (RecordedUntilAnnotation);
// when the replica dies, the replica that adopts its Lease asks GitHub to redeliver every
// delivery the log shows answered 2xx from a little before that time to the Lease's expiry
// (Adopter.Recover), and the shared dedupe runs any of them that already ran no more. With a
// personal access token there is no such log, so a delivery is answered once recorded.
type Ack int

const (
	AckRecorded Ack = iota // answered once recorded in the apiserver (token accounts)
	AckQueued              // answered once queued; recorded behind, recovered from GitHub's log (apps)
)

// Annotations of an inbox Lease of a journal that answers before recording (AckQueued).
const (
	// RecordedUntilAnnotation: every delivery the replica answered before this time
	// (RFC 3339) is recorded, or has run.
	RecordedUntilAnnotation = "rigel.dev/inbox-recorded-until"
	// ExpiredAtAnnotation: when the replica's Lease expired, written by the replica that
	// adopts it first (the end of the window to recover).
	ExpiredAtAnnotation = "rigel.dev/inbox-expired-at"
)

// Journal records the deliveries a replica accepts before they are answered (AckRecorded), or
// just after (AckQueued), and deletes each record once all its deliveries ran. Deliveries that arrive while a record is written wait
// for the next, and are written together (group commit): one write of the apiserver per
// write in flight, not per delivery. The records belong to this replica's inbox Lease (Owner);
// when that Lease expires another replica adopts them (adopt.go).
type Journal struct {
	store Store
	held  *kube.Held
	owner string

	log zerolog.Logger

	kick    chan struct{}
	stop    chan struct{}
	stopped chan struct{}

	ack Ack

	mu         gosync.Mutex
	pending    []*waiter
	open       map[*batch]struct{}  // records with deliveries not finished
	unrecorded map[*waiter]struct{} // AckQueued: answered, not recorded and not finished
	writing    gosync.WaitGroup     // records being written
	deletes    gosync.WaitGroup
}

// batch is one record and how many of its deliveries have not finished.
type batch struct {
	rec  kube.InboxBatch
	left int // guarded by Journal.mu
}

type waiter struct {
	d         Delivery
	z         []byte    // d.Payload gzipped (d.Payload nil then); nil: d.Payload as is
	at        time.Time // when it was accepted
	done      chan struct{}
	rec       *batch
	err       error
	abandoned bool // guarded by Journal.mu: Record returned before the write ended
	finished  bool // guarded by Journal.mu: AckQueued, it ran before its record was written
	written   bool // guarded by Journal.mu: its write ended (rec or err set)
}

// Open takes this replica's inbox Lease (a new name for each process, so a restarted replica
// adopts what its former self left like any other) and starts writing records; ack says
// whether deliveries are answered before their record is written (AckQueued) or after.
func Open(ctx context.Context, store Store, leases *kube.Leases, ack Ack) (*Journal, error) {
	name := "rigel-inbox-" + strings.ToLower(rand.Text()[:12])
	annotations := map[string]string{"rigel.dev/replica": leases.Identity}
	if ack == AckQueued {
		annotations[RecordedUntilAnnotation] = formatTime(time.Now())
	}
	held, err := leases.Acquire(ctx, name, map[string]string{LeaseLabel: "inbox"}, annotations)
	if err != nil {
		return nil, fmt.Errorf("failed to take this replica's inbox lease: %w", err)
	}
	j := &Journal{store: store, held: held, owner: name, ack: ack, log: *zerolog.Ctx(ctx), kick: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{}),
		open: map[*batch]struct{}{}, unrecorded: map[*waiter]struct{}{}}
	var loops gosync.WaitGroup
	for range writers {
		loops.Add(1)
		go func() { defer loops.Done(); j.commitLoop() }()
	}
	if ack == AckQueued {
		loops.Add(1)
		go func() { defer loops.Done(); j.publishLoop(leases.Duration) }()
	}
	go func() { loops.Wait(); close(j.stopped) }()
	return j, nil
}

// Ack is when this journal's deliveries are answered.
func (j *Journal) Ack() Ack { return j.ack }

// Owner is the name of this replica's inbox Lease, which its records are labelled with.
func (j *Journal) Owner() string { return j.owner }

// Record writes d and returns its record once written (nil for a delivery too large to
// record: it runs, unrecorded, and that is logged).
func (j *Journal) Record(ctx context.Context, d Delivery) (*batch, error) {
	if err := j.held.Err(); err != nil {
		return nil, fmt.Errorf("this replica lost its inbox lease, so its records would not be found: %w", err)
	}
	w := &waiter{d: d, done: make(chan struct{})}
	j.mu.Lock()
	j.pending = append(j.pending, w)
	j.mu.Unlock()
	select {
	case j.kick <- struct{}{}:
	default:
	}
	select {
	case <-w.done:
		if w.err == nil && w.rec == nil {
			zerolog.Ctx(ctx).Warn().Str("delivery", d.DeliveryID).Int("bytes", len(d.Payload)).Msg("delivery too large to record: it runs, but is lost if this replica dies first")
		}
		return w.rec, w.err
	case <-ctx.Done():
		j.mu.Lock()
		defer j.mu.Unlock()
		select {
		case <-w.done: // written meanwhile: its record is forgotten below, as the delivery is refused
			if w.rec != nil {
				j.finishLocked(w.rec)
			}
		default:
			w.abandoned = true
		}
		return nil, fmt.Errorf("the record of delivery %s was not written in time: %w", d.DeliveryID, ctx.Err())
	case <-j.stop:
		return nil, errors.New("this replica is stopping")
	}
}

// Enqueue has d recorded behind its answer (AckQueued): it returns at once, and the worker
// that runs d tells the journal with finish. It fails only when this replica lost its
// inbox Lease (its records would not be found, nor its unrecorded window).
func (j *Journal) Enqueue(d Delivery) (*waiter, error) {
	return j.enqueue(d, nil)
}

// enqueue is Enqueue of a delivery whose payload may be packed (gzipped) in z, d.Payload nil
// then: it waits for its record packed, and is unpacked as it is written.
func (j *Journal) enqueue(d Delivery, z []byte) (*waiter, error) {
	if err := j.held.Err(); err != nil {
		return nil, fmt.Errorf("this replica lost its inbox lease, so its records would not be found: %w", err)
	}
	w := &waiter{d: d, z: z, at: time.Now(), done: make(chan struct{})}
	j.mu.Lock()
	j.pending = append(j.pending, w)
	j.unrecorded[w] = struct{}{}
	j.mu.Unlock()
	select {
	case j.kick <- struct{}{}:
	default:
	}
	return w, nil
}

// finish tells the journal a delivery Enqueue took has run: its record (if written) is
// deleted after its last delivery; one not written yet is left out of it.
func (j *Journal) finish(w *waiter) {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.unrecorded, w)
	if !w.written {
		w.finished = true
		return
	}
	if w.rec != nil {
		j.finishLocked(w.rec)
	}
}

// RecordedUntil is the time before which every delivery this journal answered is recorded
// or has run: the acceptance of the oldest answered and neither, else now.
func (j *Journal) RecordedUntil() time.Time {
	j.mu.Lock()
	defer j.mu.Unlock()
	until := time.Now()
	for w := range j.unrecorded {
		if w.at.Before(until) {
			until = w.at
		}
	}
	return until
}

// publishLoop writes RecordedUntil on the inbox Lease every third of its duration, until the
// journal stops.
func (j *Journal) publishLoop(lease time.Duration) {
	t := time.NewTicker(max(lease/3, 100*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-j.stop:
			return
		case <-t.C:
		}
		j.publish()
	}
}

func (j *Journal) publish() {
	if err := j.held.Annotate(map[string]string{RecordedUntilAnnotation: formatTime(j.RecordedUntil())}); err != nil {
		j.log.Warn().Err(err).Str("inbox", j.owner).Msg("failed to publish up to when this replica's deliveries are recorded; the window recovered should it die grows")
	}
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// ParseTime reads a time of RecordedUntilAnnotation or ExpiredAtAnnotation.
func ParseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

func (j *Journal) commitLoop() {
	for {
		select {
		case <-j.stop:
			j.failPending(errors.New("this replica is stopping"))
			return
		case <-j.kick:
		}
		if !j.gather() {
			j.failPending(errors.New("this replica is stopping"))
			return
		}
		j.writeWaiting()
	}
}

// gather waits, for a journal that answers before recording (AckQueued), until the oldest
// delivery waiting was answered recordBehind ago; false when the journal stops meanwhile
// (Close writes what waits itself).
func (j *Journal) gather() bool {
	if j.ack != AckQueued {
		return true
	}
	j.mu.Lock()
	var oldest time.Time
	if len(j.pending) > 0 {
		oldest = j.pending[0].at
	}
	j.mu.Unlock()
	wait := time.Until(oldest.Add(recordBehind))
	if oldest.IsZero() || wait <= 0 {
		return true
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-j.stop:
		return false
	}
}

// writeWaiting writes records of the deliveries waiting until none waits.
func (j *Journal) writeWaiting() {
	for {
		ws := j.take()
		if len(ws) == 0 {
			return
		}
		j.commit(ws)
		j.writing.Done()
	}
}

// take is the deliveries waiting, up to maxBatchRaw bytes (at least one), less those that
// ran already (AckQueued: they need no record). Its writes are counted in writing.
func (j *Journal) take() []*waiter {
	j.mu.Lock()
	defer j.mu.Unlock()
	for {
		n, size := 0, 0
		for n < len(j.pending) && (n == 0 || size+len(j.pending[n].d.Payload) <= maxBatchRaw) {
			size += len(j.pending[n].d.Payload)
			n++
		}
		var ws []*waiter
		for _, w := range j.pending[:n] {
			if w.finished {
				w.written, w.d.Payload, w.z = true, nil, nil
				close(w.done)
				continue
			}
			ws = append(ws, w)
		}
		j.pending = j.pending[n:]
		if len(ws) > 0 || n == 0 {
			if len(ws) > 0 {
				j.writing.Add(1)
			}
			return ws
		}
	}
}

func (j *Journal) failPending(err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	ws := j.pending
	j.pending = nil
	for _, w := range ws {
		w.err, w.written = err, true
		close(w.done)
	}
}

// flush writes the records of the deliveries waiting, and waits for the writes under way.
func (j *Journal) flush() {
	j.writeWaiting()
	j.writing.Wait()
}

// commit writes one record of ws (split in halves while too large compressed).
func (j *Journal) commit(ws []*waiter) {
	data, err := encode(ws)
	if err == nil && len(data) > maxBatchStored {
		if len(ws) > 1 {
			j.commit(ws[:len(ws)/2])
			j.commit(ws[len(ws)/2:])
			return
		}
		j.mu.Lock()
		for _, w := range ws { // too large alone: not recorded
			w.written = true
			close(w.done)
		}
		j.mu.Unlock()
		return
	}
	var rec kube.InboxBatch
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
		rec, err = j.store.Create(ctx, j.owner, data)
		cancel()
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	var b *batch
	if err == nil {
		b = &batch{rec: rec, left: len(ws)}
		j.open[b] = struct{}{}
	}
	for _, w := range ws {
		w.rec, w.err, w.written = b, err, true
		w.d.Payload, w.z = nil, nil // recorded (or not): the queue holds it, packed when it fills
		switch {
		case b != nil && (w.abandoned || w.finished): // refused, or ran, meanwhile
			j.finishLocked(b)
			delete(j.unrecorded, w)
		case b != nil:
			delete(j.unrecorded, w)
		case err != nil && j.ack == AckQueued && !w.finished:
			// answered already: it runs, and stays in the window recovered from GitHub's log
			j.log.Warn().Err(err).Str("delivery", w.d.DeliveryID).Msg("failed to record a delivery answered already: it runs, and is redelivered from GitHub's log should this replica die first")
		}
		close(w.done)
	}
}

// done tells the journal one delivery of b finished; the record is deleted after the last.
func (j *Journal) done(b *batch) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.finishLocked(b)
}

func (j *Journal) finishLocked(b *batch) {
	if b.left--; b.left > 0 {
		return
	}
	delete(j.open, b)
	j.deletes.Add(1)
	go func() {
		defer j.deletes.Done()
		for attempt := range 3 {
			ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
			err := j.store.Delete(ctx, b.rec)
			cancel()
			if err == nil {
				return
			}
			if attempt == 2 { // left behind: another replica adopts it after this one stops, and dedupe skips what ran
				j.log.Warn().Err(err).Str("record", b.rec.Name).Msg("failed to delete a record of deliveries that all ran")
			}
			time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
		}
	}()
}

// stopping reports whether Close (or crash) began.
func (j *Journal) stopping() bool {
	select {
	case <-j.stop:
		return true
	default:
		return false
	}
}

// Unfinished is the records with deliveries that have not finished.
func (j *Journal) Unfinished() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.open)
}

// Close writes the records still waiting (AckQueued), stops writing records and waits for the
// deletes under way. When deliveries that did not run are left (recorded, or not: a write
// failed), the inbox Lease is left to expire, so that another replica adopts them (and
// recovers the unrecorded ones from GitHub's log); else it is given back.
func (j *Journal) Close(ctx context.Context) error {
	if j.ack == AckQueued && !j.stopping() {
		j.flush()
	}
	select {
	case <-j.stop:
	default:
		close(j.stop)
	}
	<-j.stopped
	j.deletes.Wait()
	j.mu.Lock()
	unrecorded := len(j.unrecorded)
	j.mu.Unlock()
	if n := j.Unfinished(); n > 0 || unrecorded > 0 {
		if unrecorded > 0 {
			j.publish()
		}
		zerolog.Ctx(ctx).Warn().Int("records", n).Int("unrecorded", unrecorded).Str("inbox", j.owner).Msg("deliveries accepted and not run are left: another replica runs them once this replica's inbox lease expires")
		j.held.Abandon()
		return nil
	}
	return j.held.Release(ctx)
}

// crash stops the journal as a killed replica would: the Lease is not renewed, nothing is
// deleted. For tests.
func (j *Journal) crash() {
	select {
	case <-j.stop:
	default:
		close(j.stop)
	}
	<-j.stopped
	j.held.Abandon()
}

// record is a delivery as encoded in a batch: the payload as JSON when it is JSON (it
// compresses better), else as bytes.
type record struct {
	Event string          `json:"event"`
	ID    string          `json:"id"`
	JSON  json.RawMessage `json:"json,omitempty"`
	Raw   []byte          `json:"raw,omitempty"`
}

func encode(ws []*waiter) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	enc := json.NewEncoder(zw)
	for _, w := range ws {
		r := record{Event: w.d.EventType, ID: w.d.DeliveryID}
		payload := w.d.Payload
		if w.z != nil {
			if payload, err = unpack(w.z); err != nil {
				return nil, fmt.Errorf("delivery %s: %w", w.d.DeliveryID, err)
			}
		}
		if json.Valid(payload) {
			r.JSON = payload
		} else {
			r.Raw = payload
		}
		if err := enc.Encode(r); err != nil {
			return nil, fmt.Errorf("failed to encode delivery %s: %w", w.d.DeliveryID, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxDecoded bounds what one record may expand to (a record is written by Rigel, but read
// from the cluster: it is checked like any input).
const maxDecoded = 2 * maxBatchRaw

func decode(data []byte) ([]Delivery, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not gzip: %w", err)
	}
	dec := json.NewDecoder(io.LimitReader(zr, maxDecoded))
	var out []Delivery
	for {
		var r record
		err := dec.Decode(&r)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("delivery %d: %w", len(out)+1, err)
		}
		if r.Event == "" {
			return nil, fmt.Errorf("delivery %d names no event", len(out)+1)
		}
		p := []byte(r.JSON)
		if len(p) == 0 {
			p = r.Raw
		}
		out = append(out, Delivery{EventType: r.Event, DeliveryID: r.ID, Payload: p})
	}
}
