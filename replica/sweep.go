package replica

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/kube"
)

// Registry is the registry the Sweeper records an interrupted apply in (config.Registry; the
// shape of ops.Registry).
type Registry interface {
	// Update changes the registry with mutate, retried on conflicts; a mutate error aborts.
	Update(ctx context.Context, mutate func(*config.Sources) error) (*config.Sources, error)
}

// Sweeper finds the records of commands whose replica went away before they finished (their
// Lease expired), records an interrupted apply in the registry, reports each (Report), and
// deletes the record. Only the leader sweeps; even so, of several sweepers only one takes a
// record over, so each conversation is told once.
type Sweeper struct {
	Leases   *Leases
	Registry Registry
	// Report tells the conversation of u that its command did not finish (the wiring plugs in
	// the comment adapter's). On an error the record is left to expire again, and a later
	// sweep reports it again.
	Report func(ctx context.Context, u Unfinished) error
}

// errNewerSync stops the registry update when a later apply was recorded.
var errNewerSync = errors.New("a newer sync is recorded")

// errNoDeployment stops the registry update when the deployment is not registered (any more).
var errNoDeployment = errors.New("the deployment is not registered")

// Sweep reports every expired record once and returns how many it reported.
func (s *Sweeper) Sweep(ctx context.Context) (int, error) {
	log := zerolog.Ctx(ctx)
	k := s.Leases.kube
	list, err := k.List(ctx, labelKind+"="+string(KindCommand))
	if err != nil {
		return 0, err
	}
	var errs []error
	n := 0
	now := time.Now()
	for _, l := range list {
		if !l.Expired(now) {
			continue
		}
		u, rerr := readRecord(l)
		if verr := verifyRecord(s.Leases.key, l); verr != nil {
			rerr = verr // never report a record Rigel did not write
		}
		held, err := k.TakeOver(ctx, l, map[string]string{annLastSeen: u.LastSeen.UTC().Format(time.RFC3339)})
		var he *kube.HeldError
		switch {
		case errors.As(err, &he):
			continue // renewed, or another sweeper has it
		case err != nil:
			errs = append(errs, err)
			continue
		}
		rlog := log.With().Str("record", l.Name).Str("replica", u.Replica).Str("repo", u.Repo).Int("issue", u.Number).Str("delivery", u.Delivery).Logger()
		if rerr != nil { // not one Rigel wrote (or could have): nothing to tell anyone
			rlog.Warn().Err(rerr).Msg("deleting a command record that is broken or does not verify; its conversation is not told")
			_ = held.Release(ctx)
			continue
		}
		if err := s.report(rlog.WithContext(ctx), u); err != nil {
			held.Abandon() // it expires again, and a later sweep tries again
			errs = append(errs, fmt.Errorf("failed to report %s: %w", l.Name, err))
			continue
		}
		rlog.Info().Str("command", u.Command).Time("last_seen", u.LastSeen).Msg("told the conversation that a command did not finish")
		n++
		if err := held.Release(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}

// report records an interrupted apply in the registry and reports the command.
func (s *Sweeper) report(ctx context.Context, u Unfinished) error {
	if u.Applying() {
		u.Recorded, u.RecordErr = s.recordInterrupted(ctx, u)
	}
	return s.Report(ctx, u)
}

// recordInterrupted records the apply u was making as Failed, unless a later sync is
// recorded or the deployment is gone: recorded says whether it did, err why it could not.
func (s *Sweeper) recordInterrupted(ctx context.Context, u Unfinished) (recorded bool, _ error) {
	last := config.LastSync{Commit: u.Commit, Time: u.LastSeen.UTC().Truncate(time.Second), Status: "Failed",
		Message: fmt.Sprintf("interrupted while applying: replica %s went away", u.Replica)}
	_, err := s.Registry.Update(ctx, func(src *config.Sources) error {
		_, d := src.FindDeployment(u.Deployment)
		if d == nil {
			return errNoDeployment
		}
		if d.LastSync != nil && !d.LastSync.Time.Before(last.Time) {
			return errNewerSync
		}
		d.LastSync = &last
		return nil
	})
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, errNewerSync), errors.Is(err, errNoDeployment):
		return false, nil
	}
	zerolog.Ctx(ctx).Error().Err(err).Msg("failed to record the interrupted sync")
	return false, err
}
