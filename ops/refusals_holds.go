package ops

import (
	"fmt"
	"time"
)

// The refusals of pull requests' holds on deployments (pull_holds.go).

// PullHeld refuses to sync or apply a deployment that a pull request holds, from anywhere but
// that pull request. Nothing was changed. Hold is read from the cluster: quote its fields.
type PullHeld struct {
	Deployment string
	Verb       string        // what was refused: "sync", "apply"
	Hold       PullHold      // who holds it, since when, taken by whom
	Age        time.Duration // how long it had been held when it refused
	Namespace  string        // Rigel's namespace, where the hold's Lease is
}

func (e *PullHeld) Error() string {
	return fmt.Sprintf("deployment %s is held by pull request %s (taken by %s at %s)", e.Deployment, e.Hold.Pull(), e.Hold.Author, e.Hold.Since.UTC().Format(time.RFC3339))
}

// Refused marks PullHeld as a refusal.
func (e *PullHeld) Refused() {}

// UnlockOutsidePull refuses `/rigel unlock` outside a pull request: holds are given back in the
// pull request that took them (or broken by an operator over the HTTP API).
type UnlockOutsidePull struct {
	Repo   string
	Number int // the issue it was typed in; 0 outside a conversation
}

func (e *UnlockOutsidePull) Error() string {
	return fmt.Sprintf("unlock outside a pull request (%s#%d): holds are given back in the pull request that holds them", e.Repo, e.Number)
}

// Refused marks UnlockOutsidePull as a refusal.
func (e *UnlockOutsidePull) Refused() {}
