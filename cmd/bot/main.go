package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/kube"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	verb := "serve"
	if len(args) > 0 {
		verb, args = args[0], args[1:]
	}
	switch verb {
	case "serve":
		if err := serve(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "rigel:", err)
			return 1
		}
		return 0
	case "diff", "apply":
		return local(ctx, verb, args, os.Stdout, os.Stderr)
	case "help", "-h", "--help":
		fmt.Println("usage: bot [serve] | bot diff PATH | bot apply PATH")
		return 0
	}
	fmt.Fprintf(os.Stderr, "rigel: unknown command %q (want serve, diff or apply)\n", verb)
	return 2
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
