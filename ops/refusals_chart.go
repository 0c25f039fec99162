package ops

import (
	"fmt"
	"strings"
)

// The refusals of registering a chart deployment (issue 13, chart.go): settings that are not
// valid, settings for a folder that holds no chart, a file they name that is not there.
// Nothing was changed. Words: words/chart.go.

// BadChart refuses chart settings that are not valid (config.Chart.Problems).
type BadChart struct {
	Folder   string
	Name     string   // the deployment they were for
	Problems []string // each says what is wrong and what to write instead (untrusted: they quote the input)
}

func (e *BadChart) Error() string {
	return fmt.Sprintf("the chart settings of %s are not valid: %s", e.Name, strings.Join(e.Problems, "; "))
}

// Refused marks BadChart as a refusal.
func (e *BadChart) Refused() {}

// NotAChart refuses chart settings for a folder that holds no Helm chart (no Chart.yaml).
type NotAChart struct {
	Folder string
	At     Target
	Commit string
}

func (e *NotAChart) Error() string {
	return fmt.Sprintf("folder %s at %s holds no Helm chart (no %s), so it takes no chart settings", e.Folder, e.Commit, ChartFile)
}

// Refused marks NotAChart as a refusal.
func (e *NotAChart) Refused() {}

// ChartFileMissing refuses chart settings naming a file the repository does not have.
type ChartFileMissing struct {
	Folder string
	What   string // "values file", or "set-file KEY"
	File   string // as given, relative to the chart folder
	Path   string // relative to the repository root
	At     Target
	Commit string
}

func (e *ChartFileMissing) Error() string {
	return fmt.Sprintf("the %s %s of chart %s is not a file of the repository at %s (%s)", e.What, e.File, e.Folder, e.Commit, e.Path)
}

// Refused marks ChartFileMissing as a refusal.
func (e *ChartFileMissing) Refused() {}
