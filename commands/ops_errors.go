package commands

import (
	"fmt"

	"github.com/rigel-gitops/rigel/fault"
)

// NotFoundError refuses an operation on a deployment or repo the registry does not have. Like
// StaleError it lets callers answering with a status (the HTTP API) tell it apart, and it
// unwraps to the *fault.Invalid that says what happened, so a command replies with it like with
// any other refusal.
type NotFoundError struct{ err *fault.Invalid }

func (e *NotFoundError) Error() string { return e.err.Msg }

// Unwrap is the refusal as a *fault.Invalid.
func (e *NotFoundError) Unwrap() error { return e.err }

func notFoundf(format string, args ...any) error {
	return &NotFoundError{err: &fault.Invalid{Msg: fmt.Sprintf(format, args...)}}
}
