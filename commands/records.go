package commands

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rigel-gitops/rigel/replica"
)

// The commands a replica is running are recorded by package replica (Leases.StartRecord);
// what is left here is how a command cut short (replica's causes) replies.

// stoppedError is a command that was stopped before it finished (shutdown, lost lock or
// record); Detail says what is known of what it did.
type stoppedError struct {
	Cause  error
	Detail string
}

func (e *stoppedError) Error() string { return e.Cause.Error() }
func (e *stoppedError) Unwrap() error { return e.Cause }

// stoppedReply answers a command that was cut short (by ctx, or by the context of an apply
// inside it, which err then carries), or "" when it was not.
func stoppedReply(ctx context.Context, line string, err error) string {
	cause := context.Cause(ctx)
	var detail string
	var se *stoppedError
	if errors.As(err, &se) {
		cause, detail = se.Cause, "\n\n"+se.Detail
	}
	if cause == nil {
		return ""
	}
	if errors.Is(cause, replica.ErrShuttingDown) {
		return fmt.Sprintf("⚠️ Rigel is shutting down and stopped %s before it finished; run it again.%s", code(short(line)), detail)
	}
	if replica.Lost(cause) {
		return fmt.Sprintf("⚠️ %s stopped before it finished: %s.%s\n\nRun it again; `/rigel list` shows the last recorded syncs.", code(short(line)), cause.Error(), detail)
	}
	return ""
}

// replyContext is ctx, or when ctx already ended (a command cut short), a short-lived one
// that still lets the reply be posted.
func replyContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx.Err() == nil {
		return ctx, func() {}
	}
	return context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
}
