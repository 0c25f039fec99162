package handlers

import (
	"context"

	"github.com/rigel-gitops/rigel/ops"
)

// Gate checks what a signed delivery says about its repository before anything runs
// ((*ops.Service).Admit, issue 18): nil when Rigel may act on it, an *ops.NotAdmitted when it
// may not (the delivery is logged and nothing runs), another error when it cannot tell now.
type Gate interface {
	Admit(ctx context.Context, repo ops.Repo) error
}
