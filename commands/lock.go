package commands

import (
	"context"
	"errors"

	"github.com/rigel-gitops/rigel/ops"
)

// Deployments are locked, and running commands recorded, by package replica; a command
// names itself on those Leases with its Holder.

// Holder says who holds one of Rigel's Leases (package replica).
type Holder = ops.Holder

// holder is the conversation and command of a call.
func (c *call) holder() Holder {
	return Holder{Repo: c.req.Repo.FullName(), Number: c.req.Number, Installation: c.req.Repo.Installation, Command: short(c.cmd.Line), Delivery: c.req.DeliveryID}
}

// lockDeployment takes the deployment's apply lock for h (the service's Locker); a Runner
// without one cannot apply.
func (r *Runner) lockDeployment(ctx context.Context, name string, h Holder) (_ context.Context, release func(), _ error) {
	if r.Locker == nil {
		return nil, nil, errors.New("failed to lock the deployment: this Rigel has no Leases to lock with")
	}
	return r.Locker.LockDeployment(ctx, name, h)
}
