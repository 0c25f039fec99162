package ops

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
)

// DriftSkipped is the state of a deployment the sweep did not check because an apply of it was
// running (its apply lock held): a re-preview then compares the old commit with a cluster
// half applied, which is not drift. The next sweep checks it again.
const DriftSkipped = "skipped"

// ApplyLooker tells which deployments an apply is running for, looking at their apply locks
// without taking them (replica.Leases implements it); a Service.Locker that implements it is
// asked by the drift sweep.
type ApplyLooker interface {
	// RunningApplies names the deployments whose apply lock is held now.
	RunningApplies(ctx context.Context) (map[string]*Held, error)
	// ApplyRunning is the apply holding deployment's lock now, nil when none.
	ApplyRunning(ctx context.Context, deployment string) (*Held, error)
}

// runningApplies is what the sweep skips: the deployments an apply runs for as it starts
// (none when the Locker cannot tell, or the Leases cannot be read: logged, and the check of a
// drifted deployment looks again, applyRunning).
func (s *Service) runningApplies(ctx context.Context) map[string]*Held {
	l, ok := s.Locker.(ApplyLooker)
	if !ok {
		return nil
	}
	running, err := l.RunningApplies(ctx)
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("failed to look at the apply locks; the drift sweep checks every deployment")
		return nil
	}
	return running
}

// applyRunning is the apply of dep running now, nil when none (or the Locker cannot tell).
func (s *Service) applyRunning(ctx context.Context, dep string) *Held {
	l, ok := s.Locker.(ApplyLooker)
	if !ok {
		return nil
	}
	h, err := l.ApplyRunning(ctx, dep)
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Str("deployment", dep).Msg("failed to look at the apply lock")
		return nil
	}
	return h
}

// skippedReport is the report of a deployment not checked because the apply h runs.
func skippedReport(repo config.Repo, dep config.Deployment, h *Held) *DriftReport {
	return &DriftReport{Deployment: dep.Name, Repo: repo.Repo, Commit: dep.LastSync.Commit, CheckedAt: time.Now(), State: DriftSkipped, Applying: h}
}
