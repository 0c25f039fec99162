package inbox

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/palantir/go-githubapp/githubapp"
)

// recorder is a handler that records the deliveries it runs, and blocks while gate is open.
type recorder struct {
	mu   gosync.Mutex
	ran  []string
	gate chan struct{} // closed: run freely
	all  chan struct{} // closed once want deliveries ran
	want int
}

func newRecorder(want int) *recorder {
	return &recorder{gate: make(chan struct{}), all: make(chan struct{}), want: want}
}

func (r *recorder) Handles() []string { return []string{"issue_comment"} }

func (r *recorder) Handle(ctx context.Context, _, id string, _ []byte) error {
	<-r.gate
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ran = append(r.ran, id)
	if len(r.ran) == r.want {
		close(r.all)
	}
	return nil
}

func (r *recorder) order() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ran...)
}

func payload(installation int, pad int) []byte {
	return fmt.Appendf(nil, `{"installation":{"id":%d},"pad":"%s"}`, installation, strings.Repeat("x", pad))
}

// randomPayload is payload with a pad that does not compress.
func randomPayload(installation int, pad int) []byte {
	return fmt.Appendf(nil, `{"installation":{"id":%d},"pad":"%s"}`, installation, randomText(pad))
}

func randomText(n int) string {
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(rand.Text())
	}
	return b.String()[:n]
}

func dispatch(h githubapp.EventHandler, id string, installation, pad int) githubapp.Dispatch {
	return githubapp.Dispatch{Handler: h, EventType: "issue_comment", DeliveryID: id, Payload: payload(installation, pad)}
}

