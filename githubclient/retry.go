package githubclient

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// RetryPolicy bounds how Retry retries a request to GitHub.
type RetryPolicy struct {
	MaxAttempts int           // attempts in all, the first included
	MaxWait     time.Duration // total time spent waiting between attempts
	BaseDelay   time.Duration // first backoff; doubled each time, with full jitter
	MaxDelay    time.Duration // cap of one backoff (a Retry-After may ask for more, within MaxWait)
}

// DefaultRetryPolicy is what Rigel uses. MaxWait stays under a minute on purpose: the retries
// run below ghinstallation, which hands out tokens at least a minute before they expire, so
// every retry still carries a valid token.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 5, MaxWait: 45 * time.Second, BaseDelay: 500 * time.Millisecond, MaxDelay: 8 * time.Second}

// Retry wraps next so requests to GitHub that failed for a passing reason are sent again:
//
//   - 429, and 403 for a rate limit (a Retry-After header, X-RateLimit-Remaining: 0, or a
//     "secondary rate limit" message): GitHub refuses such a request before doing anything, so
//     every method is retried, after Retry-After or X-RateLimit-Reset when given.
//   - 500, 502, 503, 504 and connection failures (reset, EOF, timeouts) after the request
//     was sent: the request may have been carried out, so only idempotent requests are
//     retried: GET, HEAD, OPTIONS, PUT, DELETE, and the two POSTs that are idempotent on
//     GitHub (adding a reaction answers the existing one; minting an installation token).
//     Creating a comment is not retried here; Comment checks whether it arrived first.
//   - a connection that could not be opened (refused, no route, DNS): nothing was sent, so
//     every method is retried.
//
// Attempts, the time spent waiting and each backoff are bounded by policy; a Retry-After or
// rate limit reset beyond what is left of MaxWait is not waited for: the answer is returned
// as it is. Backoffs are jittered. The wait ends with the request's context.
func Retry(next http.RoundTripper, policy RetryPolicy) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &retryTransport{next: next, policy: policy, sleep: sleepCtx, now: time.Now}
}

type retryTransport struct {
	next   http.RoundTripper
	policy RetryPolicy
	sleep  func(context.Context, time.Duration) error
	now    func() time.Time
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return t.next.RoundTrip(req) // the body cannot be sent twice
	}
	waited := time.Duration(0)
	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r = req.Clone(req.Context())
			r.Body = body
		}
		resp, err := t.next.RoundTrip(r)
		wait, why := t.verdict(req, resp, err, attempt)
		if why == "" || attempt >= t.policy.MaxAttempts || waited+wait > t.policy.MaxWait {
			return resp, err
		}
		zerolog.Ctx(req.Context()).Warn().Str("method", req.Method).Str("path", req.URL.Path).Str("reason", why).
			Int("attempt", attempt).Dur("wait", wait).Msg("GitHub request failed; retrying")
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		if err := t.sleep(req.Context(), wait); err != nil {
			return nil, err
		}
		waited += wait
	}
}

// verdict says whether to retry and after how long; why is "" when not.
func (t *retryTransport) verdict(req *http.Request, resp *http.Response, err error, attempt int) (time.Duration, string) {
	if err != nil {
		if req.Context().Err() != nil {
			return 0, ""
		}
		if notSent(err) {
			return t.backoff(attempt), "connection failed: " + err.Error()
		}
		if idempotent(req) && transientNetError(err) {
			return t.backoff(attempt), "connection broke: " + err.Error()
		}
		return 0, ""
	}
	if wait, limited := rateLimited(resp, t.now()); limited {
		return max(wait, t.backoff(attempt)/4), "rate limited (" + strconv.Itoa(resp.StatusCode) + ")"
	}
	switch resp.StatusCode {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if !idempotent(req) {
			return 0, ""
		}
		if d, ok := retryAfter(resp, t.now()); ok {
			return d, "server error " + strconv.Itoa(resp.StatusCode)
		}
		return t.backoff(attempt), "server error " + strconv.Itoa(resp.StatusCode)
	}
	return 0, ""
}

// backoff is the full-jitter exponential backoff before attempt+1.
func (t *retryTransport) backoff(attempt int) time.Duration {
	d := t.policy.BaseDelay << (attempt - 1)
	if d <= 0 || d > t.policy.MaxDelay {
		d = t.policy.MaxDelay
	}
	return d/2 + rand.N(d/2+1)
}

// idempotentPOSTs are the POSTs GitHub carries out at most once however often they are sent.
var idempotentPOSTs = regexp.MustCompile(`/(reactions|app/installations/\d+/access_tokens)$`)

func idempotent(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	case http.MethodPost:
		return idempotentPOSTs.MatchString(req.URL.Path)
	}
	return false
}

// rateLimited says whether resp refuses the request for a rate limit, and how long GitHub
// asks to wait (0 when it does not say).
func rateLimited(resp *http.Response, now time.Time) (time.Duration, bool) {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return 0, false
	}
	if d, ok := retryAfter(resp, now); ok {
		return d, true
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			return max(0, time.Unix(reset, 0).Sub(now)+time.Second), true
		}
		return 0, true
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return 0, true
	}
	// A secondary rate limit without headers: GitHub says so in the message. The body is put
	// back for the caller.
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(data), resp.Body), resp.Body}
	if msg := strings.ToLower(string(data)); strings.Contains(msg, "secondary rate limit") || strings.Contains(msg, "abuse") {
		return time.Minute, true // GitHub: wait at least a minute when it does not say how long
	}
	return 0, false
}

// retryAfter reads Retry-After in seconds or as an HTTP date.
func retryAfter(resp *http.Response, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now)), true
	}
	return 0, false
}

// notSent reports errors that happen before any byte of the request left: no connection.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// transientNetError reports a connection that broke or timed out mid-request.
func transientNetError(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
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
