package ops

import (
	"context"
	"fmt"
	gosync "sync"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// DriftSweep is how the leader checks every applied deployment for drift (drift.go).
type DriftSweep struct {
	// Origin is how to clone a registered repository (its installation's credentials).
	Origin func(ctx context.Context, repo config.Repo) (Origin, error)
	// Workers bounds the deployments checked at once, one deployment per worker; < 1: 1.
	Workers int
	// InFlight bounds the requests the whole sweep has in flight at the apiserver, all its
	// workers together (sync.Sweep); < 1: only each diff's own bound (the Planner's), so
	// Workers times that. The wiring gives it RIGEL_DIFF_CONCURRENCY.
	InFlight int
	// Board keeps the latest report of each deployment; nil: none is kept.
	Board *DriftBoard
	// Each, when set, is called with every report (a tracking issue, issue 12), from the
	// worker that made it.
	Each func(ctx context.Context, repo config.Repo, dep config.Deployment, r *DriftReport)
}

// SweepDrift checks every applied deployment of the registry for drift (Drift), at most
// sw.Workers at once, and records the reports on sw.Board; a deployment removed or no
// longer applied is forgotten there (and its metric dropped by the Observer's Forgot). It
// returns the reports made, and the first failure (the others are logged) after checking
// all the deployments it could. Nothing is applied.
func (s *Service) SweepDrift(ctx context.Context, sw DriftSweep) ([]*DriftReport, error) {
	src, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	type job struct {
		repo config.Repo
		dep  config.Deployment
	}
	var jobs []job
	keep := map[string]bool{}
	running := s.runningApplies(ctx) // skipped, not checked (drift_lock.go)
	for _, r := range src.Repos {
		for _, d := range r.Deployments {
			if DriftCheckable(d) {
				jobs = append(jobs, job{r, d})
				keep[d.Name] = true
			}
		}
	}
	if sw.Board != nil {
		for _, name := range sw.Board.Keep(keep) {
			s.observeDrift(name, false)
		}
	}
	workers := max(sw.Workers, 1)
	shared := sync.NewSweep(sw.InFlight) // the reads the previews of this sweep share
	var (
		mu      gosync.Mutex
		reports []*DriftReport
		errs    []error
		wg      gosync.WaitGroup
		next    = make(chan job)
	)
	log := zerolog.Ctx(ctx)
	for range min(workers, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				var (
					r   *DriftReport
					err error
				)
				if h := running[j.dep.Name]; h != nil {
					r = s.skip(sw, j.repo, j.dep, h)
				} else {
					r, err = s.sweepOne(ctx, sw, shared, j.repo, j.dep)
				}
				if err != nil {
					log.Warn().Err(err).Str("deployment", j.dep.Name).Msg("drift check failed")
				}
				mu.Lock()
				if r != nil {
					reports = append(reports, r)
				}
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		}()
	}
	for _, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		next <- j
	}
	close(next)
	wg.Wait()
	if ctx.Err() == nil {
		s.shareDrift(ctx, sw.Board) // for the other replicas (drift_share.go)
	}
	if len(errs) > 0 {
		return reports, fmt.Errorf("%d of %d drift checks failed: %w", len(errs), len(jobs), errs[0])
	}
	return reports, ctx.Err()
}

// sweepOne checks one deployment and records its report.
func (s *Service) sweepOne(ctx context.Context, sw DriftSweep, shared *sync.Sweep, repo config.Repo, dep config.Deployment) (*DriftReport, error) {
	o, err := sw.Origin(ctx, repo)
	if err != nil {
		return nil, fmt.Errorf("failed to reach %s for deployment %s: %w", repo.Repo, dep.Name, err)
	}
	r, err := s.driftIn(ctx, o, repo, dep, shared)
	if r == nil {
		return nil, err
	}
	synced := false // the registry read and the lock look share the sweep's bound (sync.Sweep)
	if r.Drifted() {
		_ = shared.Within(ctx, func() { synced = s.syncedSince(ctx, dep) })
	}
	if synced { // an apply ran meanwhile: not drift of it
		var prev *DriftReport
		if sw.Board != nil {
			prev = sw.Board.Get(dep.Name)
		}
		s.observeDrift(dep.Name, prev != nil && prev.Drifted())
		return nil, nil // the next sweep checks the new commit
	}
	if r.Drifted() { // an apply running now is changing the cluster: not drift of the old commit
		var h *Held
		_ = shared.Within(ctx, func() { h = s.applyRunning(ctx, dep.Name) })
		if h != nil {
			return s.skip(sw, repo, dep, h), nil
		}
	}
	var prev *DriftReport
	if sw.Board != nil {
		prev = sw.Board.Get(dep.Name)
	}
	if sw.Board != nil && r.State != DriftFailed { // a failed check keeps what was known
		sw.Board.Put(r)
	}
	s.observeDrift(dep.Name, r.Drifted())  // after the board: the metric never says more than the API
	s.notifyDrift(ctx, repo, dep, prev, r) // notify.go: found or cleared
	if sw.Each != nil {
		sw.Each(ctx, repo, dep, r)
	}
	if IsRefusal(err) { // a render failure is a report, not a failure of the sweep
		err = nil
	}
	return r, err
}

// skip records that dep was not checked because the apply h runs: the board says so (what
// /rigel list shows), the metric and the tracking issue keep what the last check found.
func (s *Service) skip(sw DriftSweep, repo config.Repo, dep config.Deployment, h *Held) *DriftReport {
	r := skippedReport(repo, dep, h)
	if sw.Board != nil {
		r.Previous = sw.Board.Get(dep.Name)
		if r.Previous != nil && r.Previous.State == DriftSkipped {
			r.Previous = r.Previous.Previous
		}
		sw.Board.Put(r)
	}
	s.observeDrift(dep.Name, r.Previous != nil && r.Previous.Drifted())
	return r
}

// StopDrift forgets every report of b and sets their metric to 0: a replica that stops
// leading knows nothing current of drift (the new leader checks again), and its metric must
// not keep saying a deployment drifts.
func (s *Service) StopDrift(b *DriftBoard) {
	if b == nil {
		return
	}
	for _, name := range b.Keep(nil) {
		s.observeDrift(name, false)
	}
}

// syncedSince says whether dep's last sync in the registry now differs from the one it was
// checked at: an apply recorded during the check, which compared the cluster it changed
// with the old commit. A registry that cannot be read says no.
func (s *Service) syncedSince(ctx context.Context, dep config.Deployment) bool {
	src, err := s.load(ctx)
	if err != nil {
		return false
	}
	_, now := src.FindDeployment(dep.Name)
	if now == nil || now.LastSync == nil {
		return true // removed meanwhile
	}
	return now.LastSync.Commit != dep.LastSync.Commit || !now.LastSync.Time.Equal(dep.LastSync.Time)
}
