package testenv

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Failure is an answer the fake GitHub gives instead of the real one (see FailWith).
type Failure struct {
	Method     string      // any when ""
	PathPrefix string      // without /api/v3
	Status     int         // e.g. 502, 403, 429
	Header     http.Header // e.g. Retry-After, X-RateLimit-Remaining and X-RateLimit-Reset
	Message    string      // the error body's message; "injected failure" when empty
	Times      int         // how many matching requests fail
	// After: the request is carried out first (a comment is created), then answered with the
	// failure, as when GitHub fails after doing the work.
	After bool
}

// FailWith makes the next f.Times requests matching f fail as f says. FailNext is the short form.
func (gh *GitHub) FailWith(f Failure) {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	gh.failures = append(gh.failures, &failRule{
		method: strings.ToUpper(f.Method), prefix: strings.TrimPrefix(f.PathPrefix, apiPrefix),
		status: f.Status, left: f.Times, header: f.Header.Clone(), msg: f.Message, after: f.After,
	})
}

// SecondaryRateLimit is GitHub's answer to a secondary rate limit: 403, Retry-After in
// seconds, and GitHub's message.
func SecondaryRateLimit(method, pathPrefix string, retryAfter time.Duration, times int) Failure {
	return Failure{
		Method: method, PathPrefix: pathPrefix, Status: http.StatusForbidden, Times: times,
		Header:  http.Header{"Retry-After": {strings.TrimSuffix(retryAfter.Round(time.Second).String(), "s")}},
		Message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
	}
}

// RateLimitExhausted is GitHub's answer when the primary rate limit is used up: 403 with
// X-RateLimit-Remaining 0 and X-RateLimit-Reset at reset.
func RateLimitExhausted(method, pathPrefix string, reset time.Time, times int) Failure {
	return Failure{
		Method: method, PathPrefix: pathPrefix, Status: http.StatusForbidden, Times: times,
		Header: http.Header{
			"X-Ratelimit-Limit": {"5000"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Used": {"5000"},
			"X-Ratelimit-Reset": {strconv.FormatInt(reset.Unix(), 10)}, "X-Ratelimit-Resource": {"core"},
		},
		Message: "API rate limit exceeded for installation ID 4242.",
	}
}

// ClearFailures drops the failures not used up yet.
func (gh *GitHub) ClearFailures() {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	gh.failures = nil
}

// SetTokenExpiry sets how long installation tokens minted from now on are valid (an hour
// unless set), e.g. 61s to make ghinstallation renew them within a second or two.
func (gh *GitHub) SetTokenExpiry(d time.Duration) {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	gh.tokenExpiry = d
}

func (gh *GitHub) writeFailure(w http.ResponseWriter, f *failRule) {
	for k, vs := range f.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	msg := f.msg
	if msg == "" {
		msg = "injected failure"
	}
	gh.errorJSON(w, f.status, msg)
}

type hold struct {
	released chan struct{}
	waiting  atomic.Int64
}

func (f *failRule) wait() {
	f.hold.waiting.Add(1)
	defer f.hold.waiting.Add(-1)
	<-f.hold.released
}

// Hold makes the requests whose method (any when "") and path start with pathPrefix wait
// until release is called, then serves them as usual: a GitHub that answers slowly, to keep
// Rigel's workers busy. waiting says how many requests wait now. release is safe to call
// more than once.
func (gh *GitHub) Hold(method, pathPrefix string) (waiting func() int, release func()) {
	h := &hold{released: make(chan struct{})}
	rule := &failRule{method: strings.ToUpper(method), prefix: strings.TrimPrefix(pathPrefix, apiPrefix), left: 1 << 30, hold: h}
	gh.mu.Lock()
	gh.failures = append(gh.failures, rule)
	gh.mu.Unlock()
	var once sync.Once
	return func() int { return int(h.waiting.Load()) }, func() {
		once.Do(func() {
			gh.mu.Lock()
			rule.left = 0
			gh.mu.Unlock()
			close(h.released)
		})
	}
}
