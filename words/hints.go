package words

import "fmt"

// Hints word the next step a refusal suggests in the language of where the request came
// from: a comment (/rigel …) or an HTTP request (package api). Both adapters word the service's
// refusals with this package, so both refuse by the same rules and each says how to go on in
// its own terms.
type Hints struct {
	Folders     string                           // how to list the folders of a repo that hold manifests
	Deployments string                           // how to list the registered deployments
	Add         string                           // how to register a deployment
	Named       func(folder, name string) string // how to register folder as name
	Preview     func(name string) string         // how to preview a deployment (again)
	Policy      func(name string) string         // how to see a deployment's policy
	Force       func(name string) string         // how to apply the last preview, taking over other reconcilers' objects
	ForceWord   string                           // the word that forces an apply

	// Rollback (issue 12, words/rollback.go): how to preview a rollback of a deployment to a
	// commit ("": the previous successful sync), and where its history is shown.
	Rollback func(name, commit string) string
	History  func(name string) string
}

// Comment are the hints of slash commands.
var Comment = Hints{
	Folders:     "`/rigel add-deployment` without a path",
	Deployments: "`/rigel list`",
	Add:         "`/rigel add-deployment PATH`",
	Named: func(folder, name string) string {
		return fmt.Sprintf("`/rigel add-deployment %s --name %s`", folder, name)
	},
	Preview:   func(name string) string { return fmt.Sprintf("`/rigel sync %s`", name) },
	Policy:    func(name string) string { return fmt.Sprintf("`/rigel policy %s`", name) },
	Force:     func(name string) string { return fmt.Sprintf("run `/rigel apply %s --force`", name) },
	ForceWord: "`--force`",
	Rollback: func(name, commit string) string {
		if commit == "" {
			return fmt.Sprintf("`/rigel rollback %s`", name)
		}
		return fmt.Sprintf("`/rigel rollback %s %s`", name, commit)
	},
	History: func(name string) string { return fmt.Sprintf("`/rigel history %s`", name) },
}
