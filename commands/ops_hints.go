package commands

import "github.com/rigel-gitops/rigel/words"

// Hints word a refusal's next step for the way a request came in (words/hints.go).
type Hints = words.Hints

// commentHints are the hints of slash commands.
var commentHints = words.Comment
