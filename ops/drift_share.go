package ops

import (
	"context"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
)

// Drift known to every replica (issue 12): the leader checks, and after each sweep writes
// what its board holds to a small state object (config.DriftStore: the ConfigMap rigel-drift
// in Rigel's namespace, never the registry); every replica reads it there (DriftReports). The
// reports read back have no Plan.

// DriftShare keeps the drift reports where every replica reads them (config.DriftStore).
type DriftShare interface {
	// Load is what the leader last wrote, by deployment.
	Load(ctx context.Context) (map[string]config.DriftEntry, error)
	// Save replaces it; it returns how many entries did not fit.
	Save(ctx context.Context, entries map[string]config.DriftEntry) (int, error)
}

// DriftReports is the latest drift report of every deployment checked, by name: what the
// leader last shared, overlaid with this replica's own reports (the leader's, fresher; a new
// leader's first sweep fills them in); nil when drift detection is off. A shared state that
// cannot be read is logged, and only this replica's reports are known.
func (s *Service) DriftReports(ctx context.Context) map[string]*DriftReport {
	b := s.Drifts
	if b == nil {
		return nil
	}
	own := b.All()
	if b.Shared == nil {
		return own
	}
	entries, err := b.Shared.Load(ctx)
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("failed to read the drift the leader shared")
		return own
	}
	out := make(map[string]*DriftReport, len(entries)+len(own))
	for name, e := range entries {
		out[name] = reportOf(name, e)
	}
	for name, r := range own {
		out[name] = r
	}
	return out
}

// shareDrift writes the board's reports for the other replicas; a failure is logged (the
// next sweep writes again).
func (s *Service) shareDrift(ctx context.Context, b *DriftBoard) {
	if b == nil || b.Shared == nil {
		return
	}
	all := b.All()
	entries := make(map[string]config.DriftEntry, len(all))
	for name, r := range all {
		entries[name] = entryOf(r)
	}
	left, err := b.Shared.Save(ctx, entries)
	log := zerolog.Ctx(ctx)
	switch {
	case err != nil:
		log.Warn().Err(err).Msg("failed to share the drift with the other replicas; trying again after the next sweep")
	case left > 0:
		log.Warn().Int("left_out", left).Msg("the drift of some deployments does not fit the shared state; other replicas say they were not checked yet")
	}
}

// entryOf is the stored form of a report.
func entryOf(r *DriftReport) config.DriftEntry {
	e := config.DriftEntry{Commit: r.Commit, CheckedAt: r.CheckedAt.UTC(), State: r.State, Create: r.Create, Update: r.Update, Refused: r.Refused, Rejected: r.Rejected}
	if r.State == DriftSkipped && r.Previous != nil {
		p := entryOf(r.Previous)
		p.Previous = nil
		e.Previous = &p
	}
	return e
}

// reportOf is the report a stored entry says (no Plan, no Problem, no apply named).
func reportOf(name string, e config.DriftEntry) *DriftReport {
	r := &DriftReport{Deployment: name, Commit: e.Commit, CheckedAt: e.CheckedAt, State: e.State, Create: e.Create, Update: e.Update, Refused: e.Refused, Rejected: e.Rejected}
	if e.Previous != nil {
		r.Previous = reportOf(name, *e.Previous)
	}
	return r
}
