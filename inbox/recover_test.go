package inbox

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"
	"testing"
	"time"

	"github.com/palantir/go-githubapp/githubapp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/kube"
)

// deliveryLog stands for GitHub's log of the app's webhook deliveries: each delivery answered
// 2xx, with when.
type deliveryLog struct {
	mu      gosync.Mutex
	entries []logEntry
}

type logEntry struct {
	id string
	at time.Time
}

func (g *deliveryLog) add(id string, at time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.entries = append(g.entries, logEntry{id, at})
}

func (g *deliveryLog) between(from, to time.Time) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, e := range g.entries {
		if !e.at.Before(from) && !e.at.After(to) {
			out = append(out, e.id)
		}
	}
	return out
}

// stuckStore is a Store whose writes of records never succeed (fault injection): each
// blocks until its context ends or the test cuts it, then fails.
type stuckStore struct {
	Store
	cut chan struct{}
}

func (s *stuckStore) Create(ctx context.Context, _ string, _ []byte) (kube.InboxBatch, error) {
	select {
	case <-ctx.Done():
	case <-s.cut:
	}
	return kube.InboxBatch{}, errors.New("injected: the record was not written")
}

// TestAckedUnrecordedRecoveredFromTheLog (issue 14): replicas answer each delivery as soon as
// it is queued (AckQueued), its record written behind. r0's records are never written (fault
// injection in its journal's store) and it is killed with deliveries it answered still
// queued. r1 takes over r0's inbox Lease once expired and asks "GitHub" (the test's delivery
// log) to redeliver every delivery answered 2xx in the window r0's Lease says it had not
// recorded; they reach r1, and every delivery answered runs exactly once — those r0 ran
// before it died are not run again (the shared dedupe).
func TestAckedUnrecordedRecoveredFromTheLog(t *testing.T) {
	ctx, ns := newNamespace(t)
	l := &ledger{ran: map[string]int{}, by: map[string]string{}}
	stuck := &stuckStore{Store: &kube.Inbox{Client: testClient.Typed, Namespace: ns}, cut: make(chan struct{})}
	r0 := startInstanceWith(t, ctx, ns, "r0", l, 1, 20*time.Millisecond, stuck, AckQueued)
	r1 := startInstanceWith(t, ctx, ns, "r1", l, 2, time.Millisecond, &kube.Inbox{Client: testClient.Typed, Namespace: ns}, AckQueued)
	ghLog := &deliveryLog{}
	deliver := func(in *instance, id string) error {
		d := githubapp.Dispatch{EventType: "issue_comment", DeliveryID: id, Payload: payload(1, 2000)}
		d.Handler = in.adopter.Handlers["issue_comment"]
		start := time.Now()
		if err := in.queue.Schedule(ctx, d); err != nil {
			return err
		}
		if took := time.Since(start); took > 100*time.Millisecond {
			t.Errorf("delivery %s answered after %s: it waited for its record", id, took)
		}
		ghLog.add(id, time.Now())
		return nil
	}
	var recovered []string
	var windows int
	r1.adopter.Recover = func(ctx context.Context, owner string, from, to time.Time, adopted map[string]bool) error {
		windows++
		for _, id := range ghLog.between(from, to) {
			if adopted[id] {
				continue
			}
			recovered = append(recovered, id)
			if err := deliver(r1, id); err != nil { // GitHub redelivers it, to the living
				return err
			}
		}
		return nil
	}

	const total = 200
	for i := range total {
		in := r0
		if i%4 == 3 {
			in = r1
		}
		if err := deliver(in, fmt.Sprintf("d-%03d", i)); err != nil {
			t.Fatalf("delivery %d refused: %v", i, err)
		}
	}
	time.Sleep(300 * time.Millisecond) // r0 runs some of its own
	queued, _ := r0.queue.Waiting()
	r0.dead.Store(true)
	close(stuck.cut)
	r0.journal.crash()
	if queued == 0 {
		t.Fatal("r0 had no delivery queued when killed: the test proves nothing")
	}
	l.mu.Lock()
	ranOnR0 := 0
	for _, who := range l.by {
		if who == "r0" {
			ranOnR0++
		}
	}
	l.mu.Unlock()
	if ranOnR0 == 0 {
		t.Fatal("r0 ran nothing before it was killed: the test proves nothing of the dedupe")
	}
	if list, err := testClient.Typed.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{LabelSelector: kube.InboxLabel + "=" + r0.journal.Owner()}); err != nil || len(list.Items) != 0 {
		t.Fatalf("r0 has %d records (%v): the fault injection did not hold", len(list.Items), err)
	}

	l.waitAll(t, total, func() string {
		return fmt.Sprintf("%d were queued on r0 when killed, %d recovered in %d windows", queued, len(recovered), windows)
	})
	time.Sleep(time.Second) // more rounds of adoption: nothing runs twice
	l.mu.Lock()
	for i := range total {
		id := fmt.Sprintf("d-%03d", i)
		if l.ran[id] != 1 {
			t.Errorf("delivery %s ran %d times, want once", id, l.ran[id])
		}
	}
	l.mu.Unlock()
	if windows != 1 {
		t.Errorf("r0's window was recovered %d times, want once", windows)
	}
	t.Logf("r0 ran %d and had %d queued when killed; %d redelivered from the log", ranOnR0, queued, len(recovered))
	waitFor(t, func() bool {
		_, err := testClient.Typed.CoordinationV1().Leases(ns).Get(ctx, r0.journal.Owner(), metav1.GetOptions{})
		return err != nil
	})
}

