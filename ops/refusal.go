package ops

import (
	"errors"

	"github.com/rigel-gitops/rigel/fault"
)

// Refusal is an error that refuses an operation: nothing was changed, and its fields say why,
// for an adapter to word (package words). Every refusal type of the service has the method
// Refused; any other error is a failure.
type Refusal interface {
	error
	Refused()
}

// IsRefusal says whether err is (or wraps) a refusal.
func IsRefusal(err error) bool {
	var r Refusal
	return errors.As(err, &r)
}

// The refusals every floor shares (package fault).
type (
	// NotFound: a deployment, repository, workload or branch that does not exist.
	NotFound = fault.NotFound
	// Invalid: input that cannot be accepted, and why.
	Invalid = fault.Invalid
)
