package commands

import (
	"context"
	"errors"
	"fmt"
	"github.com/rigel-gitops/rigel/fault"
	"strconv"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/replica"
)

// Rigel's Leases (in its namespace) say who holds them for what, so a refusal or a late
// report can name the conversation.
const (
	leaseKindLabel = "rigel.dev/lease" // deploy: a deployment's apply lock; command: a running command

	annRepo         = "rigel.dev/repo"         // owner/name of the conversation
	annIssue        = "rigel.dev/issue"        // its issue or PR number
	annInstallation = "rigel.dev/installation" // the GitHub App installation to answer with
	annCommand      = "rigel.dev/command"      // the command line
	annDelivery     = "rigel.dev/delivery"     // the webhook delivery it came in
	annReplica      = "rigel.dev/replica"      // the replica that started it (the holder may change when a leader reports it)
	annPhase        = "rigel.dev/phase"        // phaseApplying while objects are sent and waited for
	annDeployment   = "rigel.dev/deployment"   // what is being applied …
	annCommit       = "rigel.dev/commit"       // … at which commit
	annLastSeen     = "rigel.dev/last-seen"    // when its replica last renewed it (set when a leader takes it over)

	phaseApplying = "applying"
)

// deployLockName is the Lease that serialises the applies of one deployment across replicas.
func deployLockName(deployment string) string { return "rigel-deploy-" + deployment }

// ErrShuttingDown is the cause a stopping Rigel cancels running commands with: they reply
// that they were cut short.
var ErrShuttingDown = replica.ErrShuttingDown

// errLockLost is the cause an apply is stopped with when its lock could not be kept.
var errLockLost = replica.ErrLockLost

// Holder says who holds one of Rigel's Leases (package replica).
type Holder = ops.Holder

// holder is the conversation and command of a call.
func (c *call) holder() Holder {
	return Holder{Repo: c.req.Repo.FullName(), Number: c.req.Number, Installation: c.req.Repo.Installation, Command: short(c.cmd.Line), Delivery: c.req.DeliveryID}
}

func (r *Runner) annotations(h Holder) map[string]string {
	a := map[string]string{annCommand: h.Command, annReplica: r.Leases.Identity}
	if h.Repo != "" {
		a[annRepo], a[annIssue], a[annInstallation] = h.Repo, strconv.Itoa(h.Number), strconv.FormatInt(h.Installation, 10)
	}
	if h.Delivery != "" {
		a[annDelivery] = h.Delivery
	}
	return a
}

// LockDeployment takes the deployment's apply lock for h, so that two applies of it never
// interleave, whichever replica runs them. When another apply holds it, it fails with a
// *fault.Invalid that names that apply's conversation, age and replica. The returned context ends
// when the lock is lost (errLockLost is its cause); release gives the lock back.
func (r *Runner) LockDeployment(ctx context.Context, name string, h Holder) (_ context.Context, release func(), _ error) {
	if r.Leases == nil {
		return nil, nil, errors.New("failed to lock the deployment: this Rigel has no Leases to lock with")
	}
	held, err := r.Leases.Acquire(ctx, deployLockName(name), map[string]string{leaseKindLabel: "deploy"}, r.annotations(h))
	var he *kube.HeldError
	if errors.As(err, &he) {
		zerolog.Ctx(ctx).Info().Str("holder", he.Lease.Holder).Msg("deployment locked by another apply")
		return nil, nil, &fault.Invalid{Msg: heldMessage(name, he.Lease, time.Now())}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("failed to lock %s against other applies: %w", name, err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	go func() {
		select {
		case <-held.Lost():
			cancel(errLockLost)
		case <-ctx.Done():
		}
	}()
	release = func() {
		cancel(nil)
		rctx, done := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer done()
		if err := held.Release(rctx); err != nil {
			zerolog.Ctx(ctx).Warn().Err(err).Msg("failed to release the deployment lock; it expires by itself")
		}
	}
	return ctx, release, nil
}

// heldMessage tells who holds a deployment's lock: "`/rigel apply web` from acme/shop#12
// started 40 s ago on replica rigel-7d9…".
func heldMessage(name string, l kube.LeaseInfo, now time.Time) string {
	who := "another apply"
	if cmd := l.Annotations[annCommand]; cmd != "" {
		who = code(cmd)
	}
	if repo, n := l.Annotations[annRepo], l.Annotations[annIssue]; repo != "" && n != "" {
		who += " from " + repo + "#" + n
	}
	return fmt.Sprintf("`%s` is being applied right now: %s started %s ago on replica %s. Nothing was done; run your command again when it finishes.",
		name, who, ago(now.Sub(l.Acquired)), code(l.Holder))
}

// ago is a short human duration: "40 s", "3 min", "2 h".
func ago(d time.Duration) string {
	switch {
	case d < time.Second:
		return "less than a second"
	case d < 2*time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < 2*time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	default:
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
}