// TestJournalQueuedPublishesRecordedUntil: a journal answering before recording publishes
// on its Lease the time before which every delivery it answered is recorded or ran: held
// back by a delivery whose record is not written, moving on once it ran.
func TestJournalQueuedPublishesRecordedUntil(t *testing.T) {
	ctx, ns := newNamespace(t)
	stuck := &stuckStore{Store: &kube.Inbox{Client: testClient.Typed, Namespace: ns}, cut: make(chan struct{})}
	leases := &kube.Leases{Client: testClient.Typed, Namespace: ns, Identity: "p", Duration: time.Second}
	j, err := Open(ctx, stuck, leases, AckQueued)
	if err != nil {
		t.Fatal(err)
	}
	defer j.crash()
	defer close(stuck.cut)
	published := func() time.Time {
		t.Helper()
		l, err := leases.Get(ctx, j.Owner())
		if err != nil {
			t.Fatal(err)
		}
		at, err := ParseTime(l.Annotations[RecordedUntilAnnotation])
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	before := time.Now()
	w, err := j.Enqueue(Delivery{EventType: "issue_comment", DeliveryID: "a", Payload: payload(1, 10)})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1200 * time.Millisecond) // several publications
	if at := published(); at.After(w.at) || at.Before(before.Add(-time.Second)) {
		t.Fatalf("published %s, want the acceptance of the unrecorded delivery, %s", at, w.at)
	}
	j.finish(w) // it ran
	waitFor(t, func() bool { return published().After(w.at) })
}

