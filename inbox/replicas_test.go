package inbox

import (
	"context"
	"fmt"
	"os"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palantir/go-githubapp/githubapp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/handlers"
	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/kube"
)

var testClient *kube.Client

func TestMain(m *testing.M) {
	os.Exit(func() int {
		c, err := testenv.StartCluster()
		if err != nil {
			fmt.Fprintln(os.Stderr, "inbox:", err)
			return 1
		}
		defer c.Stop()
		if testClient, err = kube.New(c.Config); err != nil {
			fmt.Fprintln(os.Stderr, "inbox:", err)
			return 1
		}
		return m.Run()
	}())
}

var nsSeq atomic.Int32

func newNamespace(t *testing.T) (context.Context, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	ns := fmt.Sprintf("inbox-%d", nsSeq.Add(1))
	if _, err := testClient.Typed.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return ctx, ns
}

// ledger is what ran, across replicas: how many times each delivery's command ran.
type ledger struct {
	mu  gosync.Mutex
	ran map[string]int
	by  map[string]string // delivery → the replica that ran it
}

// instance is one replica: its journal, queue and adopter, and a handler that runs a
// delivery's "command" once per event (the shared dedupe of handlers.Deliveries on kube.Seen,
// as the real handlers do) and notes it in the ledger.
type instance struct {
	name    string
	journal *Journal
	queue   *Scheduler
	adopter *Adopter
	dead    atomic.Bool // killed: its workers run nothing more
	stop    func()
}

// waitAll waits up to 60 s until total deliveries ran, else fails saying why.
func (l *ledger) waitAll(t *testing.T, total int, why func() string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		l.mu.Lock()
		n := len(l.ran)
		l.mu.Unlock()
		if n == total {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60s %d of %d deliveries ran (%s)", n, total, why())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type ledgerHandler struct {
	in    *instance
	seen  *handlers.Deliveries
	l     *ledger
	delay time.Duration
}

func (h *ledgerHandler) Handles() []string { return []string{"issue_comment"} }

func (h *ledgerHandler) Handle(ctx context.Context, _, id string, _ []byte) error {
	if h.in.dead.Load() {
		return ErrNotRun // the process is gone: nothing of it runs, nothing is deleted
	}
	if !h.seen.Claim(ctx, id) {
		return nil
	}
	time.Sleep(h.delay)
	h.l.mu.Lock()
	defer h.l.mu.Unlock()
	h.l.ran[id]++
	h.l.by[id] = h.in.name
	return nil
}

func startInstance(t *testing.T, ctx context.Context, ns, name string, l *ledger, workers int, delay time.Duration) *instance {
	t.Helper()
	return startInstanceWith(t, ctx, ns, name, l, workers, delay, &kube.Inbox{Client: testClient.Typed, Namespace: ns}, AckRecorded)
}

// startInstanceWith is startInstance with the journal's store and when it answers.
func startInstanceWith(t *testing.T, ctx context.Context, ns, name string, l *ledger, workers int, delay time.Duration, store Store, ack Ack) *instance {
	t.Helper()
	leases := &kube.Leases{Client: testClient.Typed, Namespace: ns, Identity: name, Duration: 2 * time.Second}
	j, err := Open(ctx, store, leases, ack)
	if err != nil {
		t.Fatal(err)
	}
	in := &instance{name: name, journal: j}
	seen := handlers.NewDeliveries(10000)
	seen.Store = &kube.Seen{Client: testClient.Typed, Namespace: ns, Identity: name}
	h := &ledgerHandler{in: in, seen: seen, l: l, delay: delay}
	in.queue = New(Options{Workers: workers, MaxBytes: DefaultMaxBytes, MaxCount: DefaultMaxCount, Journal: j})
	in.adopter = &Adopter{Journal: j, Leases: leases, Queue: in.queue, Handlers: map[string]githubapp.EventHandler{"issue_comment": h}}
	actx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); in.adopter.Run(actx, 300*time.Millisecond) }()
	in.stop = func() { cancel(); <-done }
	t.Cleanup(in.stop)
	return in
}

