package main

import (
	"errors"
	"fmt"
)

// Exit codes. A command's own outcome is an *exitError carrying its code; any other error
// cobra returns (an unknown command or flag, a wrong number of arguments) is a usage error.
const (
	exitOK = 0
	// exitFailed: an unknown command or flag, or wrong arguments (cobra's error path); also
	// a command that failed (serve, version).
	exitFailed = 1

	// rigel diff, as kubectl diff.
	diffNoChanges = 0
	diffChanges   = 1
	diffError     = 2 // also a usage error of diff, so that 1 always means changes

	// rigel apply.
	applyHealthy   = 0 // applied and healthy (or nothing to do)
	applyError     = 1 // nothing or not all applied
	applyUnhealthy = 3 // applied, but the health wait timed out or a workload failed
)

// exitError ends a command with an exit code; err, when set, is printed first.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// exitWith ends a command with code, printing err (when not nil).
func exitWith(code int, err error) error { return &exitError{code: code, err: err} }

// usageExit is the exit code of a usage error of the command named by path ("rigel diff").
func usageExit(path string) int {
	if path == "rigel diff" {
		return diffError
	}
	return exitFailed
}

// asExit returns the *exitError in err's chain.
func asExit(err error) (*exitError, bool) {
	var e *exitError
	return e, errors.As(err, &e)
}
