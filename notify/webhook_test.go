package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	gosync "sync"
	"testing"
	"time"
)

// hookServer is a webhook on 127.0.0.1 that answers each request with the next of answers
// (the last one repeated) and records the texts it received.
type hookServer struct {
	*httptest.Server
	mu      gosync.Mutex
	answers []int
	texts   []string
}

func newHookServer(t *testing.T, answers ...int) *hookServer {
	h := &hookServer{answers: answers}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]string
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(body, &m) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.texts = append(h.texts, m["text"])
		code := h.answers[min(len(h.texts), len(h.answers))-1]
		h.mu.Unlock()
		if code == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "7")
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookServer) got() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.texts...)
}

// TestWebhookSend: a message is retried after a failed connection, a 429 (after its
// Retry-After, within MaxBackoff) and a 5xx, at most Attempts times in all, with growing
// bounded waits; any other refusal is final; no error ever shows the URL (a credential).
func TestWebhookSend(t *testing.T) {
	tests := []struct {
		name     string
		answers  []int
		closed   bool // nobody listens
		wantErr  bool
		wantSent int // requests received
		wantWait []time.Duration
	}{
		{name: "taken at once", answers: []int{200}, wantSent: 1},
		{name: "5xx then taken", answers: []int{500, 503, 204}, wantSent: 3},
		{name: "429 waits its Retry-After within MaxBackoff", answers: []int{429, 200}, wantSent: 2, wantWait: []time.Duration{5 * time.Second}},
		{name: "always 5xx: bounded", answers: []int{502}, wantErr: true, wantSent: 4},
		{name: "a 4xx is final", answers: []int{404}, wantErr: true, wantSent: 1},
		{name: "nobody listens", closed: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHookServer(t, append(tt.answers, 200)[:max(len(tt.answers), 1)]...)
			secretURL := h.URL + "/services/T000/B000/XXXXsecretXXXX"
			if tt.closed {
				h.Close()
			}
			var waits []time.Duration
			w := &Webhook{URL: func(context.Context) (string, error) { return secretURL, nil }, Attempts: 4, Backoff: time.Second, MaxBackoff: 5 * time.Second,
				sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
			err := w.Send(context.Background(), "hello")
			if (err != nil) != tt.wantErr {
				t.Fatalf("Send: %v", err)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Fatalf("the error shows the URL: %v", err)
			}
			if n := len(h.got()); !tt.closed && n != tt.wantSent {
				t.Fatalf("%d requests, want %d", n, tt.wantSent)
			}
			var se *SendError
			if tt.wantErr && (!errors.As(err, &se) || se.Attempts > 4) {
				t.Fatalf("error %v, want a *SendError of at most 4 attempts", err)
			}
			for i, d := range waits {
				if d < 0 || d > 5*time.Second {
					t.Fatalf("wait %d is %s, beyond MaxBackoff", i, d)
				}
			}
			if tt.wantWait != nil && (len(waits) != len(tt.wantWait) || waits[0] != tt.wantWait[0]) {
				t.Fatalf("waits %v, want %v", waits, tt.wantWait)
			}
			for _, text := range h.got() {
				if text != "hello" {
					t.Fatalf("received %q", text)
				}
			}
		})
	}
}

// TestWebhookNotConfigured: no URL is no failure and sends nothing; a URL that is not http(s)
// is refused without showing it.
func TestWebhookNotConfigured(t *testing.T) {
	w := &Webhook{URL: func(context.Context) (string, error) { return "", nil }}
	if err := w.Send(context.Background(), "x"); !errors.Is(err, ErrNoWebhook) {
		t.Fatalf("no URL: %v, want ErrNoWebhook", err)
	}
	w.URL = func(context.Context) (string, error) { return "ftp://hooks.example/T/secret-token", nil }
	err := w.Send(context.Background(), "x")
	if err == nil || strings.Contains(err.Error(), "secret-token") {
		t.Fatalf("bad URL: %v", err)
	}
}

// TestWebhookWaitEndsWithContext: a retry's wait ends when the context does.
func TestWebhookWaitEndsWithContext(t *testing.T) {
	h := newHookServer(t, 500)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	w := &Webhook{URL: func(context.Context) (string, error) { return h.URL, nil }, Attempts: 3, Backoff: time.Hour, MaxBackoff: time.Hour}
	start := time.Now()
	if err := w.Send(ctx, "x"); err == nil {
		t.Fatal("sent")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("the wait outlived the context")
	}
}
