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
		// D. link, unlink, fix, policy, authorization (words/link.go, fix.go, access.go)
		notFound  *fault.NotFound
		forbid    *ops.Forbidden
		foreign   *ops.ForeignDeployment
		elsewhere *ops.LinkedElsewhere
		already   *ops.AlreadyLinked
		gone      *ops.Deleted
		pol       *ops.PolicyRefuses
		place     *ops.CannotPlace
		taken     *ops.BranchesTaken
	)
	switch {
	case errors.As(err, &render):
		return renderFailed(render, h), true
	// D. link, unlink, fix, policy, authorization
	case errors.As(err, &notFound) && isWorkload(notFound):
		return workloadNotFound(notFound), true
	case errors.As(err, &notFound) && notFound.Kind == "deployment": // also the registry's (C): keep one case at the merge
		return deploymentNotFound(notFound, h), true
	case errors.As(err, &forbid):
		return forbidden(forbid), true
	case errors.As(err, &foreign):
		return foreignDeployment(foreign), true
	case errors.As(err, &elsewhere) && elsewhere.Verb != "fix": // a fix's: FixRefusal, with the command line
		return linkedElsewhere(elsewhere), true
	case errors.As(err, &already):
		return alreadyLinked(already), true
	case errors.As(err, &gone):
		return deleted(gone), true
	case errors.As(err, &pol):
		return policyRefuses(pol), true
	case errors.As(err, &place):
		return cannotPlace(place, h), true
	case errors.As(err, &taken):
		return branchesTaken(taken), true
	case errors.As(err, &invalid):
		return invalid.Msg, true
	case ops.IsRefusal(err):
		return err.Error(), true // a refusal without words of its own yet says what it is
	}
	return "", false
}
