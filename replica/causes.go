package replica

import (
	"errors"
)

// The causes a running command's context is cancelled with when Rigel stops it before it
// finished: the reply, and the registry's record of an interrupted apply, say which.
var (
	// ErrShuttingDown: Rigel is stopping; running commands reply that they were cut short.
	ErrShuttingDown = errors.New("Rigel is shutting down")
	// ErrLockLost: a deployment's apply lock could not be kept.
	ErrLockLost = errors.New("Rigel lost its lock on the deployment (the cluster did not answer for too long, or the lock was taken over)")
	// ErrRecordLost: a running command's record could not be kept; the leader may already have
	// told the conversation that it did not finish.
	ErrRecordLost = errors.New("Rigel lost the record of this running command (the cluster did not answer for too long, or the record was taken over)")
)

// CauseWords says in a few words why something was stopped, for a record ("Rigel was
// shutting down"); "stopped" when err is nil.
func CauseWords(err error) string {
	switch {
	case errors.Is(err, ErrShuttingDown):
		return "Rigel was shutting down"
	case errors.Is(err, ErrLockLost):
		return "the deployment's lock was lost"
	case errors.Is(err, ErrRecordLost):
		return "the command's record was lost"
	case err != nil:
		return err.Error()
	}
	return "stopped"
}

// Lost reports whether cause is the loss of one of a command's Leases (its deployment's lock
// or its record).
func Lost(cause error) bool {
	return errors.Is(cause, ErrLockLost) || errors.Is(cause, ErrRecordLost)
}
