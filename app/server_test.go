package app

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/rigel-gitops/rigel/config"
)

// serveTest serves h with limits t on a loopback port until the test ends.
func serveTest(t *testing.T, h http.Handler, to serverTimeouts) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(h, to)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

// slowPost sends the headers of a hook request (with a made-up signature, as anyone can)
// declaring size bytes, then trickles the body a byte every 100 ms until the server answers or closes. It returns the status line ("" if
// the connection closed without one) and how long it took.
func slowPost(t *testing.T, addr string, size int) (string, time.Duration) {
	t.Helper()
	start := time.Now()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err) // may run outside the test's goroutine
		return "", 0
	}
	defer c.Close()
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: rigel\r\nContent-Type: application/json\r\nX-GitHub-Event: issue_comment\r\nX-Hub-Signature-256: sha256=0000\r\nContent-Length: %d\r\n\r\n", HookPath, size)
	status := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(c).ReadString('\n')
		status <- strings.TrimSpace(line)
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case s := <-status:
			return s, time.Since(start)
		case <-tick.C:
			_, _ = c.Write([]byte(" "))
		case <-deadline:
			return "still reading after 10 s", time.Since(start)
		}
	}
}

// A client that sends the headers and then trickles the body is cut off by the read
// timeout, and what it sent never reaches the dispatcher.
func TestSlowLorisIsCutOff(t *testing.T) {
	var reached atomic.Int64
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached.Add(1) })
	addr := serveTest(t, guardHook(next, MaxWebhookBytes, "secret"), serverTimeouts{ReadHeader: time.Second, Read: 700 * time.Millisecond, Write: 5 * time.Second, Idle: time.Second})
	status, took := slowPost(t, addr, 1<<20)
	if took > 3*time.Second {
		t.Fatalf("cut off after %s, want about the read timeout (700ms)", took)
	}
	if strings.Contains(status, "200") || strings.Contains(status, "still reading") || reached.Load() != 0 {
		t.Fatalf("a trickled body was handled: status %q, %d reached the dispatcher", status, reached.Load())
	}
}

// With N slow requests being read, the next gets 503 with Retry-After at once, and the room
// comes back when the slow ones are cut off.
func TestHookConcurrencyCap(t *testing.T) {
	const n = 2
	var inside atomic.Int64
	reg := prometheus.NewRegistry()
	lim := newHookLimiter(n, hookBytesBudget, MaxWebhookBytes).countRefusals(reg)
	handled := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) })
	count := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inside.Add(1)
		defer inside.Add(-1)
		guardHook(handled, MaxWebhookBytes, "secret").ServeHTTP(w, r)
	})
	addr := serveTest(t, lim.wrap(count), serverTimeouts{ReadHeader: time.Second, Read: 2 * time.Second, Write: 5 * time.Second, Idle: time.Second})
	slow := make(chan string, n)
	for i := 0; i < n; i++ {
		go func() { s, _ := slowPost(t, addr, 1<<20); slow <- s }()
	}
	deadline := time.Now().Add(5 * time.Second)
	for inside.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d slow requests being read, want %d", inside.Load(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	post := func() *http.Response {
		t.Helper()
		body := `{"action":"created"}`
		req, err := http.NewRequest(http.MethodPost, "http://"+addr+HookPath, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Hub-Signature-256", sign("secret", []byte(body)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	start := time.Now()
	resp := post()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || time.Since(start) > time.Second {
		t.Fatalf("request %d answered %d (Retry-After %q) after %s; want 503 with Retry-After at once", n+1, resp.StatusCode, resp.Header.Get("Retry-After"), time.Since(start))
	}
	var m dto.Metric
	if err := lim.refused.Write(&m); err != nil || m.GetCounter().GetValue() != 1 {
		got := m.GetCounter().GetValue()
		t.Fatalf("rigel_webhook_busy_total = %v, want 1", got)
	}
	for i := 0; i < n; i++ {
		if s := <-slow; strings.Contains(s, "202") || strings.Contains(s, "still reading") {
			t.Fatalf("a slow request was handled: %q", s)
		}
	}
	if resp := post(); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("after the slow requests were cut off, a delivery answered %d, want 202", resp.StatusCode)
	}
}

func TestHookLimiterBytes(t *testing.T) {
	l := newHookLimiter(10, 2*MaxWebhookBytes, MaxWebhookBytes)
	if !l.acquire(MaxWebhookBytes) || !l.acquire(MaxWebhookBytes) {
		t.Fatal("two of the largest bodies were refused")
	}
	if l.acquire(1) {
		t.Fatal("a body over the byte budget was let in")
	}
	l.release(MaxWebhookBytes)
	if !l.acquire(1000) {
		t.Fatal("the bytes released were not given back")
	}
	if len(l.slots) != 2 {
		t.Fatalf("%d slots held, want 2 (a refused acquire must give its slot back)", len(l.slots))
	}
}

// The server Rigel serves with has every timeout, and lets an API apply wait for health.
func TestTimeoutsFor(t *testing.T) {
	s := &config.Settings{ApplyWait: 10 * time.Minute}
	to := timeoutsFor(s)
	srv := newServer(http.NotFoundHandler(), to)
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 {
		t.Fatalf("a timeout is unset: %+v", to)
	}
	if srv.ReadTimeout > time.Minute {
		t.Errorf("ReadTimeout %s lets a body trickle for over a minute", srv.ReadTimeout)
	}
	if srv.WriteTimeout <= s.ApplyWait {
		t.Errorf("WriteTimeout %s cuts an API apply waiting %s", srv.WriteTimeout, s.ApplyWait)
	}
}
