package metrics

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestTransport(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.Header().Set("X-RateLimit-Remaining", "4999")
			w.WriteHeader(http.StatusOK)
		case "/created":
			w.Header().Set("X-RateLimit-Remaining", "4998")
			w.WriteHeader(http.StatusCreated)
		case "/limited":
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.WriteHeader(http.StatusForbidden)
		default: // no rate limit header: the gauge keeps the last value
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	reg := prometheus.NewRegistry()
	m := New(reg)
	client := &http.Client{Transport: m.Transport(nil)}

	steps := []struct {
		path          string
		wantRemaining float64
	}{
		{"/ok", 4999},
		{"/created", 4998},
		{"/ok", 4999},
		{"/missing", 4999},
		{"/limited", 0},
		{"/missing", 0},
	}
	for _, s := range steps {
		resp, err := client.Get(srv.URL + s.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := value(t, reg, "rigel_github_rate_limit_remaining", nil); got != s.wantRemaining {
			t.Fatalf("after GET %s: rate limit remaining = %v, want %v", s.path, got, s.wantRemaining)
		}
	}
	// A request that gets no answer at all.
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	if resp, err := client.Get(deadURL); err == nil {
		resp.Body.Close()
		t.Fatal("a request to a closed server succeeded")
	}

	for code, want := range map[string]float64{"200": 2, "201": 1, "403": 1, "404": 2, "error": 1} {
		t.Run("code "+code, func(t *testing.T) {
			if got := value(t, reg, "rigel_github_requests_total", map[string]string{"code": code}); got != want {
				t.Fatalf("rigel_github_requests_total{code=%q} = %v, want %v", code, got, want)
			}
		})
	}
}
