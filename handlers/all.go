package handlers

import "github.com/palantir/go-githubapp/githubapp"

// All is every webhook event handler Rigel serves, the list app's dispatcher is built from:
// the events app.yml subscribes to are exactly the ones these handle (deploy's
// TestAppManifest holds both to it).
func All(d Deps) []githubapp.EventHandler {
	return []githubapp.EventHandler{
		&IssueComment{Deps: d}, // commands typed in a comment (issue_comment.go)
		&Issues{Deps: d},       // commands in an opened issue's text (issues.go)
		&PullRequest{Deps: d},  // a new head previews itself; a closed PR gives back its holds (pull_request*.go)
		&CheckRun{Deps: d},     // a preview check run asked to run again (check_run.go)
		&Push{Deps: d},         // a merge commit pushed applies on merge (push.go)
	}
}
