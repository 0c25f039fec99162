package metrics

import (
	"net/http"
	"strconv"
)

// Transport wraps next so every request to GitHub is counted by status code, and the rate
// limit left is read from the answer's X-RateLimit-Remaining. It fits
// githubapp.ClientMiddleware and any http.Client.
func (m *Metrics) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err != nil {
			m.ghRequests.WithLabelValues("error").Inc()
			return resp, err
		}
		m.ghRequests.WithLabelValues(strconv.Itoa(resp.StatusCode)).Inc()
		if v, err := strconv.ParseFloat(resp.Header.Get("X-RateLimit-Remaining"), 64); err == nil {
			m.ghRemaining.Set(v)
		}
		return resp, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
