package notify

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/githubclient"
)

// DefaultQueue is how many events wait for each sender at most when Options.Queue does not say.
const DefaultQueue = 256

// Options says where a Notifier tells what happened.
type Options struct {
	// GitHub returns the GitHub of repo's installation, for its Deployments; nil: no GitHub
	// Deployments.
	GitHub func(ctx context.Context, repo githubclient.Repo) (GitHub, error)
	// Webhook sends the messages; nil: none.
	Webhook *Webhook
	// WebURL is GitHub's web address (https://github.com/): a deployment status of an apply
	// asked in a conversation links to it. "": no link.
	WebURL string
	// Queue bounds the events waiting for each of GitHub and the webhook (< 1: DefaultQueue);
	// an event that finds its queue full is dropped and logged.
	Queue int
}

// Notifier tells GitHub and a webhook each outcome of a deployment (ops.Notifier). Notify
// queues and returns; Run sends, until its context ends.
type Notifier struct {
	opts    Options
	gh      chan queued
	hook    chan queued
	pending atomic.Int64 // events queued or being sent
	dropped atomic.Int64

	mu   sync.Mutex
	open map[string]int64 // the GitHub Deployment of each apply in progress, by openKey; the GitHub worker's
}

// queued is an event with the logger of the operation that told it.
type queued struct {
	e   Event
	log *zerolog.Logger
}

// New is a Notifier with opts; nothing is sent before Run.
func New(opts Options) *Notifier {
	q := opts.Queue
	if q < 1 {
		q = DefaultQueue
	}
	return &Notifier{opts: opts, gh: make(chan queued, q), hook: make(chan queued, q), open: map[string]int64{}}
}

// Notify queues e for GitHub and the webhook and returns at once: it never blocks the
// operation that tells it, and never fails it. A full queue drops e, logged.
func (n *Notifier) Notify(ctx context.Context, e Event) {
	log := zerolog.Ctx(ctx)
	if n.opts.GitHub != nil {
		n.enqueue(n.gh, queued{e, log}, "github")
	}
	if n.opts.Webhook != nil && Message(e) != "" {
		n.enqueue(n.hook, queued{e, log}, "webhook")
	}
}

func (n *Notifier) enqueue(q chan queued, it queued, to string) {
	n.pending.Add(1)
	select {
	case q <- it:
	default:
		n.pending.Add(-1)
		n.dropped.Add(1)
		it.log.Warn().Str("deployment", it.e.Deployment).Str("event", it.e.Kind).Str("to", to).Msg("notification dropped: its queue is full")
	}
}

// Pending is how many events are queued or being sent.
func (n *Notifier) Pending() int { return int(n.pending.Load()) }

// Dropped is how many events were dropped because their queue was full.
func (n *Notifier) Dropped() int { return int(n.dropped.Load()) }

// Run sends queued events, one at a time to GitHub (in order: a deployment is created before
// its statuses) and one at a time to the webhook, until ctx ends. Failures are logged.
func (n *Notifier) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); n.work(ctx, n.gh, n.toGitHub) }()
	go func() { defer wg.Done(); n.work(ctx, n.hook, n.toWebhook) }()
	wg.Wait()
}

func (n *Notifier) work(ctx context.Context, q chan queued, send func(context.Context, Event) error) {
	for {
		select {
		case <-ctx.Done():
			return
		case it := <-q:
			if err := send(it.log.WithContext(ctx), it.e); err != nil && !errors.Is(err, ErrNoWebhook) {
				it.log.Warn().Err(err).Str("deployment", it.e.Deployment).Str("event", it.e.Kind).Msg("notification not sent")
			}
			n.pending.Add(-1)
		}
	}
}

// toWebhook sends e's message.
func (n *Notifier) toWebhook(ctx context.Context, e Event) error {
	return n.opts.Webhook.Send(ctx, Message(e))
}
