package app

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/palantir/go-githubapp/githubapp"
	"github.com/rs/zerolog"

	coord "github.com/rigel-gitops/rigel/replica"
)

// blocking is a handler that runs until released or until its context ends, and says which.
type blocking struct {
	started chan struct{}
	release chan struct{}
	ended   chan error // the context's cause, or nil when released
}

func newBlocking() *blocking {
	return &blocking{started: make(chan struct{}, 10), release: make(chan struct{}), ended: make(chan error, 10)}
}

func (b *blocking) Handles() []string { return []string{"issue_comment"} }

func (b *blocking) Handle(ctx context.Context, _, _ string, _ []byte) error {
	b.started <- struct{}{}
	select {
	case <-b.release:
		b.ended <- nil
	case <-ctx.Done():
		b.ended <- context.Cause(ctx)
	}
	return nil
}

func TestDrain(t *testing.T) {
	tests := []struct {
		name      string
		grace     time.Duration
		release   bool // the running command finishes during the grace period
		wantCause error
		maxTook   time.Duration
		wantRuns  int // the queued delivery runs only when the running one finished in time
	}{
		{"a command that finishes in time is not cut short", 5 * time.Second, true, nil, 2 * time.Second, 2},
		// the queued one does not start: it stays recorded in the inbox for another replica (issue 14)
		{"a command still running after the grace period is cut short", 300 * time.Millisecond, false, coord.ErrShuttingDown, 300*time.Millisecond + CutShortWait, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newDrain(tc.grace)
			h := newBlocking()
			s := d.scheduler(githubapp.QueueAsyncScheduler(10, 1))
			for i := 0; i < 2; i++ { // one runs, one waits in the queue
				if err := s.Schedule(context.Background(), githubapp.Dispatch{Handler: h, EventType: "issue_comment"}); err != nil {
					t.Fatal(err)
				}
			}
			<-h.started
			e := echo.New()
			e.POST("/hook", func(c echo.Context) error { return c.String(http.StatusAccepted, "") }, d.refuse)
			post := func() int {
				rec := httptest.NewRecorder()
				e.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/hook", nil))
				return rec.Code
			}
			if code := post(); code != http.StatusAccepted {
				t.Fatalf("before draining the hook answered %d", code)
			}

			start := time.Now()
			done := make(chan struct{})
			go func() { d.shutdown(zerolog.Nop()); close(done) }()
			deadline := time.Now().Add(2 * time.Second)
			for post() != http.StatusServiceUnavailable {
				if time.Now().After(deadline) {
					t.Fatal("the hook never answered 503 while draining")
				}
				time.Sleep(10 * time.Millisecond)
			}
			err := s.Schedule(context.Background(), githubapp.Dispatch{Handler: h, EventType: "issue_comment"})
			if !errors.Is(err, githubapp.ErrCapacityExceeded) {
				t.Fatalf("Schedule while draining = %v, want ErrCapacityExceeded (503)", err)
			}
			if tc.release {
				close(h.release) // both the running and the queued one finish
			}
			<-done
			if took := time.Since(start); took > tc.maxTook {
				t.Errorf("shutdown took %s, want at most %s", took, tc.maxTook)
			}
			for i := 0; i < tc.wantRuns; i++ {
				select {
				case cause := <-h.ended:
					if !errors.Is(cause, tc.wantCause) || (tc.wantCause == nil && cause != nil) {
						t.Errorf("delivery %d ended with %v, want %v", i, cause, tc.wantCause)
					}
				case <-time.After(2 * time.Second):
					t.Fatalf("delivery %d never ended: a queued delivery was dropped", i)
				}
			}
			time.Sleep(100 * time.Millisecond)
			if n := len(h.started) + 1; n != tc.wantRuns { // + the one taken at the start
				t.Errorf("%d deliveries started, want %d", n, tc.wantRuns)
			}
		})
	}
}
