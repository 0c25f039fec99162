package ops

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/sync"
)

// A fix of a chart deployment's workload (issue 13): fix.PlanWith edits the values file that
// sets the value, rendering the chart as the deployment's previews do.

// fixRenderOptions are the options dep's folder renders with for a fix: a chart's settings and
// the cluster's .Capabilities, as its previews render it (render), so the chart fixed is the
// chart applied.
func (s *Service) fixRenderOptions(ctx context.Context, fsys fs.FS, dep config.Deployment) (sync.RenderOptions, error) {
	opts := renderOptions(fsys, dep)
	if c, ok := s.Planner.(capabilities); ok && opts.Chart != nil {
		caps, err := c.Capabilities(ctx)
		if err != nil {
			return opts, fmt.Errorf("failed to read the cluster's version and APIs for the chart's .Capabilities: %w", err)
		}
		opts.Capabilities = caps
	}
	return opts, nil
}

// otherValuesFile reports whether file is a values file at the top of chart deployment d's
// folder that d's settings do not name (nor values.yaml): the chart's render reads it as one
// of its files, but d's values do not come from it (values-prod.yaml for staging).
func otherValuesFile(fsys fs.FS, d config.Deployment, file string) bool {
	dir, name := path.Split(file)
	if path.Clean(dir) != path.Clean(d.Path) || name == fix.ChartValuesFile || !isChart(fsys, d.Path) {
		return false
	}
	if n := strings.ToLower(name); !strings.Contains(n, "values") || n == "values.schema.json" {
		return false
	}
	return !slices.Contains(settingsFiles(d), file)
}

// planFix is fix.PlanWith of p's edits in dep's folder. For a diagnosis, a typo rename that a
// chart's values cannot take (a *fix.UntracedRename, issue 16) is dropped from p's edits and
// said among p's findings, and the rest is planned again: Rigel proposes nothing for it. With
// no edit left it returns no change and p.Edits is empty.
func planFix(fsys fs.FS, dep config.Deployment, p *FixProposal, opts sync.RenderOptions) ([]fix.Change, error) {
	for {
		changes, err := fix.PlanWith(fsys, dep.Path, p.Ref, p.Edits, opts)
		var ur *fix.UntracedRename
		if p.Diagnosis == nil || !errors.As(err, &ur) {
			return changes, err
		}
		d := ur.Drop(p.Diagnosis)
		if len(d.Edits) >= len(p.Edits) { // not one of its edits: refused as it is
			return changes, err
		}
		p.Diagnosis, p.Edits = d, d.Edits
		if len(p.Edits) == 0 {
			return nil, nil
		}
	}
}
