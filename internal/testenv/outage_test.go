package testenv

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestOutage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hello") }))
	defer srv.Close()
	o, err := StartOutage(strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer o.Stop()
	client := &http.Client{Transport: &http.Transport{}} // keeps connections: Down must cut them
	get := func() (string, error) {
		resp, err := client.Get("http://" + o.Addr())
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	for i, step := range []struct {
		do   func() error
		want string // "" means a failure to connect
	}{
		{nil, "hello"},
		{func() error { o.Down(); return nil }, ""},
		{func() error { o.Down(); return nil }, ""}, // twice is fine
		{o.Up, "hello"},
		{o.Up, "hello"}, // twice is fine
		{func() error { o.Down(); return nil }, ""},
		{o.Up, "hello"},
	} {
		if step.do != nil {
			if err := step.do(); err != nil {
				t.Fatal(err)
			}
		}
		got, err := get()
		if step.want == "" && (err == nil || !strings.Contains(err.Error(), "connection refused")) {
			t.Fatalf("step %d: got %q, %v; want connection refused", i, got, err)
		}
		if step.want != "" && (err != nil || got != step.want) {
			t.Fatalf("step %d: got %q, %v; want %q", i, got, err, step.want)
		}
	}
}
