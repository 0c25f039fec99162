package ops

import (
	"context"
	"fmt"
	gosync "sync"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
)

// DriftSweep is how the leader checks every applied deployment for drift (drift.go).
type DriftSweep struct {
	// Origin is how to clone a registered repository (its installation's credentials).
	Origin func(ctx context.Context, repo config.Repo) (Origin, error)
	// Workers bounds the deployments checked at once, one deployment per worker; < 1: 1.
	// Each diff has the Planner's own bound of requests in flight: the wiring gives the
	// sweep a Planner whose bound times Workers is the settings' RIGEL_DIFF_CONCURRENCY.
	Workers int
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
				r, err := s.sweepOne(ctx, sw, j.repo, j.dep)
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
	if len(errs) > 0 {
		return reports, fmt.Errorf("%d of %d drift checks failed: %w", len(errs), len(jobs), errs[0])
	}
	return reports, ctx.Err()
}

// sweepOne checks one deployment and records its report.
func (s *Service) sweepOne(ctx context.Context, sw DriftSweep, repo config.Repo, dep config.Deployment) (*DriftReport, error) {
	o, err := sw.Origin(ctx, repo)
	if err != nil {
		return nil, fmt.Errorf("failed to reach %s for deployment %s: %w", repo.Repo, dep.Name, err)
	}
	r, err := s.Drift(ctx, o, repo, dep)
	if r == nil {
		return nil, err
	}
	if r.Drifted() && s.syncedSince(ctx, dep) { // an apply ran meanwhile: not drift of it
		var prev *DriftReport
		if sw.Board != nil {
			prev = sw.Board.Get(dep.Name)
		}
		s.observeDrift(dep.Name, prev != nil && prev.Drifted())
		return nil, nil // the next sweep checks the new commit
	}
	var prev *DriftReport
	if sw.Board != nil {
		prev = sw.Board.Get(dep.Name)
	}
	if sw.Board != nil && r.State != DriftFailed { // a failed check keeps what was known
		sw.Board.Put(r)
	}
	s.notifyDrift(ctx, repo, dep, prev, r) // notify.go: found or cleared
	if sw.Each != nil {
		sw.Each(ctx, repo, dep, r)
	}
	if IsRefusal(err) { // a render failure is a report, not a failure of the sweep
		err = nil
	}
	return r, err
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
