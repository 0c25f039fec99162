package sync

import (
	"context"
	"io/fs"
)

// STAND-IN for part A of issue 13 (sync/render_helm*.go), only so branch i13-helmreg builds
// before it is merged: the lead drops this file at merge. It renders as Render does and
// ignores the chart.

// ChartSettings is how a chart folder renders (part A's type).
type ChartSettings struct {
	Release   string
	Namespace string
	Values    []string
	SetFiles  map[string]string
}

// RenderOptions are the options of RenderWith (part A's type; its Capabilities field is not
// in the stand-in).
type RenderOptions struct {
	Chart *ChartSettings
}

// RenderWith is Render; the stand-in ignores opts.
func RenderWith(ctx context.Context, fsys fs.FS, folder string, _ RenderOptions) ([]Object, error) {
	return Render(ctx, fsys, folder)
}
