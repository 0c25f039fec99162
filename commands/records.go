package commands

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/replica"
	"github.com/rigel-gitops/rigel/sync"
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

// interruptedApply is called when an apply returned and its context had ended: Rigel is
// shutting down, or lost its lock or record. It records the interrupted sync in the registry
// and says what is known. It returns nil when the apply was not interrupted.
func (r *Runner) interruptedApply(ctx context.Context, dep string, commit string, res *sync.Result, applyErr error) error {
	if ctx.Err() == nil {
		return nil
	}
	cause := context.Cause(ctx)
	last := config.LastSync{Commit: commit, Time: time.Now().UTC().Truncate(time.Second), Status: sync.StatusFailed,
		Message: fmt.Sprintf("interrupted while applying (%s): some objects may not have been applied", shortCause(cause))}
	detail := fmt.Sprintf("It was applying %s at %s, so some objects may have changed and others not.", code(dep), code(shortSHA(commit)))
	if applyErr == nil && res != nil {
		last.Status = res.Status
		last.Message = resultMessage(res) + fmt.Sprintf("; interrupted while waiting for health (%s)", shortCause(cause))
		detail = fmt.Sprintf("It had applied %s at %s (%s) and was waiting for it to become healthy.", code(dep), code(shortSHA(commit)), resultMessage(res))
	}
	rctx, done := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer done()
	if _, err := r.Registry.Update(rctx, func(s *config.Sources) error { return s.SetLastSync(dep, last) }); err != nil {
		zerolog.Ctx(ctx).Error().Err(err).Msg("failed to record the interrupted sync")
		detail += fmt.Sprintf(" Rigel could not record that in %s: %v.", config.SourcesConfigMap, err)
	} else {
		detail += fmt.Sprintf(" The registry records this sync as %s.", last.Status)
		r.observeApply(dep, res0(res, last.Time), last.Status, last.Time)
	}
	detail += fmt.Sprintf(" `/rigel diff %s` shows where the cluster stands.", dep)
	return &stoppedError{Cause: cause, Detail: detail}
}

// res0 is when the apply started, for the duration metric (now when unknown).
func res0(res *sync.Result, now time.Time) time.Time {
	if res != nil && !res.Started.IsZero() {
		return res.Started
	}
	return now
}

// shortCause says why an apply was stopped, for the registry (replica.CauseWords).
func shortCause(err error) string { return replica.CauseWords(err) }

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
