package ops

import (
	"context"
	gosync "sync"

	"github.com/rigel-gitops/rigel/config"
)

// DriftBoard keeps the latest drift report of each deployment, in the memory of the replica
// that checks (the leader): the registry ConfigMap is the product's contract and holds no
// drift. After a leader change the new leader checks again within one interval; until then
// it knows nothing (a deployment absent from the board was not checked yet). Safe for
// concurrent use; the zero value is empty.
type DriftBoard struct {
	mu      gosync.Mutex
	reports map[string]*DriftReport
	// Shared, when set, is where the leader shares its reports with the other replicas, and
	// where a replica with no reports of its own reads them (drift_share.go).
	Shared DriftShare
}

// Put records r as the latest report of its deployment.
func (b *DriftBoard) Put(r *DriftReport) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.reports == nil {
		b.reports = map[string]*DriftReport{}
	}
	b.reports[r.Deployment] = r
}

// Get is the latest report of deployment, nil when it was not checked.
func (b *DriftBoard) Get(deployment string) *DriftReport {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.reports[deployment]
}

// All is a copy of the latest report of every deployment checked, by name.
func (b *DriftBoard) All() map[string]*DriftReport {
	out := map[string]*DriftReport{}
	if b == nil {
		return out
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for k, v := range b.reports {
		out[k] = v
	}
	return out
}

// Keep forgets the reports of the deployments keep does not name (removed, or no longer
// applied), and returns their names.
func (b *DriftBoard) Keep(keep map[string]bool) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var gone []string
	for k := range b.reports {
		if !keep[k] {
			gone = append(gone, k)
			delete(b.reports, k)
		}
	}
	return gone
}

// driftOf is the latest drift report of each of repo's deployments checked (this replica's,
// or the leader's shared ones: DriftReports), nil when drift detection is off (no board).
func (s *Service) driftOf(ctx context.Context, repo *config.Repo) map[string]*DriftReport {
	if s.Drifts == nil || repo == nil {
		return nil
	}
	all := s.DriftReports(ctx)
	out := map[string]*DriftReport{}
	for _, d := range repo.Deployments {
		if r := all[d.Name]; r != nil {
			out[d.Name] = r
		}
	}
	return out
}
