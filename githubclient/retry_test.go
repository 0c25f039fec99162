package githubclient

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"
)

// script answers the n-th request (0-based) with steps[min(n, len-1)], and records bodies.
type script struct {
	mu     gosync.Mutex
	steps  []func(w http.ResponseWriter)
	bodies []string
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	n := len(s.bodies)
	s.bodies = append(s.bodies, string(b))
	s.mu.Unlock()
	s.steps[min(n, len(s.steps)-1)](w)
}

func (s *script) hits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.bodies)
}

func status(code int, header ...string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, `{"message":"status `+strconv.Itoa(code)+`"}`)
	}
}

func body(code int, msg string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.WriteHeader(code)
		_, _ = io.WriteString(w, `{"message":"`+msg+`","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`)
	}
}

var ok = status(http.StatusOK)

// testPolicy is the default policy with small backoffs; sleeps are recorded, not slept.
var testPolicy = RetryPolicy{MaxAttempts: 5, MaxWait: 45 * time.Second, BaseDelay: 100 * time.Millisecond, MaxDelay: 2 * time.Second}

func newTestRetry(next http.RoundTripper, waits *[]time.Duration, now time.Time) *retryTransport {
	t := Retry(next, testPolicy).(*retryTransport)
	t.sleep = func(ctx context.Context, d time.Duration) error {
		*waits = append(*waits, d)
		return ctx.Err()
	}
	t.now = func() time.Time { return now }
	return t
}

func TestRetry(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	reset := strconv.FormatInt(now.Add(5*time.Second).Unix(), 10)
	tests := []struct {
		name       string
		method     string
		path       string
		steps      []func(http.ResponseWriter)
		wantStatus int
		wantHits   int
		wantWaits  [][2]time.Duration // each wait within [lo, hi]
	}{
		{"GET 503 then 502 then ok", "GET", "/repos/a/b/issues/1/comments", []func(http.ResponseWriter){status(503), status(502), ok}, 200, 3,
			[][2]time.Duration{{50 * time.Millisecond, 100 * time.Millisecond}, {100 * time.Millisecond, 200 * time.Millisecond}}},
		{"GET 500 always: bounded attempts", "GET", "/x", []func(http.ResponseWriter){status(500)}, 500, 5,
			[][2]time.Duration{{50 * time.Millisecond, 100 * time.Millisecond}, {100 * time.Millisecond, 200 * time.Millisecond}, {200 * time.Millisecond, 400 * time.Millisecond}, {400 * time.Millisecond, 800 * time.Millisecond}}},
		{"GET 503 with Retry-After is honoured", "GET", "/x", []func(http.ResponseWriter){status(503, "Retry-After", "3"), ok}, 200, 2,
			[][2]time.Duration{{3 * time.Second, 3 * time.Second}}},
		{"PUT 504 is idempotent", "PUT", "/x", []func(http.ResponseWriter){status(504), ok}, 200, 2, [][2]time.Duration{{50 * time.Millisecond, 100 * time.Millisecond}}},
		{"POST a comment 502: not resent (it may exist)", "POST", "/repos/a/b/issues/1/comments", []func(http.ResponseWriter){status(502), ok}, 502, 1, nil},
		{"PATCH 500: not resent", "PATCH", "/repos/a/b/issues/comments/1", []func(http.ResponseWriter){status(500), ok}, 500, 1, nil},
		{"POST a reaction 500: idempotent on GitHub", "POST", "/repos/a/b/issues/comments/1/reactions", []func(http.ResponseWriter){status(500), ok}, 200, 2, [][2]time.Duration{{50 * time.Millisecond, 100 * time.Millisecond}}},
		{"POST an installation token 502", "POST", "/app/installations/42/access_tokens", []func(http.ResponseWriter){status(502), ok}, 200, 2, [][2]time.Duration{{50 * time.Millisecond, 100 * time.Millisecond}}},
		{"POST a comment 403 secondary limit with Retry-After", "POST", "/repos/a/b/issues/1/comments", []func(http.ResponseWriter){status(403, "Retry-After", "2"), ok}, 200, 2,
			[][2]time.Duration{{2 * time.Second, 2 * time.Second}}},
		{"POST a comment 429 with Retry-After", "POST", "/repos/a/b/issues/1/comments", []func(http.ResponseWriter){status(429, "Retry-After", "1"), status(429, "Retry-After", "1"), ok}, 200, 3,
			[][2]time.Duration{{time.Second, time.Second}, {time.Second, time.Second}}},
		{"403 rate limit used up: wait for the reset", "POST", "/repos/a/b/issues/1/comments", []func(http.ResponseWriter){status(403, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", reset), ok}, 200, 2,
			[][2]time.Duration{{6 * time.Second, 6 * time.Second}}},
		{"Retry-After as an HTTP date", "GET", "/x", []func(http.ResponseWriter){status(429, "Retry-After", now.Add(4*time.Second).Format(http.TimeFormat)), ok}, 200, 2,
			[][2]time.Duration{{4 * time.Second, 4 * time.Second}}},
		{"Retry-After beyond the budget: answered as is", "POST", "/repos/a/b/issues/1/comments", []func(http.ResponseWriter){status(403, "Retry-After", "120"), ok}, 403, 1, nil},
		{"secondary limit without headers asks a minute: beyond the budget", "POST", "/repos/a/b/issues/1/comments", []func(http.ResponseWriter){body(403, "You have exceeded a secondary rate limit."), ok}, 403, 1, nil},
		{"budget: Retry-After 20 twice, the third would pass 45s", "GET", "/x", []func(http.ResponseWriter){status(503, "Retry-After", "20")}, 503, 3,
			[][2]time.Duration{{20 * time.Second, 20 * time.Second}, {20 * time.Second, 20 * time.Second}}},
		{"403 forbidden (no rate limit) is final", "GET", "/x", []func(http.ResponseWriter){body(403, "Resource not accessible by integration"), ok}, 403, 1, nil},
		{"404 is final", "GET", "/x", []func(http.ResponseWriter){status(404), ok}, 404, 1, nil},
		{"401 is final", "GET", "/x", []func(http.ResponseWriter){status(401), ok}, 401, 1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &script{steps: tc.steps}
			srv := httptest.NewServer(s)
			defer srv.Close()
			var waits []time.Duration
			client := &http.Client{Transport: newTestRetry(http.DefaultTransport, &waits, now)}
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(`{"body":"hello"}`))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus || s.hits() != tc.wantHits {
				t.Fatalf("status %d after %d requests, want %d after %d", resp.StatusCode, s.hits(), tc.wantStatus, tc.wantHits)
			}
			if !strings.Contains(string(got), `"message"`) {
				t.Errorf("the caller lost the answer's body: %q", got)
			}
			for i, b := range s.bodies {
				if b != `{"body":"hello"}` {
					t.Errorf("attempt %d sent body %q", i+1, b)
				}
			}
			if len(waits) != len(tc.wantWaits) {
				t.Fatalf("waited %v, want %d waits in %v", waits, len(tc.wantWaits), tc.wantWaits)
			}
			for i, w := range waits {
				// a Retry-After or reset may get up to a quarter of a backoff on top
				if lo, hi := tc.wantWaits[i][0], tc.wantWaits[i][1]; w < lo || (w > hi && w > lo+testPolicy.BaseDelay) {
					t.Errorf("wait %d = %s, want within [%s, %s]", i+1, w, lo, hi)
				}
			}
		})
	}
}

