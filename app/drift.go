package app

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/ops"
)

// A drift tracking issue (issue 12) is kept through the installation's GitHub.
var _ ops.IssueForge = (*githubclient.Installation)(nil)

// driftWorkers is the most deployments the drift sweep checks at once (issue 12). Their
// requests share one bound, RIGEL_DIFF_CONCURRENCY (ops.DriftSweep.InFlight), so that the
// apiserver never sees more requests in flight from the sweep than that setting; enough
// workers keep that many in flight while others render or wait on a shared LIST.
const driftWorkers = 8

// driftLoop is the leader's drift detection (issue 12): every RIGEL_DRIFT_INTERVAL, jittered
// ±10%, it re-previews every applied deployment at its last synced commit
// (ops.Service.SweepDrift). Nothing is applied.
type driftLoop struct {
	svc      *ops.Service // the service with the sweep's own Planner
	sweep    ops.DriftSweep
	interval time.Duration
}

// newDriftLoop is the drift loop of service, nil when RIGEL_DRIFT_INTERVAL is 0. It gives the
// service a DriftBoard (what /rigel list and GET /api/git/sources show) when it has none,
// shared by the leader with the other replicas (ConfigMap rigel-drift, config.DriftStore).
//
// each is told every report (the tracking issues, commands.Runner.DriftIssues).
func newDriftLoop(s *config.Settings, kc *kube.Client, service *ops.Service, clients *githubclient.Clients, each func(context.Context, config.Repo, config.Deployment, *ops.DriftReport)) *driftLoop {
	if s.DriftInterval <= 0 {
		return nil
	}
	if service.Drifts == nil {
		service.Drifts = &ops.DriftBoard{}
		if kc != nil { // shared with the other replicas through the ConfigMap rigel-drift
			service.Drifts.Shared = config.NewDriftStore(kc.Typed, s.Namespace)
		}
	}
	inFlight := max(s.DiffConcurrency, 1)
	// the same service, whose diffs share the concurrency budget and the commands' limiter
	svc := *service
	svc.Planner = planner(kc, s, inFlight, limiterOf(service))
	return &driftLoop{
		svc:      &svc,
		interval: s.DriftInterval,
		sweep: ops.DriftSweep{
			Origin:   originOf(clients, s.UsesApp()),
			Workers:  driftWorkers,
			InFlight: inFlight,
			Board:    service.Drifts,
			Each:     each,
		},
	}
}

// originOf is how the sweep clones a registered repository: with its installation's
// credentials (or the token's), from its clone URL or, when the registry has none, GitHub's.
func originOf(clients *githubclient.Clients, usesApp bool) func(ctx context.Context, repo config.Repo) (ops.Origin, error) {
	return func(ctx context.Context, repo config.Repo) (ops.Origin, error) {
		if repo.CloneURL == "" || (repo.InstallationID == 0 && usesApp) {
			gh, found, err := clients.LookupRepo(ctx, repo.Repo)
			if err != nil {
				return ops.Origin{}, fmt.Errorf("failed to ask GitHub about %s: %w", repo.Repo, err)
			}
			if !found {
				return ops.Origin{}, fmt.Errorf("GitHub does not show %s to Rigel", repo.Repo)
			}
			if repo.CloneURL == "" {
				repo.CloneURL = gh.CloneURL
			}
			if repo.InstallationID == 0 {
				repo.InstallationID = gh.InstallationID
			}
		}
		inst, err := clients.ForInstallation(repo.InstallationID)
		if err != nil {
			return ops.Origin{}, fmt.Errorf("failed to reach %s on GitHub: %w", repo.Repo, err)
		}
		return ops.Origin{Repo: repo.Repo, CloneURL: repo.CloneURL, Creds: inst.GitCredentials}, nil
	}
}

// run sweeps at once (a new leader knows nothing yet), then every jittered interval, until
// ctx ends (the leadership with it); then it forgets what it found.
func (d *driftLoop) run(ctx context.Context) {
	defer d.svc.StopDrift(d.sweep.Board) // no longer leading: what it knew is stale
	log := zerolog.Ctx(ctx)
	for {
		start := time.Now()
		reports, err := d.svc.SweepDrift(ctx, d.sweep)
		if ctx.Err() != nil {
			return
		}
		drifted := 0
		for _, r := range reports {
			if r.Drifted() {
				drifted++
			}
		}
		ev := log.Info()
		if err != nil {
			ev = log.Warn().Err(err)
		}
		ev.Int("checked", len(reports)).Int("drifted", drifted).Dur("took", time.Since(start)).Msg("drift sweep done")
		select {
		case <-ctx.Done():
			return
		case <-time.After(jitter(d.interval)):
		}
	}
}

// jitter is d ±10%, so that replicas restarted together do not sweep together.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.9 + 0.2*rand.Float64()))
}
