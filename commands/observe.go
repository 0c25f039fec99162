package commands

import (
	"context"
	gosync "sync"

	"github.com/rs/zerolog"
)

// CommandCounter learns how each command ended, for metrics (metrics.Metrics implements it).
type CommandCounter interface {
	// CommandDone is called once per command: verb is a known verb or "unknown"; outcome is
	// "ok", "refused" (the reply says what to fix, nothing changed) or "error".
	CommandDone(verb, outcome string)
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
	if r.Metrics == nil {
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
	r.Metrics.CommandDone(verb, outcome)
}

// withDeployment names the deployment on every log line of what ctx runs, and on the
// command's summary line (noteDeployments).
func withDeployment(ctx context.Context, name string) context.Context {
	if seen, ok := ctx.Value(deploymentsKey{}).(*deploymentsSeen); ok {
		seen.add(name)
	}
	return zerolog.Ctx(ctx).With().Str("deployment", name).Logger().WithContext(ctx)
}

type deploymentsKey struct{}

// deploymentsSeen is a zerolog hook naming the deployments a command worked on: deployment
// when one, deployments when several.
type deploymentsSeen struct {
	mu    gosync.Mutex
	names []string
}

// noteDeployments makes ctx collect the deployments withDeployment names under it; the hook
// adds them to a line, for the command's summary.
func noteDeployments(ctx context.Context) (context.Context, zerolog.Hook) {
	seen := &deploymentsSeen{}
	return context.WithValue(ctx, deploymentsKey{}, seen), seen
}

func (s *deploymentsSeen) add(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.names {
		if n == name {
			return
		}
	}
	s.names = append(s.names, name)
}

func (s *deploymentsSeen) Run(e *zerolog.Event, _ zerolog.Level, _ string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch len(s.names) {
	case 0:
	case 1:
		e.Str("deployment", s.names[0])
	default:
		e.Strs("deployments", s.names)
	}
}