// TestRetryConnectionFailures: a refused connection sent nothing, so even a POST is retried;
// a connection that broke after sending is retried only for idempotent requests.
func TestRetryConnectionFailures(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String()
	l.Close()

	var brokenHits int
	var mu gosync.Mutex
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		brokenHits++
		mu.Unlock()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close() // no answer at all
		}
	}))
	defer broken.Close()

	for _, tc := range []struct {
		name, method, url string
		wantWaits         int
		wantBroken        int
	}{
		{"POST to a refused port", "POST", refused + "/repos/a/b/issues/1/comments", 4, 0},
		{"GET, connection closed without answer", "GET", broken.URL + "/x", 4, 5},
		{"POST a comment, connection closed without answer", "POST", broken.URL + "/repos/a/b/issues/1/comments", 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			brokenHits = 0
			mu.Unlock()
			var waits []time.Duration
			client := &http.Client{Transport: newTestRetry(&http.Transport{DisableKeepAlives: true}, &waits, time.Now())}
			req, _ := http.NewRequest(tc.method, tc.url, strings.NewReader("{}"))
			resp, err := client.Do(req)
			if err == nil {
				resp.Body.Close()
				t.Fatal("no error from a dead server")
			}
			mu.Lock()
			hits := brokenHits
			mu.Unlock()
			if len(waits) != tc.wantWaits || hits != tc.wantBroken {
				t.Fatalf("%d retries, %d requests reached the server; want %d, %d (%v)", len(waits), hits, tc.wantWaits, tc.wantBroken, err)
			}
		})
	}
}

// TestRetryRealWait: Retry-After is waited for in real time, and a cancelled context ends
// the wait at once.
func TestRetryRealWait(t *testing.T) {
	s := &script{steps: []func(http.ResponseWriter){status(429, "Retry-After", "1"), ok}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	client := &http.Client{Transport: Retry(nil, DefaultRetryPolicy)}
	start := time.Now()
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if took := time.Since(start); resp.StatusCode != 200 || took < time.Second || took > 5*time.Second {
		t.Fatalf("status %d after %s, want 200 after about 1s", resp.StatusCode, took)
	}

	s2 := &script{steps: []func(http.ResponseWriter){status(503, "Retry-After", "30")}}
	srv2 := httptest.NewServer(s2)
	defer srv2.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv2.URL, nil)
	start = time.Now()
	_, err = client.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("err %v after %s, want the context's deadline at once", err, time.Since(start))
	}
}
