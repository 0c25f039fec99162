package words

import (
	"errors"

	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/ops"
)

// Refusal words a refusal of the service (or an adapter's own *fault.Invalid) for people, with
// the next step in the terms of h; ok is false when err is not a refusal (a failure, which the
// adapter reports as such).
func Refusal(err error, h Hints) (msg string, ok bool) {
	var (
		invalid *fault.Invalid
		render  *ops.RenderFailed

		// plan: preview and apply
		stale       *ops.Stale
		pol         *ops.Policy
		takeover    *ops.Takeover
		reconciler  *ops.Reconciler
		notOpen     *ops.PullNotOpen
		forkApply   *ops.ForkApply
		notReady    *ops.NotReady
		forkPreview *ops.ForkPreview
	)
	switch {
	case errors.As(err, &render):
		return renderFailed(render, h), true
	// plan: preview and apply (words/plan.go)
	case errors.As(err, &stale):
		return sayStale(stale, h), true
	case errors.As(err, &pol):
		return sayPolicy(pol, h), true
	case errors.As(err, &takeover):
		return sayTakeover(takeover, h), true
	case errors.As(err, &reconciler):
		return sayReconciler(reconciler, h), true
	case errors.As(err, &notOpen):
		return sayPullNotOpen(notOpen), true
	case errors.As(err, &forkApply):
		return sayForkApply(forkApply), true
	case errors.As(err, &notReady):
		return sayNotReady(notReady), true
	case errors.As(err, &forkPreview):
		return sayForkPreview(forkPreview), true
	case errors.As(err, &invalid):
		return invalid.Msg, true
	case ops.IsRefusal(err):
		return err.Error(), true // a refusal without words of its own yet says what it is
	}
	return "", false
}
