package commands

import (
	"context"
	"time"

	"github.com/rs/zerolog"
)

// Observer learns what commands do, for metrics (metrics.Metrics implements it). A Runner
// without one observes nothing.
type Observer interface {
	// CommandDone is called once per command: verb is a known verb or "unknown"; outcome is
	// "ok", "refused" (the reply says what to fix, nothing changed) or "error".
	CommandDone(verb, outcome string)
	// Diffed is called after diffing a deployment against the cluster.
	Diffed(deployment string, took time.Duration)
	// Applied is called after applying a deployment, with the status recorded for it.
	Applied(deployment string, took time.Duration, status string, finished time.Time)
	// Forgot is called when a deployment was removed.
	Forgot(deployment string)
}

// Outcomes of a command, as told to the Observer.
const (
	outcomeOK      = "ok"
	outcomeRefused = "refused"
	outcomeError   = "error"
)

// observeCommand tells the observer a command ended; unknown verbs share one label value so
// what people mistype cannot grow the metric without bound.
func (r *Runner) observeCommand(verb, outcome string) {
	if r.Observer == nil {
		return
	}
	if verb == "" {
		verb = "help" // a bare "/rigel" is the help
	}
	known := false
	for _, v := range r.verbs() {
		known = known || v.name == verb
	}
	if !known {
		verb = "unknown"
	}
	r.Observer.CommandDone(verb, outcome)
}

func (r *Runner) observeDiff(deployment string, start time.Time) {
	if r.Observer != nil {
		r.Observer.Diffed(deployment, time.Since(start))
	}
}

func (r *Runner) observeApply(deployment string, start time.Time, status string, finished time.Time) {
	if r.Observer != nil {
		r.Observer.Applied(deployment, time.Since(start), status, finished)
	}
}

func (r *Runner) observeRemoved(deployment string) {
	if r.Observer != nil {
		r.Observer.Forgot(deployment)
	}
}

// withDeployment names the deployment on every log line of what ctx runs.
func withDeployment(ctx context.Context, name string) context.Context {
	return zerolog.Ctx(ctx).With().Str("deployment", name).Logger().WithContext(ctx)
}
