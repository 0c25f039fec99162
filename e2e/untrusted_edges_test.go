package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/handlers"
	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/kube"
)

// dedupeCount is the bot's rigel_webhook_dedupe_total for outcome, read from /metrics.
func dedupeCount(t *testing.T, b *bot, outcome string) int {
	t.Helper()
	resp, err := http.Get(b.internal + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	want := `rigel_webhook_dedupe_total{outcome="` + outcome + `"} `
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), want); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return int(n)
		}
	}
	t.Fatalf("/metrics has no %s", want)
	return 0
}

// deliverAs posts the signed body under delivery id to b and wants 200.
func deliverAs(t *testing.T, b *bot, id string, body []byte) {
	t.Helper()
	resp, err := testenv.PostWebhookDelivery(b.url+app.HookPath, webhookSecret, "issue_comment", id, body)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("delivery %s answered %d", id, resp.StatusCode)
	}
}

// Issue 9, item 8: an event runs once, by its own identity (the comment id and action), not
// by X-GitHub-Delivery: a signed body replayed under a new delivery id, after a restart, or
// to two replicas at once gets one reply.
func TestUntrustedEdgesReplayRunsOnce(t *testing.T) {
	ns := unique("rigel-")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	first := startReplica(t, ns, "rigel-first", nil)
	r := newRepo(t, map[string]string{"README.md": "hi\n"})
	c := first.issue(r)
	body := gh.CommentEvent(testenv.CommentOpts{Repo: r.full, Issue: c.number, Body: "/rigel help", User: "octocat"})
	key := handlers.EventKey("issue_comment", "", body)
	if !strings.HasPrefix(key, "issue_comment/") {
		t.Fatalf("the comment's key is %q", key)
	}

	t.Run("the same body under two delivery ids runs once", func(t *testing.T) {
		deliverAs(t, first.bot, unique("replay-a-"), body)
		deliverAs(t, first.bot, unique("replay-b-"), body)
		c.waitReplies(1)
		waitUntil(t, 30*time.Second, "the second delivery was never checked", func() bool {
			return dedupeCount(t, first.bot, "duplicate") >= 1
		})
		if n := len(c.botComments()); n != 1 {
			t.Fatalf("%d replies, want 1", n)
		}
		if _, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(context.Background(), kube.SeenName(key), metav1.GetOptions{}); err != nil {
			t.Fatalf("no shared record of the event: %v", err)
		}
	})

	t.Run("after a restart it still runs once", func(t *testing.T) {
		first.stop()
		again := startReplica(t, ns, "rigel-again", nil)
		deliverAs(t, again.bot, unique("replay-c-"), body)
		waitUntil(t, 30*time.Second, "the replayed delivery was never checked", func() bool {
			return dedupeCount(t, again.bot, "duplicate") >= 1
		})
		if n := len(c.botComments()); n != 1 {
			t.Fatalf("%d replies after the restart, want 1", n)
		}
		// A new comment still runs: the bot is not deaf.
		if got := c.on(again).reply("/rigel help"); got == "" {
			t.Fatal("empty reply")
		}
	})

	t.Run("two replicas receiving the same event reply once", func(t *testing.T) {
		a := startReplica(t, ns, "rigel-a", nil)
		b := startReplica(t, ns, "rigel-b", nil)
		c2 := a.issue(r)
		body := gh.CommentEvent(testenv.CommentOpts{Repo: r.full, Issue: c2.number, Body: "/rigel help", User: "octocat"})
		id := unique("both-")
		var wg gosync.WaitGroup
		for _, rep := range []*replica{a, b} {
			wg.Add(1)
			go func(rep *replica) { defer wg.Done(); deliverAs(t, rep.bot, id+rep.identity, body) }(rep)
		}
		wg.Wait()
		c2.waitReplies(1)
		waitUntil(t, 30*time.Second, "one replica never checked its delivery", func() bool {
			return dedupeCount(t, a.bot, "first")+dedupeCount(t, b.bot, "first") == 1 &&
				dedupeCount(t, a.bot, "duplicate")+dedupeCount(t, b.bot, "duplicate") == 1
		})
		time.Sleep(200 * time.Millisecond)
		if n := len(c2.botComments()); n != 1 {
			t.Fatalf("%d replies from two replicas, want 1", n)
		}
	})
}

// When the shared store cannot be reached (here: Rigel may not create ConfigMaps, as when
// the apiserver refuses), the event runs, and the outcome is counted.
func TestUntrustedEdgesStoreUnreachableRuns(t *testing.T) {
	s := botSettings(t, cluster)
	k := wrappedKube(t, cluster, func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/namespaces/"+s.Namespace+"/configmaps") && req.Body != nil {
				data, err := io.ReadAll(req.Body)
				if err != nil {
					return nil, err
				}
				if strings.Contains(string(data), "rigel-seen-") {
					return nil, fmt.Errorf("simulated: the apiserver cannot be reached")
				}
				req.Body = io.NopCloser(strings.NewReader(string(data)))
			}
			return rt.RoundTrip(req)
		})
	})
	b := serveBot(t, s, k, zerolog.New(newTestLog(t)).Level(zerolog.InfoLevel))
	r := newRepo(t, map[string]string{"README.md": "hi\n"})
	c := b.issue(r)
	if got := c.reply("/rigel help"); got == "" {
		t.Fatal("empty reply")
	}
	if n := dedupeCount(t, b, "store_error"); n < 1 {
		t.Fatalf("store_error = %d, want at least 1", n)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
