package app

import (
	"net/http"
	"strconv"
	gosync "sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
)

// The HTTP server's limits. GitHub gives up on a delivery after 10 s, so a hook body that
// takes longer than ReadTimeout (30 s: 25 MB at about 7 Mbit/s) to arrive is not GitHub's:
// the connection is cut and nothing runs. The HTTP API answers a sync with apply only when the
// apply has waited for health (RIGEL_APPLY_WAIT), so its responses may take that long plus
// rendering and diffing: WriteTimeout is ApplyWait plus 5 minutes. An idle keep-alive
// connection is closed after IdleTimeout.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeoutSlack = 5 * time.Minute
	idleTimeout       = 2 * time.Minute
)

// Hook requests being read at once: at most maxHookRequests, holding at most hookBytesBudget
// bytes of declared bodies (two of the largest GitHub sends). Over either, the delivery is
// answered 503 with Retry-After at once, never queued: with ReadTimeout, nobody can hold more
// than these buffers, nor for longer than ReadTimeout. A request holds its slot until it is
// answered, so while its delivery is recorded (issue 14: milliseconds, shared by those that
// arrive meanwhile) too: a burst of a thousand deliveries on a hundred connections fits.
const (
	maxHookRequests  = 256
	hookBytesBudget  = 2*MaxWebhookBytes + 4<<20
	hookBusyRetryAge = 10 * time.Second
)

// serverTimeouts are the limits of the HTTP server.
type serverTimeouts struct {
	ReadHeader, Read, Write, Idle time.Duration
}

// timeoutsFor are the limits for settings s.
func timeoutsFor(s *config.Settings) serverTimeouts {
	return serverTimeouts{ReadHeader: readHeaderTimeout, Read: readTimeout, Write: s.ApplyWait + writeTimeoutSlack, Idle: idleTimeout}
}

// newServer is the HTTP server of h with the limits t.
func newServer(h http.Handler, t serverTimeouts) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read, WriteTimeout: t.Write, IdleTimeout: t.Idle}
}

// hookLimiter caps the hook requests in flight by count and by declared body size.
type hookLimiter struct {
	refused  prometheus.Counter // nil: not counted
	slots    chan struct{}
	mu       gosync.Mutex
	bytes    int64 // declared bytes in flight
	budget   int64
	maxBytes int64 // the largest body read; an undeclared length counts as this
}

func newHookLimiter(n int, budget, maxBytes int64) *hookLimiter {
	return &hookLimiter{slots: make(chan struct{}, n), budget: budget, maxBytes: maxBytes}
}

// countRefusals counts the requests l refuses in rigel_webhook_busy_total on reg.
func (l *hookLimiter) countRefusals(reg prometheus.Registerer) *hookLimiter {
	l.refused = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "rigel_webhook_busy_total",
		Help: "Webhook requests answered 503 unread because too many were being read at once (they ran nothing; redeliver them).",
	})
	reg.MustRegister(l.refused)
	return l
}

// wrap answers 503 with Retry-After, without reading the body, when next already serves as
// many hook requests (or bytes) as allowed; it never waits for room.
func (l *hookLimiter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		weight := r.ContentLength
		if weight < 0 || weight > l.maxBytes {
			weight = l.maxBytes
		}
		if !l.acquire(weight) {
			if l.refused != nil {
				l.refused.Inc()
			}
			zerolog.Ctx(r.Context()).Warn().Str("event", r.Header.Get("X-GitHub-Event")).Str("delivery", r.Header.Get("X-GitHub-Delivery")).
				Int64("bytes", r.ContentLength).Msg("too many webhook requests at once: answered 503, the delivery did not run")
			w.Header().Set("Retry-After", strconv.Itoa(int(hookBusyRetryAge.Seconds())))
			w.Header().Set("Connection", "close")
			http.Error(w, "Rigel is reading too many deliveries at once: this one was not read and did not run. Redeliver it later.", http.StatusServiceUnavailable)
			return
		}
		defer l.release(weight)
		next.ServeHTTP(w, r)
	})
}

func (l *hookLimiter) acquire(weight int64) bool {
	select {
	case l.slots <- struct{}{}:
	default:
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.bytes+weight > l.budget {
		<-l.slots
		return false
	}
	l.bytes += weight
	return true
}

func (l *hookLimiter) release(weight int64) {
	l.mu.Lock()
	l.bytes -= weight
	l.mu.Unlock()
	<-l.slots
}
