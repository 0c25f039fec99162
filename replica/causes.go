package replica

import "errors"

// The causes a command's context is cancelled with when Rigel stops it before it finished.
// Adapters tell the conversation (commands' stoppedReply); an apply cut short is recorded as
// interrupted, with CauseText.
var (
	// ErrShuttingDown is the cause a stopping Rigel cancels running commands with (app's
	// drain): they reply that they were cut short.
	ErrShuttingDown = errors.New("Rigel is shutting down")
	// ErrLockLost is the cause an apply is stopped with when its deployment's lock could not
	// be kept.
	ErrLockLost = errors.New("Rigel lost its lock on the deployment (the cluster did not answer for too long, or the lock was taken over)")
	// ErrRecordLost is the cause a command is stopped with when its record could not be kept:
	// the leader may already have told the conversation that it did not finish.
	ErrRecordLost = errors.New("Rigel lost the record of this running command (the cluster did not answer for too long, or the record was taken over)")
)

// Lost reports whether cause is the loss of one of the command's Leases (its deployment's
// lock or its record).
func Lost(cause error) bool {
	return errors.Is(cause, ErrLockLost) || errors.Is(cause, ErrRecordLost)
}

// CauseText says in a few plain words why a command was stopped, for the registry's record
// of an interrupted apply: "Rigel was shutting down", "the deployment's lock was lost"…
func CauseText(cause error) string {
	switch {
	case errors.Is(cause, ErrShuttingDown):
		return "Rigel was shutting down"
	case errors.Is(cause, ErrLockLost):
		return "the deployment's lock was lost"
	case errors.Is(cause, ErrRecordLost):
		return "the command's record was lost"
	case cause != nil:
		return cause.Error()
	}
	return "stopped"
}
