// Package metrics defines Rigel's Prometheus metrics, the ones people alert on: commands by
// verb and outcome, diff and apply durations, the webhook queue, GitHub API calls and rate
// limit, each deployment's sync status, and rigel_build_info (which version runs, from
// internal/buildinfo). New registers them on the app's registry; the commands.Runner reports
// to it through its Observer interface (so package commands does not import Prometheus), the
// GitHub clients through Transport, and the webhook dispatcher through SchedulerOptions and
// ErrorCallback.
package metrics
