package ops

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	_, refused := http.Get(closed)
	if refused == nil {
		t.Fatal("a closed port answered")
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", refused, true},
		{"wrapped with %w", fmt.Errorf("failed to fetch: %w", refused), true},
		{"inside go-git's UnexpectedError", fmt.Errorf("x: %w", plumbing.NewUnexpectedError(refused)), true},
		{"an answer (404)", errors.New("repository not found"), false},
		{"go-git's UnexpectedError of an answer", plumbing.NewUnexpectedError(errors.New("unexpected status 500")), false},
		{"the command's deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), false},
		{"cancelled", &net.OpError{Op: "dial", Err: context.Canceled}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := unreachable(tc.err); got != tc.want {
				t.Fatalf("unreachable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