// TestSchedulerFairAcrossInstallations: with one worker busy, 50 deliveries of installation
// 1 queue, then one of installation 2 and one of 3: those two run right after the first
// of installation 1, not after all 50.
func TestSchedulerFairAcrossInstallations(t *testing.T) {
	r := newRecorder(53)
	s := New(Options{Workers: 1, MaxBytes: 64 << 20, MaxCount: 1000})
	defer s.Close()
	ctx := context.Background()
	if err := s.Schedule(ctx, dispatch(r, "busy-0", 1, 10)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return s.Busy() == 1 }) // the worker holds busy-0
	for i := 1; i <= 50; i++ {
		if err := s.Schedule(ctx, dispatch(r, fmt.Sprintf("busy-%d", i), 1, 10)); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []githubapp.Dispatch{dispatch(r, "other-2", 2, 10), dispatch(r, "other-3", 3, 10)} {
		if err := s.Schedule(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	close(r.gate)
	select {
	case <-r.all:
	case <-time.After(10 * time.Second):
		t.Fatalf("ran %d of 53", len(r.order()))
	}
	got := r.order()
	if want := []string{"busy-0", "busy-1", "other-2", "other-3", "busy-2"}; fmt.Sprint(got[:5]) != fmt.Sprint(want) {
		t.Fatalf("first runs %v, want %v", got[:5], want)
	}
	if got[52] != "busy-50" {
		t.Fatalf("last run %s, want busy-50 (one installation's deliveries keep their order)", got[52])
	}
}

// TestSchedulerBoundedByBytes: deliveries queue while their bytes fit; the next is refused
// with githubapp.ErrCapacityExceeded (answered 503), and runs nothing; once workers take
// some, there is room again. A burst of 1,000 typical deliveries fits the default bound.
func TestSchedulerBoundedByBytes(t *testing.T) {
	r := newRecorder(-1)
	const pad = 20_000
	per := Cost(payload(1, pad))
	dispatch := func(h githubapp.EventHandler, id string, installation, pad int) githubapp.Dispatch { // payloads that do not compress
		return githubapp.Dispatch{Handler: h, EventType: "issue_comment", DeliveryID: id, Payload: randomPayload(installation, pad)}
	}
	s := New(Options{Workers: 1, MaxBytes: 10 * per, MaxCount: 1000})
	defer func() { close(r.gate); s.Close() }()
	ctx := context.Background()
	if err := s.Schedule(ctx, dispatch(r, "running", 1, pad)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return s.Busy() == 1 })
	for i := range 10 {
		if err := s.Schedule(ctx, dispatch(r, fmt.Sprint(i), 1+i%3, pad)); err != nil {
			t.Fatalf("delivery %d of 10 refused: %v", i, err)
		}
	}
	err := s.Schedule(ctx, dispatch(r, "one too many", 4, pad))
	if !errors.Is(err, githubapp.ErrCapacityExceeded) {
		t.Fatalf("the 11th delivery: %v, want ErrCapacityExceeded", err)
	}
	// a small one does not fit either: the bound is on bytes, and they are all taken
	if err := s.Schedule(ctx, dispatch(r, "small", 5, 0)); !errors.Is(err, githubapp.ErrCapacityExceeded) {
		t.Fatalf("a small delivery over the bound: %v, want ErrCapacityExceeded", err)
	}
	if n, b := s.Waiting(); n != 10 || b != 10*per {
		t.Fatalf("waiting %d deliveries, %d bytes; want 10, %d", n, b, 10*per)
	}
	if s.Dropped() != 2 {
		t.Fatalf("dropped %d, want 2", s.Dropped())
	}
}

// TestSchedulerBurstAtDefaults: 1,000 deliveries of 25 KB (a large issue_comment) at once,
// with the default bound and no worker free, are all queued.
func TestSchedulerBurstAtDefaults(t *testing.T) {
	r := newRecorder(1000)
	s := New(Options{Workers: 4, MaxBytes: DefaultMaxBytes, MaxCount: DefaultMaxCount})
	ctx := context.Background()
	for i := range 1000 {
		if err := s.Schedule(ctx, dispatch(r, fmt.Sprint(i), i%7, 25_000)); err != nil {
			t.Fatalf("delivery %d of 1,000 refused: %v", i, err)
		}
	}
	close(r.gate)
	<-r.all
	s.Close()
}

// TestSchedulerPanicIsAnError: a handler's panic is reported, and the worker goes on.
func TestSchedulerPanicIsAnError(t *testing.T) {
	errs := make(chan error, 1)
	s := New(Options{Workers: 1, MaxBytes: 1 << 20, MaxCount: 10,
		OnError: func(_ context.Context, _ githubapp.Dispatch, err error) { errs <- err }})
	r := newRecorder(1)
	close(r.gate)
	ctx := context.Background()
	if err := s.Schedule(ctx, githubapp.Dispatch{Handler: panicker{}, DeliveryID: "p", Payload: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if err := <-errs; !strings.Contains(err.Error(), "panicked: boom") {
		t.Fatalf("error %v, want the panic", err)
	}
	if err := s.Schedule(ctx, dispatch(r, "after", 1, 0)); err != nil {
		t.Fatal(err)
	}
	<-r.all
	s.Close()
}

type panicker struct{}

func (panicker) Handles() []string { return nil }
func (panicker) Handle(context.Context, string, string, []byte) error {
	panic("boom")
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10s")
		}
		time.Sleep(time.Millisecond)
	}
}

// payloadCheck is a handler that checks each delivery's payload is the one sent.
type payloadCheck struct {
	gate chan struct{}
	mu   gosync.Mutex
	want map[string][]byte
	ran  int
	bad  []string
}

func (p *payloadCheck) Handles() []string { return []string{"issue_comment"} }

func (p *payloadCheck) Handle(_ context.Context, _, id string, payload []byte) error {
	<-p.gate
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ran++
	if string(payload) != string(p.want[id]) {
		p.bad = append(p.bad, id)
	}
	return nil
}

// TestSchedulerPacksWhenFilling: once the queue is a quarter full, the payloads of the
// deliveries queued next are kept gzipped and cost their packed size, so a burst of
// deliveries several times the bound in raw bytes is queued; each runs with its payload
// as sent.
func TestSchedulerPacksWhenFilling(t *testing.T) {
	const pad, fit, sent = 12_000, 100, 400
	per := Cost(payload(1, pad))
	h := &payloadCheck{gate: make(chan struct{}), want: map[string][]byte{}}
	s := New(Options{Workers: 1, MaxBytes: fit * per, MaxCount: 10000})
	ctx := context.Background()
	for i := range sent {
		d := githubapp.Dispatch{Handler: h, EventType: "issue_comment", DeliveryID: fmt.Sprint(i), Payload: fmt.Appendf(payload(i%5, pad), "%d", i)}
		h.want[d.DeliveryID] = append([]byte(nil), d.Payload...)
		if err := s.Schedule(ctx, d); err != nil {
			t.Fatalf("delivery %d of %d refused (%d raw fit the bound): %v", i, sent, fit, err)
		}
	}
	if n, b := s.Waiting(); b > fit*per || n < sent-1 {
		t.Fatalf("waiting %d deliveries, %d bytes; want about %d within %d", n, b, sent, fit*per)
	}
	close(h.gate)
	s.Close()
	if h.ran != sent || len(h.bad) > 0 {
		t.Fatalf("ran %d of %d; payloads changed: %v", h.ran, sent, h.bad)
	}
}
