package main

import (
	"context"
	"errors"
	"os"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/kube"
)

func newServe() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Serve the GitHub webhook, the HTTP API and metrics",
		Long: `Serve runs Rigel as a GitHub App: the webhook on RIGEL_LISTEN, the HTTP API, metrics and
health on RIGEL_INTERNAL_LISTEN.

It takes no flags: its settings come from RIGEL_* environment variables and the Secret
helmsman-github (README's Settings table lists them all). The cluster is the in-cluster one,
else RIGEL_KUBECONFIG, else $KUBECONFIG or ~/.kube/config.

Exit codes: 0 after a clean shutdown (SIGTERM, interrupt), 1 when it cannot start or fails.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := serve(cmd.Context()); err != nil {
				return exitWith(exitFailed, err)
			}
			return nil
		},
	}
}

func serve(ctx context.Context) error {
	log := zerolog.New(os.Stderr).With().Timestamp().Str("app", "rigel").Logger()
	ctx = log.WithContext(ctx)
	boot, err := config.LoadSettings(ctx, os.Getenv, nil)
	if err != nil {
		return err
	}
	cfg, err := kube.LoadConfig(boot.Kubeconfig)
	if err != nil {
		return err
	}
	kc, err := kube.New(cfg)
	if err != nil {
		return err
	}
	s, err := config.LoadSettings(ctx, os.Getenv, config.SecretGetterFor(kc.Typed))
	if err != nil {
		return err
	}
	if lvl, err := zerolog.ParseLevel(s.LogLevel); err == nil && s.LogLevel != "" {
		log = log.Level(lvl)
	}
	app.RouteKlog(log) // client-go's own log lines (leader election) as JSON too
	a, err := app.New(ctx, s, kc, log)
	if err != nil {
		return err
	}
	hook, internal, err := app.Listen(s.ListenAddr, s.InternalListenAddr)
	if err != nil {
		return err
	}
	log.Info().Str("addr", hook.Addr().String()).Str("internalAddr", internal.Addr().String()).Msg("serving: the webhook on addr, the HTTP API and metrics on internalAddr")
	if err := a.Serve(ctx, hook, internal); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
