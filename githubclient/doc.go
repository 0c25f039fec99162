// Package githubclient implements ops.Forge (an installation's GitHub) with go-github: installation clients from
// go-githubapp for the API, and ghinstallation for the raw installation token that go-git
// needs to clone. A personal access token works in place of an app, for trying Rigel out.
//
// Pull request automation reads and writes through it too: check runs (checks.go), commit
// statuses in token mode (statuses.go), comments edited in place and hidden as outdated with
// GraphQL (comment_edit.go), and the files a pull request changes (pull_files.go).
package githubclient
