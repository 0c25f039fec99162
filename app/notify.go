package app

import (
	"context"
	"fmt"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/notify"
)

// notifyFlush is how long a stopping replica lets queued notifications go out.
const notifyFlush = 5 * time.Second

// newNotifier is what tells GitHub and the webhook each apply, failure and drift (issue 12,
// package notify), nil when the settings turn both off: GitHub Deployments through the
// installation of each repository (RIGEL_NOTIFY_DEPLOYMENTS), and messages to the webhook
// whose URL the Secret RIGEL_NOTIFY_WEBHOOK_SECRET holds, read at each message.
func newNotifier(s *config.Settings, kc *kube.Client, clients *githubclient.Clients) *notify.Notifier {
	opts := notify.Options{WebURL: s.GitHubWebURL}
	if s.NotifyDeployments {
		opts.GitHub = installationOf(clients, s.UsesApp())
	}
	if s.NotifyWebhookSecret != "" {
		store := &config.SecretStore{Kube: kc.Typed, Namespace: s.Namespace, Name: s.NotifyWebhookSecret}
		key := s.WebhookKey()
		opts.Webhook = &notify.Webhook{URL: func(ctx context.Context) (string, error) {
			data, exists, err := store.Get(ctx)
			switch {
			case err != nil:
				return "", fmt.Errorf("failed to read Secret %s/%s (RIGEL_NOTIFY_WEBHOOK_SECRET; Rigel needs get on it): %w", s.Namespace, s.NotifyWebhookSecret, err)
			case !exists || len(data[key]) == 0:
				return "", fmt.Errorf("%w: Secret %s/%s has no key %s", notify.ErrNoWebhook, s.Namespace, s.NotifyWebhookSecret, key)
			}
			return string(data[key]), nil
		}}
	}
	if opts.GitHub == nil && opts.Webhook == nil {
		return nil
	}
	return notify.New(opts)
}

// installationOf is the GitHub of a repository's installation (the token's in token mode),
// asking GitHub which installation when the event does not say.
func installationOf(clients *githubclient.Clients, usesApp bool) func(ctx context.Context, repo githubclient.Repo) (notify.GitHub, error) {
	return func(ctx context.Context, repo githubclient.Repo) (notify.GitHub, error) {
		id := repo.Installation
		if id == 0 && usesApp {
			gh, found, err := clients.LookupRepo(ctx, repo.FullName())
			if err != nil {
				return nil, fmt.Errorf("failed to ask GitHub about %s: %w", repo.FullName(), err)
			}
			if !found {
				return nil, fmt.Errorf("GitHub does not show %s to Rigel", repo.FullName())
			}
			id = gh.InstallationID
		}
		return clients.ForInstallation(id)
	}
}

// runNotifier sends n's notifications until stop is called; stop lets what is queued go out
// for at most notifyFlush, then returns when n stopped. A nil n runs nothing.
func runNotifier(ctx context.Context, n *notify.Notifier) (stop func()) {
	if n == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx)) // ends at stop, after the flush
	done := make(chan struct{})
	go func() { defer close(done); n.Run(ctx) }()
	return func() {
		deadline := time.Now().Add(notifyFlush)
		for n.Pending() > 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		cancel()
		<-done
	}
}