// TestThreeReplicasShareABurstOneKilled: three replicas on one apiserver share a burst of
// 3,000 deliveries (issue 14's figure); one, slow, is killed mid-burst with deliveries it
// acknowledged still queued. Every delivery acknowledged runs exactly once (those of the killed replica on the
// others, adopted from its records after its inbox Lease expired), none is lost, and no
// record is left once all ran.
func TestThreeReplicasShareABurstOneKilled(t *testing.T) {
	ctx, ns := newNamespace(t)
	l := &ledger{ran: map[string]int{}, by: map[string]string{}}
	reps := []*instance{
		startInstance(t, ctx, ns, "r0", l, 1, 20*time.Millisecond), // slow: its queue backs up
		startInstance(t, ctx, ns, "r1", l, 2, time.Millisecond),
		startInstance(t, ctx, ns, "r2", l, 2, time.Millisecond),
	}
	const total = 3000
	var acked gosync.Map // delivery → the replica that answered it 202
	var refused atomic.Int32
	send := func(in *instance, id string) error {
		d := githubapp.Dispatch{EventType: "issue_comment", DeliveryID: id, Payload: payload(1+len(id)%5, 4000)}
		d.Handler = in.adopter.Handlers["issue_comment"]
		err := in.queue.Schedule(ctx, d)
		if err == nil {
			acked.Store(id, in.name)
		}
		return err
	}
	var wg gosync.WaitGroup
	killed := make(chan struct{})
	var queuedOnDead int
	for r := range reps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := r; i < total; i += len(reps) {
				id := fmt.Sprintf("d-%04d", i)
				if r == 0 && i == total/2 { // mid-burst: r0 dies
					queuedOnDead, _ = reps[0].queue.Waiting()
					reps[0].dead.Store(true)
					reps[0].journal.crash()
					close(killed)
				}
				in := reps[r]
				if r == 0 && reps[0].dead.Load() {
					in = reps[1+i%2] // the load balancer sends to the living
				}
				if err := send(in, id); err != nil {
					refused.Add(1)
					t.Errorf("delivery %s refused by %s: %v", id, in.name, err)
				}
			}
		}()
	}
	wg.Wait()
	<-killed
	if queuedOnDead == 0 {
		t.Fatal("the killed replica had no delivery queued: the test proves nothing")
	}
	l.waitAll(t, total, func() string { return fmt.Sprintf("%d were queued on the killed replica", queuedOnDead) })
	time.Sleep(500 * time.Millisecond) // a second run, if any, would show now
	l.mu.Lock()
	adoptedRuns := 0
	for i := range total {
		id := fmt.Sprintf("d-%04d", i)
		if l.ran[id] != 1 {
			t.Errorf("delivery %s ran %d times, want once", id, l.ran[id])
		}
		if who, _ := acked.Load(id); who == "r0" && l.by[id] != "r0" {
			adoptedRuns++
		}
	}
	l.mu.Unlock()
	if adoptedRuns == 0 {
		t.Error("no delivery acknowledged by the killed replica ran elsewhere")
	}
	t.Logf("%d deliveries were queued on r0 when it was killed; %d acknowledged by r0 ran on r1 or r2", queuedOnDead, adoptedRuns)
	waitFor(t, func() bool {
		list, err := testClient.Typed.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{LabelSelector: kube.InboxLabel})
		return err == nil && len(list.Items) == 0
	})
}

// TestJournalGroupsWrites: 200 deliveries recorded at once take far fewer writes than 200;
// each record holds what was written, and is deleted once all its deliveries are done.
func TestJournalGroupsWrites(t *testing.T) {
	ctx, ns := newNamespace(t)
	leases := &kube.Leases{Client: testClient.Typed, Namespace: ns, Identity: "g", Duration: 5 * time.Second}
	store := &countingStore{Store: &kube.Inbox{Client: testClient.Typed, Namespace: ns}}
	j, err := Open(ctx, store, leases, AckRecorded)
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	recs := make([]*batch, n)
	var wg gosync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := j.Record(ctx, Delivery{EventType: "issue_comment", DeliveryID: fmt.Sprint(i), Payload: payload(i, 3000)})
			if err != nil {
				t.Error(err)
			}
			recs[i] = b
		}()
	}
	wg.Wait()
	if w := store.creates.Load(); w >= n/4 {
		t.Fatalf("%d writes for %d deliveries recorded at once, want far fewer (group commit)", w, n)
	}
	owned, err := store.Owned(ctx, j.Owner())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, b := range owned {
		ds, err := decode(b.Data)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if want := payload(0, 3000); d.EventType != "issue_comment" || len(d.Payload) < len(want)-5 {
				t.Fatalf("delivery %s decoded as %s, %d bytes", d.DeliveryID, d.EventType, len(d.Payload))
			}
			got[d.DeliveryID] = true
		}
	}
	if len(got) != n {
		t.Fatalf("the records hold %d deliveries, want %d", len(got), n)
	}
	for _, b := range recs {
		j.done(b)
	}
	waitFor(t, func() bool { o, err := store.Owned(ctx, j.Owner()); return err == nil && len(o) == 0 })
	if err := j.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := testClient.Typed.CoordinationV1().Leases(ns).Get(ctx, j.Owner(), metav1.GetOptions{}); err == nil {
		t.Fatal("a journal closed with nothing left kept its inbox lease")
	}
}

