package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/kube"
)

// TestToRedeliver: of each event (GUID) never delivered successfully, the newest delivery is
// redelivered when it failed for a reason a later delivery may not meet, was not redelivered
// already, and the event not redeliverTimes times; oldest first. Events delivered
// successfully are settled when remembered.
func TestToRedeliver(t *testing.T) {
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	d := func(id int64, guid string, code int) githubclient.HookDelivery {
		return githubclient.HookDelivery{ID: id, GUID: guid, StatusCode: code, DeliveredAt: at.Add(time.Duration(id) * time.Second)}
	}
	cases := []struct {
		name        string
		log         []githubclient.HookDelivery // newest first
		done        map[string]kube.Redelivery
		wantIDs     []int64
		wantSettled []string
	}{
		{name: "503 from a full queue", log: []githubclient.HookDelivery{d(1, "a", 503)}, wantIDs: []int64{1}},
		{name: "no answer, timeout, rate limit, 5xx", log: []githubclient.HookDelivery{d(5, "e", 502), d(4, "d", 429), d(3, "c", 408), d(2, "b", 0), d(1, "a", 500)}, wantIDs: []int64{1, 2, 3, 4, 5}},
		{name: "refusals of the delivery itself", log: []githubclient.HookDelivery{d(3, "c", 413), d(2, "b", 400), d(1, "a", 404)}},
		{name: "delivered", log: []githubclient.HookDelivery{d(1, "a", 202)}},
		{name: "redirect counts as delivered", log: []githubclient.HookDelivery{d(1, "a", 302)}},
		{name: "failed, then delivered", log: []githubclient.HookDelivery{d(2, "a", 202), d(1, "a", 503)}},
		{name: "delivered, then a redelivery failed", log: []githubclient.HookDelivery{d(2, "a", 503), d(1, "a", 202)}},
		{
			name: "redelivered and delivered: settled", log: []githubclient.HookDelivery{d(2, "a", 202), d(1, "a", 503)},
			done: map[string]kube.Redelivery{"a": {ID: 1, Times: 1}}, wantSettled: []string{"a"},
		},
		{name: "only the newest failure of an event", log: []githubclient.HookDelivery{d(3, "a", 503), d(2, "a", 503), d(1, "a", 503)}, wantIDs: []int64{3}},
		{name: "asked already, not yet redelivered", log: []githubclient.HookDelivery{d(1, "a", 503)}, done: map[string]kube.Redelivery{"a": {ID: 1, Times: 1}}},
		{name: "the redelivery failed too", log: []githubclient.HookDelivery{d(2, "a", 503), d(1, "a", 503)}, done: map[string]kube.Redelivery{"a": {ID: 1, Times: 1}}, wantIDs: []int64{2}},
		{name: "redelivered enough times", log: []githubclient.HookDelivery{d(2, "a", 503)}, done: map[string]kube.Redelivery{"a": {ID: 1, Times: redeliverTimes}}},
		{name: "no GUID", log: []githubclient.HookDelivery{d(1, "", 503)}},
		{
			name: "oldest first, across events",
			log:  []githubclient.HookDelivery{d(6, "c", 503), d(5, "b", 202), d(4, "a", 503), d(3, "b", 503), d(2, "c", 503), d(1, "a", 503)},
			done: map[string]kube.Redelivery{"a": {ID: 1, Times: 1}}, wantIDs: []int64{4, 6},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			todo, settled := toRedeliver(tc.log, tc.done)
			var ids []int64
			for _, x := range todo {
				ids = append(ids, x.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tc.wantIDs) || fmt.Sprint(settled) != fmt.Sprint(tc.wantSettled) {
				t.Fatalf("redeliver %v, settled %v; want %v, %v", ids, settled, tc.wantIDs, tc.wantSettled)
			}
		})
	}
}

