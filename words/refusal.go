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
		locked  *ops.Held // replica
	)
	switch {
	case errors.As(err, &render):
		return renderFailed(render, h), true
	// replica: coordination of replicas (words/held.go)
	case errors.As(err, &locked):
		return held(locked, h), true
	case errors.As(err, &invalid):
		return invalid.Msg, true
	case ops.IsRefusal(err):
		return err.Error(), true // a refusal without words of its own yet says what it is
	}
	return "", false
}
