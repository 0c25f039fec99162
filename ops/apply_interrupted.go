package ops

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/replica"
	"github.com/rigel-gitops/rigel/sync"
)

// interrupted is called when an apply returned: when its context had ended (Rigel is shutting
// down, or lost its lock or record), it records the interrupted sync (as kind) in the registry and
// returns an *Interrupted that says what is known. It returns nil when the apply was not
// interrupted.
func (s *Service) interrupted(ctx context.Context, dep string, commit, kind string, res *sync.Result, applyErr error) error {
	if ctx.Err() == nil {
		return nil
	}
	cause := context.Cause(ctx)
	why := replica.CauseWords(cause)
	last := config.LastSync{Commit: commit, Time: time.Now().UTC().Truncate(time.Second), Status: sync.StatusFailed,
		Message: fmt.Sprintf("interrupted while applying (%s): some objects may not have been applied", why), Kind: kind}
	out := &Interrupted{Deployment: dep, Commit: commit, Cause: cause}
	if applyErr == nil && res != nil {
		last.Status = res.Status
		last.Message = ResultMessage(res) + fmt.Sprintf("; interrupted while waiting for health (%s)", why)
		out.Result = res
	}
	rctx, done := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer done()
	if _, err := s.Registry.Update(rctx, func(src *config.Sources) error { return src.SetLastSyncKeeping(dep, last, s.syncHistory()) }); err != nil {
		zerolog.Ctx(ctx).Error().Err(err).Msg("failed to record the interrupted sync")
		out.RecordErr = err
	} else {
		out.Recorded = last.Status
		s.observeApply(dep, startOf(res, last.Time), last.Status, last.Time)
	}
	return out
}

// startOf is when the apply started, for the duration metric (now when unknown).
func startOf(res *sync.Result, now time.Time) time.Time {
	if res != nil && !res.Started.IsZero() {
		return res.Started
	}
	return now
}