type countingStore struct {
	Store
	creates atomic.Int32
}

func (c *countingStore) Create(ctx context.Context, owner string, data []byte) (kube.InboxBatch, error) {
	c.creates.Add(1)
	return c.Store.Create(ctx, owner, data)
}

// TestJournalEncoding: deliveries survive a record, JSON or not; a record that does not
// decode is refused.
func TestJournalEncoding(t *testing.T) {
	ws := []*waiter{
		{d: Delivery{EventType: "issue_comment", DeliveryID: "a", Payload: []byte(`{"x":1}`)}},
		{d: Delivery{EventType: "push", DeliveryID: "b", Payload: []byte("not json \x00")}},
	}
	data, err := encode(ws)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || string(ds[0].Payload) != `{"x":1}` || string(ds[1].Payload) != "not json \x00" || ds[1].EventType != "push" || ds[1].DeliveryID != "b" {
		t.Fatalf("decoded %+v", ds)
	}
	for _, bad := range [][]byte{[]byte("plain"), data[:len(data)/2]} {
		if _, err := decode(bad); err == nil {
			t.Errorf("decode(%q…) did not fail", bad[:4])
		}
	}
}

// TestAdoptOnlyFromExpiredLeases: the records of a replica whose inbox Lease is renewed are
// left alone; those of one whose Lease expired are adopted (a broken one is deleted, never
// run), and its Lease is deleted once nothing of it is left.
func TestAdoptOnlyFromExpiredLeases(t *testing.T) {
	ctx, ns := newNamespace(t)
	store := &kube.Inbox{Client: testClient.Typed, Namespace: ns}
	leases := func(id string) *kube.Leases {
		return &kube.Leases{Client: testClient.Typed, Namespace: ns, Identity: id, Duration: time.Second}
	}
	live, err := Open(ctx, store, leases("live"), AckRecorded)
	if err != nil {
		t.Fatal(err)
	}
	defer live.crash()
	dead, err := Open(ctx, store, leases("dead"), AckRecorded)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range []*Journal{live, dead} {
		if _, err := j.Record(ctx, Delivery{EventType: "issue_comment", DeliveryID: "of-" + j.Owner(), Payload: payload(1, 10)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.Create(ctx, dead.Owner(), []byte("not gzip")); err != nil {
		t.Fatal(err)
	}
	dead.crash()
	l := &ledger{ran: map[string]int{}, by: map[string]string{}}
	taker := startInstance(t, ctx, ns, "taker", l, 1, 0)
	taker.stop()                        // adopt by hand below
	time.Sleep(2500 * time.Millisecond) // the dead Lease expires; the live one is renewed
	n, err := taker.adopter.Adopt(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("adopted %d deliveries, want 1 (the dead replica's)", n)
	}
	waitFor(t, func() bool { l.mu.Lock(); defer l.mu.Unlock(); return l.ran["of-"+dead.Owner()] == 1 })
	if l.ran["of-"+live.Owner()] != 0 {
		t.Fatal("a delivery of a live replica was adopted")
	}
	if o, _ := store.Owned(ctx, live.Owner()); len(o) != 1 {
		t.Fatalf("the live replica has %d records, want its 1", len(o))
	}
	waitFor(t, func() bool { o, err := store.Owned(ctx, dead.Owner()); return err == nil && len(o) == 0 })
	if _, err := testClient.Typed.CoordinationV1().Leases(ns).Get(ctx, dead.Owner(), metav1.GetOptions{}); err == nil {
		t.Fatal("the dead replica's inbox lease is still there after all its records were adopted")
	}
}
