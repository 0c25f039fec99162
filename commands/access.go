package commands

import (
	"context"

	"github.com/rigel-gitops/rigel/ops"
)

// Access and MergeableGate are the service's (ops/access.go).
type (
	Access        = ops.Access
	MergeableGate = ops.MergeableGate
)

// authorize refuses the command when its author's role on the repository is below what the
// command needs (ops.Authorize: a *ops.Forbidden).
func (c *call) authorize(ctx context.Context) error {
	verb := c.cmd.Verb
	if verb == "" {
		verb = "help" // a bare "/rigel" answers with the help
	}
	return c.r.Ops.Authorize(ctx, c.opsCall(), verb)
}
