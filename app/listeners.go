package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"
)

// Rigel serves two listeners (issue 18). The hook's (RIGEL_LISTEN, :8080) answers only the
// webhook and /healthz: it is the one thing to expose to GitHub, and a request for the HTTP
// API or /metrics there gets 404. The internal one (RIGEL_INTERNAL_LISTEN, :9090) serves the
// HTTP API under /api/git, /metrics, /readyz and /healthz, for the cluster only; the
// installation's NetworkPolicy admits to it only the namespace itself and monitoring.

// newEcho is an HTTP router whose requests log through log.
func newEcho(log zerolog.Logger) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.SetRequest(c.Request().WithContext(log.WithContext(c.Request().Context())))
			return next(c)
		}
	})
	return e
}

// healthz answers 200 while the process serves.
func healthz(c echo.Context) error { return c.String(http.StatusOK, "ok\n") }

// Serve serves the webhook on hook and the HTTP API, metrics and probes on internal until ctx
// ends, then shuts both down gracefully. Either failing stops both.
func (a *App) Serve(ctx context.Context, hook, internal net.Listener) error {
	servers := []*http.Server{newServer(a.Hook, a.timeouts), newServer(a.Internal, a.timeouts)}
	errc := make(chan error, len(servers))
	for i, l := range []net.Listener{hook, internal} {
		srv, name := servers[i], []string{"the webhook", "the internal API"}[i]
		go func() {
			if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("failed to serve %s on %s: %w", name, l.Addr(), err)
			}
		}()
	}
	stopLeading := a.lead(ctx) // setup_mode.go
	defer stopLeading()        // after the drain, so the leadership is given back last
	var served error
	select {
	case served = <-errc:
	case <-ctx.Done():
	}
	a.drainOnShutdown()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, srv := range servers {
		if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) && served == nil {
			served = fmt.Errorf("failed to shut down HTTP: %w", err)
		}
	}
	return served
}

// Listen opens the hook's and the internal listeners at hookAddr and internalAddr.
func Listen(hookAddr, internalAddr string) (hook, internal net.Listener, err error) {
	if hook, err = net.Listen("tcp", hookAddr); err != nil {
		return nil, nil, fmt.Errorf("failed to listen on %s (the webhook, RIGEL_LISTEN): %w", hookAddr, err)
	}
	if internal, err = net.Listen("tcp", internalAddr); err != nil {
		hook.Close()
		return nil, nil, fmt.Errorf("failed to listen on %s (the HTTP API and metrics, RIGEL_INTERNAL_LISTEN): %w", internalAddr, err)
	}
	return hook, internal, nil
}
