package ops

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// Helm charts as deployments (issue 13), the service's side: a deployment's chart settings
// (config.Chart, registered with it) become the renderer's (sync.ChartSettings) for every
// render of the deployment — preview, apply, registration, apply on merge — and the folder
// browser finds chart folders and their values files. Rendering is sync.RenderWith's.

// ChartFile is the name of the file that makes a folder a Helm chart.
const ChartFile = "Chart.yaml"

// render renders dep's folder of fsys, as a chart with dep's settings when it holds one, and
// the live cluster's .Capabilities when the Planner tells them (sync.Engine.Capabilities), so
// a chart branching on the Kubernetes version or an API renders as it would install.
func (s *Service) render(ctx context.Context, fsys fs.FS, dep config.Deployment) ([]sync.Object, error) {
	opts := renderOptions(fsys, dep)
	opts.Repos = s.ChartRepos // dependencies fetched only from the allowlist (sync/helm_fetch.go)
	if c, ok := s.Planner.(capabilities); ok && opts.Chart != nil {
		caps, err := c.Capabilities(ctx)
		if err != nil {
			return nil, fmt.Errorf("failed to read the cluster's version and APIs for the chart's .Capabilities: %w", err)
		}
		opts.Capabilities = caps
	}
	return renderWith(ctx, fsys, dep.Path, opts)
}

// capabilities is what a Planner that knows the cluster tells a chart's render (sync.Engine).
type capabilities interface {
	Capabilities(ctx context.Context) (*sync.Capabilities, error)
}

// releaseNamespace is the namespace of the namespaced objects of dep's chart that name none,
// as Helm installs them in the release's namespace ("" for any other folder: "default", as
// kubectl apply).
func releaseNamespace(fsys fs.FS, dep config.Deployment) string {
	if opts := renderOptions(fsys, dep); opts.Chart != nil {
		return opts.Chart.Namespace
	}
	return ""
}

// renderWith is sync.RenderWith; the tests over fakes replace it to see the options each
// render gets.
var renderWith = sync.RenderWith

// renderInputs are the files of fsys dep's render reads (sync.InputsWith, with dep's chart
// settings: a chart's files and the values and set-file files its settings name, which may be
// outside the chart folder), so that a change to one of them previews the deployment. When
// the folder does not render, a chart's settings files come with the error: they count.
func renderInputs(ctx context.Context, fsys fs.FS, dep config.Deployment) ([]string, error) {
	opts := renderOptions(fsys, dep)
	in, err := sync.InputsWith(ctx, fsys, dep.Path, opts)
	if opts.Chart == nil {
		return in, err
	}
	for _, f := range settingsFiles(dep) { // also when the chart does not render
		if !slices.Contains(in, f) {
			in = append(in, f)
		}
	}
	slices.Sort(in)
	return in, err
}

// settingsFiles are the files dep's chart settings name, relative to the repository root.
func settingsFiles(dep config.Deployment) []string {
	cs := chartSettings(dep)
	out := slices.Clone(cs.Values)
	for _, k := range slices.Sorted(maps.Keys(cs.SetFiles)) {
		out = append(out, cs.SetFiles[k])
	}
	return out
}

// renderOptions are the options of dep's render: its chart settings when its folder holds a
// chart, else its jsonnet settings (issue 17).
func renderOptions(fsys fs.FS, dep config.Deployment) sync.RenderOptions {
	if !isChart(fsys, dep.Path) {
		return sync.RenderOptions{Jsonnet: jsonnetSettings(dep)} // render_jsonnet.go
	}
	return sync.RenderOptions{Chart: chartSettings(dep)}
}

// chartSettings maps a deployment's chart settings to the renderer's: the release is the
// deployment's name unless set; values and set-file paths, relative to the chart folder in the
// registry, become relative to the repository root, in order.
func chartSettings(dep config.Deployment) *sync.ChartSettings {
	out := &sync.ChartSettings{Release: dep.Name}
	c := dep.Chart
	if c == nil {
		return out
	}
	if c.Release != "" {
		out.Release = c.Release
	}
	out.Namespace = c.Namespace
	for _, v := range c.Values {
		out.Values = append(out.Values, config.ChartValuesPath(dep.Path, v))
	}
	if len(c.SetFiles) > 0 {
		out.SetFiles = make(map[string]string, len(c.SetFiles))
		for k, p := range c.SetFiles {
			out.SetFiles[k] = config.ChartValuesPath(dep.Path, p)
		}
	}
	return out
}

// isChart reports whether folder of fsys holds a Helm chart (a regular Chart.yaml).
func isChart(fsys fs.FS, folder string) bool {
	return isRegularFile(fsys, path.Join(folder, ChartFile))
}

// isRegularFile reports whether p is a regular file of fsys (not a folder, not a symlink).
func isRegularFile(fsys fs.FS, p string) bool {
	dir, name := path.Split(p)
	entries, err := fs.ReadDir(fsys, path.Clean(dir))
	if err != nil {
		return false
	}
	i := sort.Search(len(entries), func(i int) bool { return entries[i].Name() >= name })
	return i < len(entries) && entries[i].Name() == name && entries[i].Type().IsRegular()
}

