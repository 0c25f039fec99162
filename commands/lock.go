package commands

import "github.com/rigel-gitops/rigel/ops"

// Deployments are locked, and running commands recorded, by package replica; a command
// names itself on those Leases with its Holder.

// Holder says who holds one of Rigel's Leases (package replica).
type Holder = ops.Holder

// holder is the conversation and command of a call.
func (c *call) holder() Holder {
	return Holder{Repo: c.req.Repo.FullName(), Number: c.req.Number, Installation: c.req.Repo.Installation, Command: short(c.cmd.Line), Delivery: c.req.DeliveryID}
}
