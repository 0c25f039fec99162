package testenv

import (
	"net/http"
	"strings"
	"testing"
)

// TestWebhookReceiver takes Slack's messages, refuses what Slack refuses, and fails on demand.
func TestWebhookReceiver(t *testing.T) {
	w, err := StartWebhookReceiver()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if !strings.HasPrefix(w.URL(), "http://127.0.0.1:") {
		t.Fatalf("URL %s is not on loopback", w.URL())
	}
	post := func(ct, body string) int {
		resp, err := http.Post(w.URL()+"/services/T/B/x", ct, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("application/json", `{"text":"hello"}`); code != 200 {
		t.Fatalf("a message: %d", code)
	}
	w.FailNext(503)
	if code := post("application/json", `{"text":"again"}`); code != 503 {
		t.Fatalf("a failure asked for: %d", code)
	}
	if code := post("text/plain", `hello`); code != 400 {
		t.Fatalf("not JSON: %d", code)
	}
	if code := post("application/json", `{"text":""}`); code != 400 {
		t.Fatalf("no text: %d", code)
	}
	if m := w.Messages(); len(m) != 1 || m[0].Text != "hello" || m[0].Path != "/services/T/B/x" {
		t.Fatalf("messages %+v", m)
	}
	if v := w.Violations(); len(v) != 2 {
		t.Fatalf("violations %v", v)
	}
}
