package testenv

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// WebhookReceiver is a Slack-compatible incoming webhook on 127.0.0.1 (issue 12,
// notifications): it takes a POST of JSON {"text": "…"} at any path, answers "ok" as Slack
// does, and records each message. A request Slack would refuse (another method, not JSON, no
// text) is answered 400 "invalid_payload" and recorded as a violation. FailNext makes it
// answer the next requests with an error, to test retries.
type WebhookReceiver struct {
	srv *httptest.Server

	mu         sync.Mutex
	messages   []WebhookMessage
	violations []string
	fail       []int // the statuses of the next answers
}

// WebhookMessage is one message the receiver took.
type WebhookMessage struct {
	Path string // the URL's path (its secret part, in Slack's URLs)
	Text string
	At   time.Time
}

// StartWebhookReceiver starts a receiver on 127.0.0.1.
func StartWebhookReceiver() (*WebhookReceiver, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("failed to listen for the webhook receiver: %w", err)
	}
	w := &WebhookReceiver{}
	w.srv = httptest.NewUnstartedServer(http.HandlerFunc(w.serve))
	w.srv.Listener.Close()
	w.srv.Listener = l
	w.srv.Start()
	return w, nil
}

// URL is the receiver's base URL; any path under it takes messages.
func (w *WebhookReceiver) URL() string { return w.srv.URL }

// Stop stops the receiver.
func (w *WebhookReceiver) Stop() { w.srv.Close() }

// FailNext makes the next len(statuses) requests answered with those statuses (not recorded
// as messages).
func (w *WebhookReceiver) FailNext(statuses ...int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.fail = append(w.fail, statuses...)
}

// Messages returns the messages taken, oldest first.
func (w *WebhookReceiver) Messages() []WebhookMessage {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]WebhookMessage(nil), w.messages...)
}

// Violations are the requests Slack would have refused.
func (w *WebhookReceiver) Violations() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.violations...)
}

func (w *WebhookReceiver) serve(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.fail) > 0 {
		code := w.fail[0]
		w.fail = w.fail[1:]
		rw.WriteHeader(code)
		_, _ = io.WriteString(rw, http.StatusText(code))
		return
	}
	var m map[string]any
	switch {
	case r.Method != http.MethodPost:
		w.violations = append(w.violations, r.Method+" "+r.URL.Path+": not a POST")
	case err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
		w.violations = append(w.violations, "POST "+r.URL.Path+": not JSON (Content-Type "+r.Header.Get("Content-Type")+")")
	case json.Unmarshal(body, &m) != nil:
		w.violations = append(w.violations, "POST "+r.URL.Path+": the body is not a JSON object")
	default:
		text, _ := m["text"].(string)
		if strings.TrimSpace(text) == "" {
			w.violations = append(w.violations, "POST "+r.URL.Path+": no text")
			break
		}
		w.messages = append(w.messages, WebhookMessage{Path: r.URL.Path, Text: text, At: time.Now()})
		_, _ = io.WriteString(rw, "ok")
		return
	}
	rw.WriteHeader(http.StatusBadRequest)
	_, _ = io.WriteString(rw, "invalid_payload")
}
