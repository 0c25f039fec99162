package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/palantir/go-githubapp/githubapp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/api"
	"github.com/rigel-gitops/rigel/commands"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/gitsrc"
	"github.com/rigel-gitops/rigel/handlers"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/metrics"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
)

// HookPath is where GitHub delivers webhooks.
const HookPath = githubapp.DefaultWebhookRoute

// deliveriesRemembered is how many event keys a replica remembers in memory (dedupe.go).
const deliveriesRemembered = 10000

// App is a running Rigel.
type App struct {
	Hook     *echo.Echo // the webhook and /healthz: the only thing to expose (listeners.go)
	Internal *echo.Echo // the HTTP API, /metrics, /readyz and /healthz: for the cluster only
	Runner   *commands.Runner
	BotLogin string
	kube     *kube.Client
	log      zerolog.Logger
	replica  *replica // Leases, shutdown drain, leader election (leader.go, drain.go)
	timeouts serverTimeouts
	setup    *setupMode // set while Rigel has no GitHub identity (setup_mode.go); nil otherwise
}

// New builds Rigel from validated settings and a cluster client. Settings with no GitHub
// identity at all build a Rigel in setup mode (setup_mode.go).
func New(ctx context.Context, s *config.Settings, kc *kube.Client, log zerolog.Logger) (*App, error) {
	if s.NeedsSetup() {
		return newSetupMode(ctx, s, kc, log)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := metrics.New(reg)
	clients, err := githubclient.New(githubclient.Credentials{
		APIURL: s.GitHubAPIURL, AppID: s.AppID, PrivateKey: s.PrivateKey, Token: s.Token, TokenLogin: s.TokenLogin,
		Transport: m.Transport,
	})
	if err != nil {
		return nil, err
	}
	login, err := clients.Login(ctx)
	if err != nil {
		return nil, fmt.Errorf("failed to learn who Rigel is on GitHub: %w", err)
	}
	gitHost, err := s.GitHost() // the one host credentials go to (issue 18)
	if err != nil {
		return nil, err
	}
	for _, w := range s.CredsWarnings() {
		log.Warn().Str("git_host", gitHost.String()).Msg(w)
	}
	registry := config.NewRegistry(kc.Protobuf, s.Namespace) // protobuf: the registry is big (issue 14)
	registry.SetGitHost(gitHost)
	advisor, err := modelAdvisor(s) // the optional model of /rigel fix (issue 16, model.go)
	if err != nil {
		return nil, err
	}
	service := &ops.Service{
		Registry:    registry,
		Source:      gitsrc.NewBounded(s.CacheDir, gitHost, gitsrc.CacheOptions{MaxBytes: s.CacheBound(), InUseFor: gitsrc.DefaultInUseFor, Observer: m}),
		Planner:     planner(kc, s, s.DiffConcurrency, apiserverLimiter(s, reg)),
		Workloads:   kc,
		ApplyWait:   s.ApplyWait,
		HookTimeout: s.HookTimeout,
		Access:      ops.AccessFrom(s),
		Observer:    m,
		// the GitHub credentials (ops/account.go) and the gate of deliveries (ops/admit.go)
		Credentials: config.CredentialsStore(kc.Typed, s.Namespace),
		Verifier:    clients,
		Running:     s,
		BotLogin:    login,
		Admission:   admission(s, gitHost, clients),
		// the repositories GitHub shows Rigel (ops/repos.go)
		GitHubRepos: clients,
		// pull requests that preview themselves (ops/autoplan.go)
		Autoplanning: ops.AutoplanOptions{Drafts: s.AutoplanDrafts},
		// the history a rollback goes back to (ops/rollback.go, issue 12)
		SyncHistory: s.SyncHistory,
		// where chart dependencies may be fetched from (sync/helm_fetch.go, issue 13)
		ChartRepos: chartRepos(s),
		// the optional model /rigel fix asks when its rules have no fix (ops/fix_model.go)
		Model: advisor,
	}
	runner := &commands.Runner{
		Ops:       service,
		BotLogin:  login,
		Metrics:   m,
		MarkerKey: s.MarkerKeyBytes(),
		Rate:      commands.NewRateLimiter(s.CommandRate, time.Minute),
		// pull requests that preview themselves (commands/autoplan.go): links, and commit
		// statuses for check runs in token mode
		WebURL: s.GitHubWebURL, CommitStatuses: s.Token != "",
	}
	seedSyncStatus(ctx, registry, m, log)
	notifier := newNotifier(s, kc, clients) // notifications (issue 12, notify.go)
	if notifier != nil {
		service.Notifier = notifier // before newReplica: the drift loop copies the service
	}
	rep := newReplica(s, kc, runner, clients, reg, log)
	rep.notify = notifier
	seen, store := newDeliveries(s.Namespace, rep.leases.Identity, kc, reg)
	rep.seen = store
	deps := handlers.Deps{Runner: runner, Clients: forges{clients}, BotLogin: login, Seen: seen, Gate: service,
		FixIssues: s.FixIssues, FixLabel: s.FixLabel} // fix requests in issues (issue 16)
	keys := newHookKeys(s)                      // hook_keys.go
	journal, err := openInbox(ctx, rep, s, log) // deliveries recorded, before or behind their answer (inbox.go)
	if err != nil {
		return nil, err
	}
	queue := newQueue(s, journal, m, reg) // queue.go
	hs := handlers.All(deps)
	rep.adopter = newAdopter(rep, s, clients, journal, queue, hs, reg)
	dispatcher := githubapp.NewEventDispatcher(
		hs,
		keys.dispatcherSecret(),
		githubapp.WithScheduler(rep.drain.scheduler(queue)),
		githubapp.WithErrorCallback(m.ErrorCallback(refuseDelivery)),
	)
	a := &App{Runner: runner, BotLogin: login, kube: kc, log: log, replica: rep, timeouts: timeoutsFor(s)}
	// The hook's listener serves nothing else (listeners.go).
	e := newEcho(log)
	hooks := newHookLimiter(maxHookRequests, hookBytesBudget, MaxWebhookBytes).countRefusals(reg) // server.go
	e.POST(HookPath, echo.WrapHandler(hooks.wrap(guardDelivery(dispatcher, MaxWebhookBytes, keys))), rep.drain.refuse)
	e.GET("/healthz", healthz)
	in := newEcho(log) // the internal listener
	in.GET("/healthz", healthz)
	in.GET("/readyz", a.ready)
	in.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	api.Mount(in, api.Deps{Ops: service, GitHub: forges{clients}, Settings: s, APISecret: config.APITokenStore(kc.Typed, s.Namespace), BotLogin: login})
	if err := mountClosedSetup(in, s, service, m); err != nil { // /setup: closed (setup_mode.go)
		return nil, err
	}
	a.Hook, a.Internal = e, in
	log.Info().Str("login", login).Str("namespace", s.Namespace).Msg("rigel is ready")
	return a, nil
}

// ready answers 200 when the cluster answers.
func (a *App) ready(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	if err := a.kube.Typed.Discovery().RESTClient().Get().AbsPath("/readyz").Do(ctx).Error(); err != nil {
		return c.String(http.StatusServiceUnavailable, "cluster not reachable\n")
	}
	return c.String(http.StatusOK, "ok\n")
}

// seedSyncStatus sets each registered deployment's sync status metrics from the registry, so
// they survive a restart. A registry that cannot be read only leaves them unset until the next apply.
func seedSyncStatus(ctx context.Context, reg *config.Registry, m *metrics.Metrics, log zerolog.Logger) {
	src, err := reg.Load(ctx)
	if err != nil {
		log.Warn().Err(err).Msg("failed to read the registry for the sync status metrics")
		return
	}
	for _, r := range src.Repos {
		for _, d := range r.Deployments {
			if d.LastSync != nil {
				m.Synced(d.Name, d.LastSync.Status, d.LastSync.Time)
			}
		}
	}
}

// planner is the engine that renders, diffs and applies for the service: with inventories
// (ApplySets) beside the registry, in Rigel's namespace, at most concurrency requests in
// flight per preview, and the replica's one limiter of requests in flight for all of them.
// Every engine of the service is made here (the drift loop's too, with its share of the
// concurrency), so none lacks a setting another has.
func planner(kc *kube.Client, s *config.Settings, concurrency int, limiter *sync.Limiter) *sync.Engine {
	return &sync.Engine{Kube: kc, Concurrency: concurrency, Inventory: s.Namespace, Limiter: limiter}
}

// apiserverLimiter is the replica's one bound on the requests its previews and applies have
// in flight at the apiserver, RIGEL_DIFF_CONCURRENCY across all commands and the drift sweep
// (issue 14), with its gauges registered on reg.
func apiserverLimiter(s *config.Settings, reg prometheus.Registerer) *sync.Limiter {
	l := sync.NewLimiter(s.DiffConcurrency)
	metrics.RegisterAPIServerGauges(reg, l.InFlight, l.Waiting)
	return l
}

// limiterOf is the limiter of the service's engine (nil when it has none).
func limiterOf(service *ops.Service) *sync.Limiter {
	if e, ok := service.Planner.(*sync.Engine); ok {
		return e.Limiter
	}
	return nil
}

// chartRepos are where charts' dependencies may be fetched from: the allowlist of the
// settings, cached under the cache directory, with the CA bundle and the credentials file of
// the settings; nil when the allowlist is empty.
func chartRepos(s *config.Settings) *sync.ChartRepos {
	if len(s.HelmRepositories) == 0 {
		return nil
	}
	return &sync.ChartRepos{Allow: s.HelmRepositories, CacheDir: s.CacheDir, CAFile: s.HelmCAFile, CredentialsFile: s.HelmCredentialsFile}
}
