package commands

import "github.com/rigel-gitops/rigel/ops"

// The values of pull request automation the comment adapter writes (ops/forge.go).
type (
	ChangedFiles = ops.ChangedFiles
	CheckRun     = ops.CheckRun
	CheckOutput  = ops.CheckOutput
	Annotation   = ops.Annotation
	CheckRunRef  = ops.CheckRunRef
	CommitStatus = ops.CommitStatus
)