// TestRedeliverRound: against the fake GitHub's delivery log, a round asks once for each
// delivery refused with 503 (oldest first, counted), and remembers so in the store: the next
// round, and a new leader with a store of its own reading the same ConfigMap, ask nothing
// more until the redeliveries are logged; a redelivery that failed again is asked again, at
// half the rate; once delivered, the events are forgotten and the rate is back. A failure older
// than the first round's lookback is left.
func TestRedeliverRound(t *testing.T) {
	gh, err := testenv.StartGitHub(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gh.Stop)
	var refuse atomic.Bool
	refuse.Store(true)
	var taken atomic.Int64
	held := make(chan struct{})
	var hold atomic.Pointer[chan struct{}] // while set, the hook answers once it is closed
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := hold.Load(); h != nil {
			<-*h
		}
		if refuse.Load() {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		taken.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(hook.Close)
	gh.SetHook(hook.URL, "s")
	deliver := func(i int) testenv.HookDelivery {
		d, err := gh.Deliver("issue_comment", testenv.IssueComment(testenv.CommentOpts{Repo: "acme/web", Issue: 1, Body: fmt.Sprintf("/rigel diff %d", i)}))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	old := deliver(0)
	gh.BackdateHookDelivery(old.ID, 2*redeliverFirstLookback)
	const failed = 130 // two pages
	for i := 1; i <= failed; i++ {
		deliver(i)
	}
	clients, err := githubclient.New(githubclient.Credentials{APIURL: gh.URL(), AppID: gh.AppID, PrivateKey: gh.PrivateKeyPEM})
	if err != nil {
		t.Fatal(err)
	}
	kc := fake.NewClientset()
	s := &config.Settings{Namespace: "rigel", AppID: gh.AppID, PrivateKey: gh.PrivateKeyPEM, RedeliverEvery: time.Second, RedeliverRate: 100}
	newLoop := func() *redeliverLoop {
		return newRedeliverLoop(s, kc, clients, prometheus.NewRegistry(), zerolog.Nop())
	}
	ctx := context.Background()
	l := newLoop()
	hold.Store(&held) // GitHub's redeliveries wait in the hook, not logged yet
	n, err := l.round(ctx)
	if err != nil || n != failed {
		t.Fatalf("first round: %d redelivered, %v; want %d", n, err, failed)
	}
	if c := testutil.ToFloat64(l.count); c != failed {
		t.Fatalf("rigel_webhook_redelivered_total = %v, want %d", c, failed)
	}
	// Until GitHub has redelivered, nobody asks again: this leader nor a new one.
	if n, err := l.round(ctx); err != nil || n != 0 {
		t.Fatalf("second round before GitHub redelivered: %d redelivered, %v; want 0", n, err)
	}
	if n, err := newLoop().round(ctx); err != nil || n != 0 {
		t.Fatalf("a new leader's round before GitHub redelivered: %d redelivered, %v; want 0", n, err)
	}
	hold.Store(nil)
	close(held)
	waitRedelivered := func(want int) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			got := 0
			for _, d := range gh.HookDeliveries() {
				if d.Redelivery {
					got++
					if d.GUID == old.GUID {
						t.Fatal("a failure older than the first round's lookback was redelivered")
					}
				}
			}
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d redeliveries logged after 20s, want %d", got, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitRedelivered(failed)
	// The redeliveries were refused too: asked once more each, by a new leader.
	refuse.Store(false)
	l3 := newLoop()
	if n, err := l3.round(ctx); err != nil || n != failed {
		t.Fatalf("new leader after failed redeliveries: %d redelivered, %v; want %d", n, err, failed)
	}
	if l3.gap != 2*l3.base {
		t.Fatalf("redelivering events again, one redelivery every %s; want %s (half the rate)", l3.gap, 2*l3.base)
	}
	waitRedelivered(2 * failed)
	if n, err := l3.round(ctx); err != nil || n != 0 {
		t.Fatalf("round after every event was delivered: %d redelivered, %v; want 0", n, err)
	}
	if l3.gap != l3.base {
		t.Fatalf("once nothing failed again, one redelivery every %s; want %s", l3.gap, l3.base)
	}
	if got := taken.Load(); got != failed {
		t.Fatalf("the hook took %d deliveries, want %d: each event once", got, failed)
	}
	st, err := (&kube.Redeliveries{Client: kc, Namespace: "rigel"}).Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Events) != 0 || st.Read.IsZero() {
		t.Fatalf("after every event was delivered the store remembers %d events (read up to %s), want none", len(st.Events), st.Read)
	}
	if v := gh.Violations(); len(v) > 0 {
		t.Fatalf("requests the real API would refuse: %v", v)
	}
}

// TestRedeliverLoopOff: RIGEL_REDELIVER_EVERY 0 starts no loop, nor does a token (the
// delivery log needs a GitHub App), which says so once; the counter exists either way.
func TestRedeliverLoopOff(t *testing.T) {
	for _, s := range []*config.Settings{
		{AppID: 1, PrivateKey: []byte("k")},
		{Token: "ghp_x", TokenLogin: "ops", RedeliverEvery: time.Minute},
	} {
		reg := prometheus.NewRegistry()
		var logged testLines
		if l := newRedeliverLoop(s, nil, nil, reg, zerolog.New(&logged)); l != nil {
			t.Fatalf("settings %+v start a redelivery loop", s)
		}
		if s.Token != "" && logged.n != 1 {
			t.Fatalf("token mode logged %d lines, want one saying redelivery needs an app", logged.n)
		}
		if n, err := testutil.GatherAndCount(reg, "rigel_webhook_redelivered_total"); err != nil || n != 1 {
			t.Fatalf("rigel_webhook_redelivered_total: %d series, %v", n, err)
		}
	}
}

type testLines struct{ n int }

func (l *testLines) Write(p []byte) (int, error) { l.n++; return len(p), nil }
