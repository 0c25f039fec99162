package metrics

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/palantir/go-githubapp/githubapp"
	"github.com/prometheus/client_golang/prometheus"
)

const secret = "queue-test-secret"

// blocking is a handler that holds each delivery until released.
type blocking struct {
	started chan string
	release chan struct{}
}

func (h *blocking) Handles() []string { return []string{"issue_comment"} }

func (h *blocking) Handle(_ context.Context, _, deliveryID string, _ []byte) error {
	h.started <- deliveryID
	<-h.release
	return nil
}

func deliver(t *testing.T, url, id string, signed bool) int {
	t.Helper()
	body := []byte(`{"action":"created"}`)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "issue_comment")
	req.Header.Set("X-GitHub-Delivery", id)
	mac := hmac.New(sha256.New, []byte(secret))
	if signed {
		mac.Write(body)
	}
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestQueue runs go-githubapp's real dispatcher and queue scheduler (1 worker, 1 place in the
// queue) and reads the queue metrics while deliveries wait.
func TestQueue(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg)
	h := &blocking{started: make(chan string, 10), release: make(chan struct{})}
	dispatcher := githubapp.NewEventDispatcher([]githubapp.EventHandler{h}, secret,
		githubapp.WithScheduler(githubapp.QueueAsyncScheduler(1, 1, m.SchedulerOption())),
		githubapp.WithErrorCallback(m.ErrorCallback(nil)))
	srv := httptest.NewServer(dispatcher)
	defer srv.Close()
	released := false
	defer func() {
		if !released {
			close(h.release)
		}
	}()

	check := func(depth, busy, full, invalid float64) {
		t.Helper()
		got := []float64{
			value(t, reg, "rigel_queue_depth", nil),
			value(t, reg, "rigel_workers_busy", nil),
			value(t, reg, "rigel_webhook_rejected_total", map[string]string{"reason": "queue_full"}),
			value(t, reg, "rigel_webhook_rejected_total", map[string]string{"reason": "invalid"}),
		}
		want := []float64{depth, busy, full, invalid}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("queue depth, busy workers, queue full, invalid = %v, want %v", got, want)
		}
	}
	check(0, 0, 0, 0)
	if code := deliver(t, srv.URL, "d1", true); code != http.StatusOK {
		t.Fatalf("first delivery answered %d", code)
	}
	select {
	case <-h.started: // the worker holds d1
	case <-time.After(10 * time.Second):
		t.Fatal("the worker never started the first delivery")
	}
	check(0, 1, 0, 0)
	if code := deliver(t, srv.URL, "d2", true); code != http.StatusOK {
		t.Fatalf("second delivery answered %d", code)
	}
	check(1, 1, 0, 0)
	for i := 3; i <= 4; i++ {
		if code := deliver(t, srv.URL, fmt.Sprintf("d%d", i), true); code != http.StatusServiceUnavailable {
			t.Fatalf("delivery %d with a full queue answered %d, want 503", i, code)
		}
	}
	if code := deliver(t, srv.URL, "bad", false); code != http.StatusBadRequest {
		t.Fatalf("a badly signed delivery answered %d, want 400", code)
	}
	check(1, 1, 2, 1)

	close(h.release)
	released = true
	<-h.started // d2 runs once d1 is done
	deadline := time.Now().Add(10 * time.Second)
	for value(t, reg, "rigel_workers_busy", nil) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the worker stayed busy after its deliveries were released")
		}
		time.Sleep(5 * time.Millisecond)
	}
	check(0, 0, 2, 1)
}
