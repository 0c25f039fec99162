package commands

import (
	gosync "sync"
	"time"
)

// RateLimiter bounds how many commands one person runs in one repository: at most limit in
// any window (a sliding window). It lives in memory, in one replica: with N replicas behind a
// load balancer a person may run up to N times the limit. A nil *RateLimiter admits everything.
type RateLimiter struct {
	limit  int
	window time.Duration

	mu    gosync.Mutex
	keys  map[string]*rateKey
	swept time.Time
}

type rateKey struct {
	admitted []time.Time // when the commands of the last window were admitted, oldest first
	told     time.Time   // when the person was last told they hit the limit
}

// NewRateLimiter admits limit commands per window per key; limit 0 or less: no limit (nil).
func NewRateLimiter(limit int, window time.Duration) *RateLimiter {
	if limit <= 0 || window <= 0 {
		return nil
	}
	return &RateLimiter{limit: limit, window: window, keys: map[string]*rateKey{}}
}

// Limit is how many commands a key may run per window; 0 when l is nil.
func (l *RateLimiter) Limit() int {
	if l == nil {
		return 0
	}
	return l.limit
}

// Admit admits up to n commands of key at now, and returns how many it admitted (the first
// ones) and whether to tell the person about the others: once per window, so that a flood of
// commands gets one answer, not one per comment.
func (l *RateLimiter) Admit(key string, n int, now time.Time) (admitted int, tell bool) {
	if l == nil || n <= 0 {
		return max(n, 0), false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	k := l.keys[key]
	if k == nil {
		k = &rateKey{}
		l.keys[key] = k
	}
	k.admitted = since(k.admitted, now.Add(-l.window))
	admitted = min(n, max(l.limit-len(k.admitted), 0))
	for range admitted {
		k.admitted = append(k.admitted, now)
	}
	if admitted < n && (k.told.IsZero() || now.Sub(k.told) >= l.window) {
		k.told, tell = now, true
	}
	return admitted, tell
}

// since drops the times at or before cutoff.
func since(times []time.Time, cutoff time.Time) []time.Time {
	i := 0
	for i < len(times) && !times[i].After(cutoff) {
		i++
	}
	return times[i:]
}

// sweep forgets, once a window, the keys that ran nothing and were told nothing in the last
// window, so memory follows the people active now.
func (l *RateLimiter) sweep(now time.Time) {
	if now.Sub(l.swept) < l.window {
		return
	}
	l.swept = now
	cutoff := now.Add(-l.window)
	for key, k := range l.keys {
		if len(since(k.admitted, cutoff)) == 0 && !k.told.After(cutoff) {
			delete(l.keys, key)
		}
	}
}

// size is how many keys the limiter remembers, for tests.
func (l *RateLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}
