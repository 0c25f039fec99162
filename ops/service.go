package ops

import (
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/policy"
	"github.com/rigel-gitops/rigel/sync"
)

// Service is what Rigel can do. The adapters (commands, api, and the event adapter) hold one
// and call its operations; the wiring (package app) builds it.
type Service struct {
	Registry  Registry
	Source    Source
	Planner   Planner
	Workloads Workloads
	Locker    Locker        // locks a deployment's applies across replicas; nil: applying fails
	Access    Access        // who may run what, and when a PR may be applied
	ApplyWait time.Duration // how long an apply waits for health
	// HookTimeout bounds each hook's wait in an apply (RIGEL_HOOK_TIMEOUT).
	HookTimeout time.Duration
	Observer    Observer // nil: nothing is observed

	// The GitHub credentials (account.go) and the gate of deliveries (admit.go).
	Credentials Credentials      // the Secret helmsman-github; nil: the account operations fail
	Verifier    Verifier         // checks credentials with GitHub before they are stored
	Running     *config.Settings // the credentials Rigel runs with, and its namespace
	BotLogin    string           // who Rigel acts as on GitHub now
	Admission   *Admission       // what a delivery must be to run; nil: every delivery runs

	// The repositories GitHub shows Rigel (repos.go).
	GitHubRepos RepoLister // nil: Repos fails
	RepoLimit   int        // the most repositories Repos lists; 0: MaxRepos

	// The holds pull requests have on deployments (pull_holds.go).
	Holds PullHolds // nil: nothing is held, and /rigel unlock has nothing to give back
	// Pull requests that preview themselves (autoplan.go, issue 11).
	Autoplanning AutoplanOptions

	// Drift (issue 12, drift.go): the latest drift report of each deployment, kept by the
	// leader's sweep; nil: none is known.
	Drifts *DriftBoard

	// Rollback (issue 12, rollback.go): how many syncs before the last one the registry keeps
	// for each deployment (RIGEL_SYNC_HISTORY); 0: config.HistoryLimit.
	SyncHistory int
	// Notifications (issue 12, notify.go): each apply, failure and drift is told to it (a
	// GitHub Deployment, a webhook message); nil: nobody is told.
	Notifier Notifier

	// Chart dependencies (issue 13, chart.go): where a chart's Chart.lock dependencies may be
	// fetched from (RIGEL_HELM_REPOSITORIES); nil: nowhere, only vendored ones render.
	ChartRepos *sync.ChartRepos

	// The optional model of `/rigel fix` (issue 16, fix_model.go): asked only when the rules
	// have no fix; nil: no model (RIGEL_MODEL_URL unset).
	Model Advisor
}

// PolicyOf is the policy that limits dep: its own intersected with the settings' default,
// with the protected namespaces (Rigel's own among them) refused unless the default names them.
func (s *Service) PolicyOf(dep config.Deployment) config.Policy {
	return config.Bounded(dep.Policy, s.Access.DefaultPolicy, s.Protected())
}

// Protected is every namespace no deployment may use unless the default policy names it.
func (s *Service) Protected() []string {
	ns := ""
	if s.Registry != nil {
		ns = s.Registry.Namespace()
	}
	return config.ProtectedWith(ns, s.Access.Protected)
}

// checkPolicy records on plan the violations of dep's policy. Every preview and every apply
// runs it on the fresh plan.
func (s *Service) checkPolicy(dep config.Deployment, plan *sync.Plan) {
	policy.Check(s.PolicyOf(dep), plan)
}

func (s *Service) observeDiff(deployment string, start time.Time) {
	if s.Observer != nil {
		s.Observer.Diffed(deployment, time.Since(start))
	}
}

func (s *Service) observeApply(deployment string, start time.Time, status string, finished time.Time) {
	if s.Observer != nil {
		s.Observer.Applied(deployment, time.Since(start), status, finished)
	}
}

func (s *Service) observeRemoved(deployment string) {
	if s.Observer != nil {
		s.Observer.Forgot(deployment)
	}
}
