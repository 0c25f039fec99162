package commands

import (
	"context"
	"errors"
	"fmt"
	"github.com/rigel-gitops/rigel/ops"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/kube"
)

// Sweeper finds the records of commands whose replica went away before they finished (their
// Lease expired), tells each conversation, and deletes the record. Only the leader sweeps;
// even so, of several sweepers only one takes a record over, so each conversation is told once.
type Sweeper struct {
	Leases   *kube.Leases
	Registry ops.Registry
	GitHub   func(installation int64) (GitHub, error)
	// MarkerKey is Runner.MarkerKey: a record is reported only when its MAC verifies under
	// the key derived from it (records_mac.go). nil: the key of a Runner without one.
	MarkerKey []byte
}

// errNewerSync stops the registry update when a later apply was recorded.
var errNewerSync = errors.New("a newer sync is recorded")

// Sweep reports every expired record once and returns how many it reported.
func (s *Sweeper) Sweep(ctx context.Context) (int, error) {
	log := zerolog.Ctx(ctx)
	list, err := s.Leases.List(ctx, leaseKindLabel+"=command")
	if err != nil {
		return 0, err
	}
	var errs []error
	n := 0
	now := time.Now()
	key := recordKeyFor((&Runner{MarkerKey: s.MarkerKey}).markerKey())
	for _, l := range list {
		if !l.Expired(now) {
			continue
		}
		ri, rerr := readRecord(l)
		if verr := verifyRecord(key, l); verr != nil {
			rerr = verr // never post for a record Rigel did not write
		}
		held, err := s.Leases.TakeOver(ctx, l, map[string]string{annLastSeen: ri.LastSeen.UTC().Format(time.RFC3339)})
		var he *kube.HeldError
		switch {
		case errors.As(err, &he):
			continue // renewed, or another sweeper has it
		case err != nil:
			errs = append(errs, err)
			continue
		}
		rlog := log.With().Str("record", l.Name).Str("replica", ri.Replica).Str("repo", ri.Repo.FullName()).Int("issue", ri.Number).Str("delivery", ri.Delivery).Logger()
		if rerr != nil { // not one Rigel wrote (or could have): nothing to tell anyone
			rlog.Warn().Err(rerr).Msg("deleting a command record that is broken or does not verify; its conversation is not told")
			_ = held.Release(ctx)
			continue
		}
		if err := s.report(rlog.WithContext(ctx), ri); err != nil {
			held.Abandon() // it expires again, and a later sweep tries again
			errs = append(errs, fmt.Errorf("failed to report %s: %w", l.Name, err))
			continue
		}
		rlog.Info().Str("command", ri.Command).Time("last_seen", ri.LastSeen).Msg("told the conversation that a command did not finish")
		n++
		if err := held.Release(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}

// report records an interrupted apply in the registry and tells the conversation.
func (s *Sweeper) report(ctx context.Context, ri recordInfo) error {
	recorded := ""
	if ri.Phase == phaseApplying && ri.Deployment != "" {
		recorded = s.recordInterrupted(ctx, ri)
	}
	gh, err := s.GitHub(ri.Installation)
	if err != nil {
		return err
	}
	// Sealed like every reply: no text in it can open an HTML comment or carry a marker.
	_, err = gh.Comment(ctx, ri.Repo, ri.Number, seal(s.MarkerKey, conversation{Repo: ri.Repo.FullName(), Number: ri.Number}, unfinishedReply(ri, recorded)))
	return err
}

// recordInterrupted records the apply the record was making as Failed, unless a later sync
// is recorded, and says what it did.
func (s *Sweeper) recordInterrupted(ctx context.Context, ri recordInfo) string {
	last := config.LastSync{Commit: ri.Commit, Time: ri.LastSeen.UTC().Truncate(time.Second), Status: "Failed",
		Message: fmt.Sprintf("interrupted while applying: replica %s went away", ri.Replica)}
	_, err := s.Registry.Update(ctx, func(src *config.Sources) error {
		_, d := src.FindDeployment(ri.Deployment)
		if d == nil {
			return &fault.NotFound{Kind: config.KindDeployment, Name: ri.Deployment}
		}
		if d.LastSync != nil && !d.LastSync.Time.Before(last.Time) {
			return errNewerSync
		}
		d.LastSync = &last
		return nil
	})
	switch {
	case err == nil:
		return "The registry now records that sync as Failed."
	case errors.Is(err, errNewerSync), fault.IsNotFound(err, config.KindDeployment):
		return ""
	}
	zerolog.Ctx(ctx).Error().Err(err).Msg("failed to record the interrupted sync")
	return fmt.Sprintf("Rigel could not record that in %s: %v.", config.SourcesConfigMap, err)
}

// unfinishedReply tells a conversation that a command's replica went away before it finished;
// recorded says what the registry now holds about an interrupted apply.
func unfinishedReply(ri recordInfo, recorded string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "⚠️ Rigel stopped before %s finished (the replica %s running it went away at %s). Nothing after that point ran; check `/rigel list` and run it again.",
		code(short(ri.Command)), code(ri.Replica), ri.LastSeen.UTC().Format("15:04:05 UTC, Jan 2"))
	if ri.Phase == phaseApplying && ri.Deployment != "" {
		fmt.Fprintf(&b, "\n\nIt was applying %s at %s, so some objects may have changed and others not.", code(ri.Deployment), code(shortSHA(ri.Commit)))
		if recorded != "" {
			b.WriteString(" " + recorded)
		}
		fmt.Fprintf(&b, " %s shows where the cluster stands.", code("/rigel diff "+ri.Deployment))
	}
	return b.String()
}
