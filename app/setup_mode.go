package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	rigel "github.com/rigel-gitops/rigel"
	"github.com/rigel-gitops/rigel/api"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/metrics"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/setup"
)

// Setup mode (issue 15): a Rigel with no GitHub identity at all (config.NeedsSetup) starts
// anyway and serves, on the internal listener, the page that registers its GitHub App
// (package setup, /setup), besides /healthz, /readyz and /metrics; the HTTP API answers 503,
// and the webhook's listener answers deliveries 503. Once credentials are in the Secret
// helmsman-github — stored by /setup, or by an admin with kubectl — Rigel reads them
// (config.Reloaded, as a start would), builds itself with them (New) and hands both
// listeners over to that Rigel, which also stands for leadership: no restart. The page
// activates at once after storing; every replica also looks at the Secret every
// setupPollInterval, so the others (and a Secret written by hand) follow.
//
// Once Rigel has an identity, /setup is still served, and answers that the setup is closed.

// setupPollInterval is how often setup mode reads the Secret for credentials.
var setupPollInterval = 5 * time.Second

// setupMode is the Rigel waiting for its identity, and the one it became.
type setupMode struct {
	s                 *config.Settings
	kc                *kube.Client
	log               zerolog.Logger
	store             *config.SecretStore
	webhookFromSecret bool // the webhook secret of s was read from the Secret: the new one replaces it

	full       atomic.Pointer[App] // the Rigel with an identity, once built
	activating gosync.Mutex        // one activation at a time (requests do not wait for it)
	mu         gosync.Mutex        // guards stopLead and stopped
	stopLead   func()              // the leadership of full
	stopped    bool
}

// newSetupMode builds the Rigel of setup mode from settings with no identity.
func newSetupMode(ctx context.Context, s *config.Settings, kc *kube.Client, log zerolog.Logger) (*App, error) {
	if err := s.ValidateSetup(); err != nil {
		return nil, err
	}
	store := config.CredentialsStore(kc.Typed, s.Namespace)
	data, _, err := store.Get(ctx)
	if err != nil {
		return nil, fmt.Errorf("failed to read the Secret %s/%s: %w", s.Namespace, config.CredentialSecret, err)
	}
	sm := &setupMode{s: s, kc: kc, log: log, store: store,
		webhookFromSecret: s.WebhookSecret != "" && s.WebhookSecret == strings.TrimRight(string(data[config.SecretKeyWebhookSecret]), "\r\n")}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := metrics.New(reg)
	flow, err := setupFlow(s, &ops.Service{Credentials: store, Verifier: githubclient.NewManifests(s.GitHubAPIURL, m.Transport), Running: s}, m)
	if err != nil {
		return nil, err
	}
	a := &App{kube: kc, log: log, timeouts: timeoutsFor(s), setup: sm}
	e := newEcho(log)
	e.Pre(sm.handOver(func(full *App) http.Handler { return full.Hook }))
	e.GET("/healthz", healthz)
	e.POST(HookPath, func(c echo.Context) error {
		return c.String(http.StatusServiceUnavailable, "Rigel has no GitHub App yet: register it at /setup on its internal port (docs/install.md)\n")
	})
	in := newEcho(log)
	in.Pre(sm.handOver(func(full *App) http.Handler { return full.Internal }))
	in.GET("/healthz", healthz)
	in.GET("/readyz", a.ready)
	in.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	in.Any(api.Prefix+"/*", func(c echo.Context) error {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"error": "Rigel has no GitHub identity yet: register its GitHub App at /setup on this port (docs/install.md), or store credentials in the Secret " + config.CredentialSecret})
	})
	setup.Mount(in, setup.Deps{Setup: flow, Namespace: s.Namespace, Activate: sm.activate})
	a.Hook, a.Internal = e, in
	log.Warn().Str("namespace", s.Namespace).Msg("rigel has no GitHub identity: serving /setup on the internal listener until one is stored (kubectl port-forward svc/rigel-internal 9090, then open http://127.0.0.1:9090/setup)")
	return a, nil
}