// TestPackedDeliveriesRecordedWhole: deliveries packed in a filling queue (AckQueued) are
// recorded with their payloads as sent.
func TestPackedDeliveriesRecordedWhole(t *testing.T) {
	ctx, ns := newNamespace(t)
	store := &kube.Inbox{Client: testClient.Typed, Namespace: ns}
	leases := &kube.Leases{Client: testClient.Typed, Namespace: ns, Identity: "k", Duration: 5 * time.Second}
	j, err := Open(ctx, store, leases, AckQueued)
	if err != nil {
		t.Fatal(err)
	}
	defer j.crash()
	h := &payloadCheck{gate: make(chan struct{}), want: map[string][]byte{}}
	defer close(h.gate)
	const pad, fit, sent = 8_000, 20, 60
	s := New(Options{Workers: 1, MaxBytes: fit * Cost(payload(1, pad)), MaxCount: 1000, Journal: j})
	for i := range sent {
		d := githubapp.Dispatch{Handler: h, EventType: "issue_comment", DeliveryID: fmt.Sprint(i), Payload: fmt.Appendf(payload(1, pad), "%d", i)}
		h.want[d.DeliveryID] = append([]byte(nil), d.Payload...)
		if err := s.Schedule(ctx, d); err != nil {
			t.Fatalf("delivery %d refused: %v", i, err)
		}
	}
	got := map[string][]byte{}
	waitFor(t, func() bool {
		owned, err := store.Owned(ctx, j.Owner())
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range owned {
			ds, err := decode(b.Data)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ds {
				got[d.DeliveryID] = d.Payload
			}
		}
		return len(got) == sent
	})
	for id, p := range h.want {
		if string(got[id]) != string(p) {
			t.Fatalf("delivery %s recorded as %d bytes, want its %d as sent", id, len(got[id]), len(p))
		}
	}
}

// TestRecoveryDoesNotHoldUpAdoption: two replicas that answered before recording die, each
// with a record. While the recovery of the first window waits on GitHub (blocked here), the
// records of both are adopted and run; the second window is recovered once the first is
// done (one at a time: RIGEL_REDELIVER_RATE holds), and both dead Leases are given back.
func TestRecoveryDoesNotHoldUpAdoption(t *testing.T) {
	ctx, ns := newNamespace(t)
	store := &kube.Inbox{Client: testClient.Typed, Namespace: ns}
	var dead []*Journal
	for _, id := range []string{"dead-a", "dead-b"} {
		j, err := Open(ctx, store, &kube.Leases{Client: testClient.Typed, Namespace: ns, Identity: id, Duration: time.Second}, AckQueued)
		if err != nil {
			t.Fatal(err)
		}
		data, err := encode([]*waiter{{d: Delivery{EventType: "issue_comment", DeliveryID: "of-" + id, Payload: payload(1, 10)}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Create(ctx, j.Owner(), data); err != nil {
			t.Fatal(err)
		}
		j.crash()
		dead = append(dead, j)
	}
	l := &ledger{ran: map[string]int{}, by: map[string]string{}}
	taker := startInstance(t, ctx, ns, "taker", l, 1, 0)
	taker.stop() // adopt by hand below
	release := make(chan struct{})
	var mu gosync.Mutex
	var order []string
	taker.adopter.Recover = func(ctx context.Context, owner string, _, _ time.Time, adopted map[string]bool) error {
		mu.Lock()
		order = append(order, owner)
		first := len(order) == 1
		mu.Unlock()
		if len(adopted) != 1 {
			t.Errorf("window of %s: %d deliveries adopted from its records, want 1", owner, len(adopted))
		}
		if first {
			<-release // GitHub is slow: the first window takes a while
		}
		return nil
	}
	time.Sleep(2500 * time.Millisecond) // both dead Leases expire
	adopted := make(chan int, 1)
	go func() {
		n, err := taker.adopter.Adopt(ctx)
		if err != nil {
			t.Error(err)
		}
		adopted <- n
	}()
	select {
	case n := <-adopted:
		if n != 2 {
			t.Fatalf("adopted %d deliveries, want the 2 of the dead replicas", n)
		}
	case <-time.After(10 * time.Second):
		close(release)
		t.Fatal("the adoption round waited for the recovery of a window")
	}
	waitFor(t, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.ran["of-dead-a"] == 1 && l.ran["of-dead-b"] == 1
	})
	mu.Lock()
	if len(order) != 1 {
		t.Errorf("%d windows recovered at once, want 1 at a time", len(order))
	}
	mu.Unlock()
	close(release)
	for _, j := range dead {
		waitFor(t, func() bool {
			_, err := testClient.Typed.CoordinationV1().Leases(ns).Get(ctx, j.Owner(), metav1.GetOptions{})
			return err != nil
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if len(order) != 2 || order[0] == order[1] {
		t.Fatalf("windows recovered: %v, want each dead replica's once", order)
	}
}
