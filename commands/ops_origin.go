package commands

import (
	"github.com/rigel-gitops/rigel/ops"
)

// Origin and target are the service's (ops/source.go).
type (
	Origin = ops.Origin
	target = ops.Target
)

// origin is the conversation's repo, cloned with the installation's credentials.
func (c *call) origin() Origin { return c.opsCall().Origin() }
