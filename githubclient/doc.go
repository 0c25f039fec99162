// Package githubclient implements ops.Forge (an installation's GitHub) with go-github: installation clients from
// go-githubapp for the API, and ghinstallation for the raw installation token that go-git
// needs to clone. A personal access token works in place of an app, for trying Rigel out.
package githubclient
