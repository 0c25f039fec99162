package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// Helm charts in `rigel diff` and `rigel apply` (issue 13): a folder holding Chart.yaml
// renders as the bot renders a chart deployment (sync.RenderWith), with the chart settings
// of the flags --values, --release and --set-file, the release namespace of -n (else the
// kubeconfig context's, else "default"), and the cluster's .Capabilities.

// chartFlags are the chart settings given on the command line.
type chartFlags struct {
	values   []string // relative to the chart folder, in order
	release  string   // "" : the deployment name
	setFiles []string // key=path, path relative to the chart folder
}

// given reports whether any chart flag was given.
func (c chartFlags) given() bool {
	return len(c.values) > 0 || c.release != "" || len(c.setFiles) > 0
}

// renderOptions are the render options of folder of fsys for deployment name in namespace ns:
// a chart's settings and the cluster's capabilities (caps, asked only for a chart), or none
// for any other folder, which the chart flags do not fit.
func (c chartFlags) renderOptions(ctx context.Context, fsys fs.FS, path, folder, name, ns string, caps func(context.Context) (*sync.Capabilities, error)) (sync.RenderOptions, error) {
	if !sync.IsChart(fsys, folder) {
		if c.given() {
			return sync.RenderOptions{}, fmt.Errorf("--values, --release and --set-file are for a Helm chart, and %s holds no Chart.yaml: leave them out", path)
		}
		return sync.RenderOptions{}, nil
	}
	ch := config.Chart{Release: c.release, Namespace: ns, Values: c.values}
	if ch.Release == "" {
		ch.Release = name
	}
	for _, kv := range c.setFiles {
		k, p, ok := strings.Cut(kv, "=")
		if !ok || k == "" || p == "" {
			return sync.RenderOptions{}, fmt.Errorf("--set-file %q: write key=path, the path relative to the chart folder, e.g. --set-file config.nginx=files/nginx.conf", kv)
		}
		if ch.SetFiles == nil {
			ch.SetFiles = map[string]string{}
		}
		if _, dup := ch.SetFiles[k]; dup {
			return sync.RenderOptions{}, fmt.Errorf("--set-file %s is given twice: give each key once", k)
		}
		ch.SetFiles[k] = p
	}
	if problems := ch.Problems(folder); len(problems) > 0 {
		if c.release == "" && len(name) > config.MaxReleaseName {
			problems = append(problems, "the release is the deployment name: pass --release, or a shorter --name")
		}
		return sync.RenderOptions{}, fmt.Errorf("the chart settings of %s are not valid: %s", path, strings.Join(problems, "; "))
	}
	cs := &sync.ChartSettings{Release: ch.Release, Namespace: ns}
	for _, v := range ch.Values {
		cs.Values = append(cs.Values, config.ChartValuesPath(folder, v))
	}
	for k, p := range ch.SetFiles {
		if cs.SetFiles == nil {
			cs.SetFiles = map[string]string{}
		}
		cs.SetFiles[k] = config.ChartValuesPath(folder, p)
	}
	capabilities, err := caps(ctx)
	if err != nil {
		return sync.RenderOptions{}, fmt.Errorf("failed to read the cluster's version and APIs for the chart's .Capabilities: %w", err)
	}
	return sync.RenderOptions{Chart: cs, Capabilities: capabilities}, nil
}

// printLookups says on w that the chart's templates call lookup, which answers nothing in
// Rigel's render (sync.LookupNote); nothing when none does.
func printLookups(w io.Writer, fsys fs.FS, folder string) {
	if l := sync.ChartLookups(fsys, folder); len(l) > 0 {
		fmt.Fprintf(w, "note: %s (%s)\n", sync.LookupNote, strings.Join(l, ", "))
	}
}
