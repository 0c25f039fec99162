package model

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// checkRequest validates a chat-completions request as Ask sends it and returns its context.
func checkRequest(t *testing.T, r *http.Request, wantKey string) Context {
	t.Helper()
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		t.Errorf("request %s %s, want POST /v1/chat/completions", r.Method, r.URL.Path)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+wantKey {
		t.Errorf("Authorization = %q", got)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	body, _ := io.ReadAll(r.Body)
	if strings.Contains(string(body), wantKey) {
		t.Errorf("the body carries the key")
	}
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
		ResponseFormat struct {
			Type       string `json:"type"`
			JSONSchema struct {
				Name   string         `json:"name"`
				Strict bool           `json:"strict"`
				Schema map[string]any `json:"schema"`
			} `json:"json_schema"`
		} `json:"response_format"`
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(&req); err != nil {
		t.Fatalf("request body: %v", err)
	}
	if req.Model != "tiny-1" || len(req.Messages) != 2 || req.Messages[0].Role != "system" || req.Messages[1].Role != "user" {
		t.Errorf("request: model %q, %d messages", req.Model, len(req.Messages))
	}
	if req.ResponseFormat.Type != "json_schema" || !req.ResponseFormat.JSONSchema.Strict || req.ResponseFormat.JSONSchema.Schema["type"] != "object" {
		t.Errorf("response_format = %+v", req.ResponseFormat)
	}
	var c Context
	if len(req.Messages) == 2 {
		d := json.NewDecoder(strings.NewReader(req.Messages[1].Content))
		d.DisallowUnknownFields()
		if err := d.Decode(&c); err != nil {
			t.Errorf("user message is not the context: %v", err)
		}
	}
	return c
}

func completion(content string) string {
	b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": content}, "finish_reason": "stop"}}})
	return string(b)
}

const goodAnswer = `{"reasoning":"The container exits 137 on start: it needs more memory.","findings":["exit code 137"],"workload":{"kind":"Deployment","name":"web","namespace":"shop"},"edits":[{"field":"memory","key":"","value":"512Mi","container":""}]}`

func newClient(t *testing.T, h http.HandlerFunc, timeout time.Duration) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	key := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(key, []byte("sk-testkey-0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{URL: srv.URL + "/v1", Name: "tiny-1", KeyFile: key, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAskAnswers(t *testing.T) {
	var calls atomic.Int32
	c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		got := checkRequest(t, r, "sk-testkey-0123456789abcdef")
		if got.Workload.Name != "web" || got.Request != "checkout keeps crashing" {
			t.Errorf("context = %+v", got)
		}
		io.WriteString(w, completion(goodAnswer))
	}, time.Second)
	a, err := c.Ask(context.Background(), Context{Workload: Target{"Deployment", "web", "shop"}, Request: "checkout keeps crashing"})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Edits) != 1 || a.Edits[0].String() != "memory=512Mi" || a.Workload.Name != "web" || !strings.Contains(a.Reasoning, "137") {
		t.Errorf("answer = %+v", a)
	}
	if calls.Load() != 1 {
		t.Errorf("%d calls", calls.Load())
	}
}

func TestAskFailures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		h     func(w http.ResponseWriter, r *http.Request)
		kind  string
		calls int32
		msg   string
	}{
		{"garbage", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<html>oops") }, Malformed, 1, "not a chat completion"},
		{"not the schema", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, completion(`{"fix":"more memory"}`)) }, Malformed, 1, "does not follow the schema"},
		{"prose", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, completion("Try more memory.")) }, Malformed, 1, "does not follow the schema"},
		{"unknown field", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, completion(`{"reasoning":"","findings":[],"workload":{"kind":"","name":"","namespace":""},"edits":[{"field":"command","key":"","value":"sh","container":""}]}`))
		}, Malformed, 1, "not one of"},
		{"refusal", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"choices":[{"message":{"role":"assistant","content":null,"refusal":"I cannot help with that."},"finish_reason":"stop"}]}`)
		}, Refused, 1, "declined"},
		{"cut off", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"choices":[{"message":{"content":"{\"reasoning\":\"abc"},"finish_reason":"length"}]}`)
		}, Malformed, 1, "cut off"},
		{"unauthorized", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusUnauthorized) }, Unavailable, 1, "401"},
		{"server error twice", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }, Unavailable, 2, "502"},
		{"slow", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, Timeout, 2, "no answer within"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				checkRequest(t, r, "sk-testkey-0123456789abcdef")
				tc.h(w, r)
			}, 300*time.Millisecond)
			_, err := c.Ask(context.Background(), Context{Workload: Target{"Deployment", "web", "shop"}})
			var me *Error
			if !errors.As(err, &me) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if me.Kind != tc.kind || !strings.Contains(me.Msg, tc.msg) || me.Model != "tiny-1" {
				t.Errorf("err = %+v, want kind %s with %q", me, tc.kind, tc.msg)
			}
			if calls.Load() != tc.calls {
				t.Errorf("%d calls, want %d (at most one retry)", calls.Load(), tc.calls)
			}
		})
	}
}

func TestAskRetriesOnce(t *testing.T) {
	var calls atomic.Int32
	c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, completion(goodAnswer))
	}, time.Second)
	if _, err := c.Ask(context.Background(), Context{}); err != nil || calls.Load() != 2 {
		t.Fatalf("err %v after %d calls", err, calls.Load())
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	for _, cfg := range []Config{{Name: "x"}, {URL: "http://127.0.0.1:1"}, {URL: "ftp://127.0.0.1/", Name: "x"}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}