// setupFlow is the registration of the app, for service (its Secret, GitHub, the settings).
func setupFlow(s *config.Settings, service *ops.Service, m *metrics.Metrics) (*ops.Setup, error) {
	manifest, err := ops.ParseAppManifest(rigel.AppYAML)
	if err != nil {
		return nil, err
	}
	public := ""
	if s.PublicURL != "" {
		if public, err = config.CheckPublicURL(s.PublicURL); err != nil {
			return nil, fmt.Errorf("RIGEL_PUBLIC_URL: %w", err)
		}
	}
	return &ops.Setup{Service: service, GitHub: githubclient.NewManifests(s.GitHubAPIURL, m.Transport), Manifest: manifest,
		HookPath: HookPath, PublicURL: public, WebURL: s.GitHubWebURL}, nil
}

// mountClosedSetup serves /setup on a Rigel with an identity: it answers that the setup is
// closed (ops.Setup refuses while the settings hold an identity).
func mountClosedSetup(in *echo.Echo, s *config.Settings, service *ops.Service, m *metrics.Metrics) error {
	flow, err := setupFlow(s, service, m)
	if err != nil {
		return err
	}
	setup.Mount(in, setup.Deps{Setup: flow, Namespace: s.Namespace})
	return nil
}

// handOver sends every request to the Rigel with an identity once there is one.
func (sm *setupMode) handOver(listener func(*App) http.Handler) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if full := sm.current(); full != nil {
				listener(full).ServeHTTP(c.Response(), c.Request())
				return nil
			}
			return next(c)
		}
	}
}

func (sm *setupMode) current() *App { return sm.full.Load() }

// activate builds the Rigel of the credentials the Secret holds now and hands the listeners
// and the leadership over to it; it returns who it acts as on GitHub. Once done, it returns
// that Rigel's login again.
func (sm *setupMode) activate(ctx context.Context) (string, error) {
	sm.activating.Lock()
	defer sm.activating.Unlock()
	if full := sm.current(); full != nil {
		return full.BotLogin, nil
	}
	data, _, err := sm.store.Get(ctx)
	if err != nil {
		return "", fmt.Errorf("failed to read the Secret %s/%s: %w", sm.s.Namespace, config.CredentialSecret, err)
	}
	s, err := sm.s.Reloaded(data, sm.webhookFromSecret)
	if err != nil {
		return "", err
	}
	full, err := New(ctx, s, sm.kc, sm.log)
	if err != nil {
		return "", err
	}
	sm.mu.Lock()
	defer sm.mu.Unlock()
	if sm.stopped {
		return "", errors.New("Rigel is stopping")
	}
	sm.stopLead = full.replica.lead()
	sm.full.Store(full)
	sm.log.Info().Str("login", full.BotLogin).Int64("appID", s.AppID).Msg("rigel took the GitHub identity stored in its Secret, without a restart")
	return full.BotLogin, nil
}

// serve looks at the Secret every setupPollInterval until Rigel has an identity; stop ends
// it, and the leadership of the Rigel it became.
func (sm *setupMode) serve(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(sm.log.WithContext(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(setupPollInterval)
		defer t.Stop()
		for sm.current() == nil {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if data, _, err := sm.store.Get(ctx); err == nil && config.SecretHoldsIdentity(data) {
				if _, err := sm.activate(ctx); err != nil && ctx.Err() == nil {
					sm.log.Warn().Err(err).Msg("rigel cannot take the credentials of its Secret yet; trying again")
				}
			}
		}
	}()
	return func() {
		cancel()
		<-done
		sm.mu.Lock()
		sm.stopped = true
		stopLead := sm.stopLead
		sm.mu.Unlock()
		if stopLead != nil {
			stopLead()
		}
	}
}

// drain lets the commands of the Rigel it became finish, on shutdown.
func (sm *setupMode) drain() {
	if full := sm.current(); full != nil {
		full.replica.drain.shutdown(full.log)
	}
}

// lead starts what a serving Rigel runs besides its listeners: the leader election, or in
// setup mode the wait for an identity. stop ends it.
func (a *App) lead(ctx context.Context) (stop func()) {
	if a.setup != nil {
		return a.setup.serve(ctx)
	}
	return a.replica.lead()
}

// drainOnShutdown lets running commands finish (drain.go).
func (a *App) drainOnShutdown() {
	if a.setup != nil {
		a.setup.drain()
		return
	}
	a.replica.drain.shutdown(a.log)
}

// Active is the Rigel serving now: a itself, or in setup mode the Rigel it became once it
// took an identity (nil until then).
func (a *App) Active() *App {
	if a.setup == nil {
		return a
	}
	return a.setup.current()
}
