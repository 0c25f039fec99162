package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/kube"
)

// stuckWrites holds every ConfigMap create of a replica while on (fault injection: its
// journal's records and its claims of events are not written) until the replica is cut.
type stuckWrites struct {
	next http.RoundTripper
	on   *atomic.Bool
	dead *atomic.Bool
	held *atomic.Int32
}

func (s stuckWrites) RoundTrip(req *http.Request) (*http.Response, error) {
	if s.on.Load() && req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/configmaps") {
		s.held.Add(1)
		for !s.dead.Load() {
			select {
			case <-req.Context().Done():
				return nil, req.Context().Err()
			case <-time.After(10 * time.Millisecond):
			}
		}
		return nil, errors.New("simulated crash: this replica is gone")
	}
	return s.next.RoundTrip(req)
}

// TestKilledAfterAnsweringBeforeRecording (issue 14): with a GitHub App a replica answers a
// delivery as soon as it is queued and records it behind the answer. Replica A runs a
// few commands, then its writes to the apiserver hang (no record of the next deliveries is
// written, nor any claim of their events), it answers a burst of comments all the
// same, and it is killed. GitHub's delivery log shows them delivered; nobody redelivers by
// hand. Replica B takes over A's expired inbox Lease, asks GitHub to redeliver what the log
// shows answered in the window A had not recorded, and every command acknowledged — the
// burst and the few A ran before — has exactly one reply.
func TestKilledAfterAnsweringBeforeRecording(t *testing.T) {
	ghr, full := ownGitHub(t, "acme/acked")
	tune := func(s *config.Settings) { s.Workers, s.RedeliverRate = 1, 50 }
	stuck, dying, held := &atomic.Bool{}, &atomic.Bool{}, &atomic.Int32{}
	a := startReplicaOn(t, ghr, "", "rigel-a", func(rt http.RoundTripper) http.RoundTripper {
		return stuckWrites{next: rt, on: stuck, dead: dying, held: held}
	}, tune)
	b := startReplicaOn(t, ghr, a.namespace, "rigel-b", nil, tune)

	// The load balancer in front of the replicas: A while it lives, then B.
	var target atomic.Pointer[url.URL]
	aURL, _ := url.Parse(a.url)
	bURL, _ := url.Parse(b.url)
	target.Store(aURL)
	lb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httputil.NewSingleHostReverseProxy(target.Load()).ServeHTTP(w, r)
	}))
	t.Cleanup(lb.Close)
	ghr.SetHook(lb.URL+app.HookPath, webhookSecret)

	replies := botReplies(ghr, full, b.app.BotLogin)
	deliver := func(from, to int) {
		t.Helper()
		var wg gosync.WaitGroup
		for i := from; i <= to; i++ {
			ghr.AddIssue(full, i, fmt.Sprintf("acked %d", i))
			body := ghr.CommentEvent(testenv.CommentOpts{Repo: full, Issue: i, Body: "/rigel help"})
			wg.Add(1)
			go func() {
				defer wg.Done()
				d, err := ghr.Deliver("issue_comment", body)
				if err != nil {
					t.Error(err)
					return
				}
				if d.StatusCode < 200 || d.StatusCode > 299 {
					t.Errorf("#%d: A answered %d (%s), want 2xx", i, d.StatusCode, d.Status)
				}
			}()
		}
		wg.Wait()
	}

	const ranFirst, burst = 5, 20
	deliver(1, ranFirst)
	waitUntil(t, 60*time.Second, "a reply to each command A ran first", func() bool {
		for i := 1; i <= ranFirst; i++ {
			if replies(i) == 0 {
				return false
			}
		}
		return true
	})

	stuck.Store(true) // A's writes to the apiserver hang from now on
	deliver(ranFirst+1, ranFirst+burst)
	waitUntil(t, 10*time.Second, "A never tried to record the burst", func() bool { return held.Load() > 0 })
	list, err := kc.Typed.CoreV1().ConfigMaps(a.namespace).List(context.Background(), metav1.ListOptions{LabelSelector: kube.InboxLabel})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 0 {
		t.Fatalf("%d records of deliveries written: the fault injection did not hold", len(list.Items))
	}
	for i := ranFirst + 1; i <= ranFirst+burst; i++ {
		if replies(i) != 0 {
			t.Fatalf("#%d was answered by A before it was killed: the test proves nothing", i)
		}
	}

	// A dies: nothing it sends reaches the cluster or GitHub; the load balancer sends to B.
	target.Store(bURL)
	dying.Store(true)
	a.cut()

	waitUntil(t, 90*time.Second, "a reply to every command acknowledged", func() bool {
		for i := 1; i <= ranFirst+burst; i++ {
			if replies(i) == 0 {
				return false
			}
		}
		return true
	})
	time.Sleep(4 * time.Second) // more rounds of adoption and redelivery: nothing runs twice
	for i := 1; i <= ranFirst+burst; i++ {
		if n := replies(i); n != 1 {
			t.Errorf("#%d: %d replies, want exactly one", i, n)
		}
	}
	redelivered := 0
	for _, d := range ghr.HookDeliveries() {
		if d.Redelivery {
			redelivered++
		}
	}
	if redelivered < burst {
		t.Errorf("%d redeliveries, want at least the %d deliveries A answered unrecorded", redelivered, burst)
	}
	m := find(scrape(t, b.internal), "rigel_inbox_recovered_total", map[string]string{})
	if m == nil || int(m.GetCounter().GetValue()) != redelivered {
		t.Errorf("rigel_inbox_recovered_total = %v, want %d (the redeliveries GitHub logged)", m, redelivered)
	}
	if v := ghr.Violations(); len(v) > 0 {
		t.Errorf("requests the real API would refuse: %v", v)
	}
}
