// Package handlers turns GitHub webhook events into commands.Requests: one file per event.
// Each handler decodes the payload, drops what is not for Rigel (edits, deletions, bots and
// Rigel's own comments, text without a command) and hands the rest to the commands.Runner,
// once the Gate (gate.go) has checked what the payload says of its repository: its clone URL
// on the git host, its installation as GitHub names it, and in token mode its registration.
// pull_request.go handles `closed` by calling the service itself (ops.Service.ReleasePull):
// a closed pull request gives back the deployments it held.
// Pull request events (pull_request.go) and a preview check run asked to run again
// (check_run.go) become commands.PullRequests: the pull request previews itself
// (commands.Runner.Autoplan).
package handlers