// cleanChart returns the chart settings given by a person with their paths in plain form,
// nil when nothing is set (the chart's defaults).
func cleanChart(c *config.Chart) *config.Chart {
	if c == nil || (c.Release == "" && c.Namespace == "" && len(c.Values) == 0 && len(c.SetFiles) == 0) {
		return nil
	}
	out := &config.Chart{Release: c.Release, Namespace: c.Namespace}
	for _, v := range c.Values {
		out.Values = append(out.Values, cleanChartPath(v))
	}
	if len(c.SetFiles) > 0 {
		out.SetFiles = make(map[string]string, len(c.SetFiles))
		for k, p := range c.SetFiles {
			out.SetFiles[k] = cleanChartPath(p)
		}
	}
	return out
}

// cleanChartPath cleans a path typed by a person ("./values.yaml" is values.yaml); one that is
// not a plain relative path is kept as typed, for the settings' check to refuse.
func cleanChartPath(p string) string {
	if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, `\`) {
		return p
	}
	return path.Clean(p)
}

// checkChart refuses chart settings for folder at a commit of fsys: settings for a folder that
// holds no chart, and values or set-file files that are not in the repository.
func checkChart(fsys fs.FS, folder string, c *config.Chart, t Target, commit string) error {
	if c == nil {
		return nil
	}
	if !isChart(fsys, folder) {
		return &NotAChart{Folder: folder, At: t, Commit: commit}
	}
	missing := func(what, file string) error {
		return &ChartFileMissing{Folder: folder, What: what, File: file, Path: config.ChartValuesPath(folder, file), At: t, Commit: commit}
	}
	for _, v := range c.Values {
		if !isRegularFile(fsys, config.ChartValuesPath(folder, v)) {
			return missing("values file", v)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.SetFiles)) {
		if !isRegularFile(fsys, config.ChartValuesPath(folder, c.SetFiles[k])) {
			return missing("set-file "+k, c.SetFiles[k])
		}
	}
	return nil
}

// releaseProblem says why a chart deployment called name cannot use its name as the release
// ("" when it can, or sets its own, or folder is no chart): helm's limit is shorter.
func releaseProblem(fsys fs.FS, folder, name string, c *config.Chart) string {
	if (c != nil && c.Release != "") || len(name) <= config.MaxReleaseName || !isChart(fsys, folder) {
		return ""
	}
	return fmt.Sprintf("the deployment name %q is the chart's release name, and it is longer than %d characters, helm's limit for a release name: give a shorter release name (--release, or release in the chart settings) or a shorter deployment name", name, config.MaxReleaseName)
}

// ChartFolder is a folder of the repository that holds a Helm chart, as the folder browser
// shows it.
type ChartFolder struct {
	// Values are the values files at the top of the chart folder (values.yaml first, then the
	// others sorted: values-prod.yaml, values.staging.yaml, prod-values.json…).
	Values []string
	// Deployments are the deployments registered for the folder (one per set of settings).
	Deployments []string
}

// chartFolders finds the folders of fsys that hold a Helm chart (not within another chart:
// its charts/ are subcharts), skipping hidden folders and symlinks, with their values files.
func chartFolders(fsys fs.FS) (map[string]ChartFolder, error) {
	out := map[string]ChartFolder{}
	var walk func(dir string) error
	walk = func(dir string) error {
		entries, err := fs.ReadDir(fsys, dir)
		if err != nil {
			return err
		}
		if hasRegular(entries, ChartFile) {
			out[dir] = ChartFolder{Values: valuesFiles(entries)}
			return nil
		}
		for _, e := range entries {
			if e.IsDir() && e.Type()&fs.ModeSymlink == 0 && !strings.HasPrefix(e.Name(), ".") {
				if err := walk(path.Join(dir, e.Name())); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk("."); err != nil {
		return nil, err
	}
	return out, nil
}

func hasRegular(entries []fs.DirEntry, name string) bool {
	for _, e := range entries {
		if e.Name() == name && e.Type().IsRegular() {
			return true
		}
	}
	return false
}

// valuesFiles are the values files among a chart folder's entries: regular YAML or JSON files
// whose name holds "values" (not values.schema.json), values.yaml first.
func valuesFiles(entries []fs.DirEntry) []string {
	var out []string
	for _, e := range entries {
		if e.Type().IsRegular() && isValuesName(e.Name()) {
			out = append(out, e.Name())
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if (out[i] == "values.yaml") != (out[j] == "values.yaml") {
			return out[i] == "values.yaml"
		}
		return out[i] < out[j]
	})
	return out
}

// isValuesName reports whether a file of a chart folder's top is named as a values file: YAML
// or JSON, not hidden, "values" in its name, not values.schema.json.
func isValuesName(n string) bool {
	switch {
	case strings.HasPrefix(n, "."), !strings.Contains(strings.ToLower(n), "values"), strings.EqualFold(n, "values.schema.json"):
		return false
	}
	switch path.Ext(n) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}
