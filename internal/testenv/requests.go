package testenv

import (
	"net/http"
	"strings"
	gosync "sync"
)

// RequestLog is an http.RoundTripper that records each request a client sends ("GET
// /api/v1/namespaces/x/configmaps/y?…") before passing it to Next: tests use it to show that
// some object was never dry-run nor read.
type RequestLog struct {
	Next http.RoundTripper

	mu   gosync.Mutex
	reqs []string
}

// RoundTrip records r and sends it with Next.
func (l *RequestLog) RoundTrip(r *http.Request) (*http.Response, error) {
	l.mu.Lock()
	l.reqs = append(l.reqs, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
	l.mu.Unlock()
	return l.Next.RoundTrip(r)
}

// Matching returns the recorded requests whose method, path and query contain s.
func (l *RequestLog) Matching(s string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.reqs {
		if strings.Contains(r, s) {
			out = append(out, r)
		}
	}
	return out
}
