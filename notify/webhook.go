package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The defaults of a Webhook's retries.
const (
	DefaultAttempts   = 5
	DefaultBackoff    = time.Second
	DefaultMaxBackoff = 30 * time.Second
	defaultTimeout    = 10 * time.Second
)

// ErrNoWebhook says the webhook's Secret holds no URL: nothing is sent, and it is no failure.
var ErrNoWebhook = errors.New("no webhook URL is configured")

// Webhook sends messages to a Slack-compatible incoming webhook: a POST of {"text": …} as
// JSON. Its URL is a credential: it is read at each message (so that rotating the Secret
// needs no restart) and appears in no error and no log.
type Webhook struct {
	// URL returns the webhook's URL (read from the Secret); "" or ErrNoWebhook: none is
	// configured.
	URL func(ctx context.Context) (string, error)
	// Client sends the requests; nil: one with a 10s timeout that follows no redirect.
	Client *http.Client
	// Attempts bounds the attempts of a message, the first included (< 1: DefaultAttempts);
	// Backoff is the first wait between them, doubled each time with full jitter, at most
	// MaxBackoff (or what a 429's Retry-After asks, within MaxBackoff).
	Attempts            int
	Backoff, MaxBackoff time.Duration

	sleep func(ctx context.Context, d time.Duration) error // nil: a timer
}

// SendError is a message the webhook did not take after every attempt, or refused for good.
type SendError struct {
	Attempts int
	Status   int    // the last HTTP status; 0: no answer
	Why      string // what failed, without the URL
}

func (e *SendError) Error() string {
	return fmt.Sprintf("the webhook did not take the message after %d attempt(s): %s", e.Attempts, e.Why)
}

// Send posts text to the webhook, retrying a failed connection, a 429 and a 5xx with backoff
// at most w.Attempts times in all; any other answer but 2xx is final. It returns ErrNoWebhook
// when none is configured.
func (w *Webhook) Send(ctx context.Context, text string) error {
	raw, err := w.URL(ctx)
	if err != nil {
		if errors.Is(err, ErrNoWebhook) {
			return err
		}
		return fmt.Errorf("failed to read the webhook's URL: %w", err)
	}
	if raw == "" {
		return ErrNoWebhook
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return &SendError{Attempts: 0, Why: "the configured webhook URL is not an http(s) URL"}
	}
	// The text is a summary Message made (failures already redacted); the URL is removed
	// should anything have carried it.
	body, err := json.Marshal(map[string]string{"text": strings.ReplaceAll(text, raw, "[redacted]")})
	if err != nil {
		return fmt.Errorf("failed to encode the message: %w", err)
	}
	attempts := w.Attempts
	if attempts < 1 {
		attempts = DefaultAttempts
	}
	backoff, maxBackoff := w.Backoff, w.MaxBackoff
	if backoff <= 0 {
		backoff = DefaultBackoff
	}
	if maxBackoff <= 0 {
		maxBackoff = DefaultMaxBackoff
	}
	last := &attempt{}
	for i := range attempts {
		if i > 0 {
			wait := time.Duration(rand.Int64N(int64(min(backoff<<(i-1), maxBackoff)) + 1))
			if last.Status == http.StatusTooManyRequests && last.retryAfter > 0 {
				wait = min(last.retryAfter, maxBackoff)
			}
			if err := w.wait(ctx, wait); err != nil {
				return &SendError{Attempts: i, Status: last.Status, Why: last.Why + "; then " + err.Error()}
			}
		}
		retry, res := w.post(ctx, raw, body)
		if res == nil {
			return nil
		}
		last = res
		if !retry {
			return &SendError{Attempts: i + 1, Status: res.Status, Why: res.Why}
		}
	}
	return &SendError{Attempts: attempts, Status: last.Status, Why: last.Why}
}

// attempt is one failed post: its status and why, and how long a 429 asks to wait.
type attempt struct {
	Status     int
	Why        string
	retryAfter time.Duration
}

// post sends one request; it returns nil when the webhook took it, else what failed and
// whether another attempt may succeed.
func (w *Webhook) post(ctx context.Context, raw string, body []byte) (retry bool, _ *attempt) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, raw, bytes.NewReader(body))
	if err != nil {
		return false, &attempt{Why: "the request could not be made"}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.client().Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // its text holds the URL: keep only the cause
			err = ue.Err
		}
		return ctx.Err() == nil, &attempt{Why: "no answer: " + Redact(err.Error(), raw)}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode == http.StatusTooManyRequests:
		a := &attempt{Status: resp.StatusCode, Why: "429 Too Many Requests"}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			a.retryAfter = time.Duration(s) * time.Second
		}
		return true, a
	case resp.StatusCode >= 500:
		return true, &attempt{Status: resp.StatusCode, Why: resp.Status}
	}
	return false, &attempt{Status: resp.StatusCode, Why: resp.Status + " (not retried: check the webhook's URL in its Secret)"}
}

func (w *Webhook) client() *http.Client {
	if w.Client != nil {
		return w.Client
	}
	return &http.Client{Timeout: defaultTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (w *Webhook) wait(ctx context.Context, d time.Duration) error {
	if w.sleep != nil {
		return w.sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
