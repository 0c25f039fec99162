// Package rigel holds the files of the repository's root that the code needs: app.yml, the
// definition of Rigel's GitHub App, which /setup registers with GitHub's app-manifest flow
// (issue 15; ops/setup_manifest.go reads it). The program is cmd/bot; the architecture is
// docs/architecture.md.
package rigel
