package sync

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/releaseutil"
)

// ChartSettings are how a deployment renders a Helm chart folder (issue 13): the release
// name and namespace of an install, the values files merged in order over the chart's
// values.yaml, and --set-file values.
//
// Values and the paths of SetFiles are repository paths, as the registry's (chart-folder
// relative) become through config.ChartValuesPath: "charts/web/values-prod.yaml",
// "shared/values.yaml"; a path outside the repository, absolute or through a symlink is refused.
type ChartSettings struct {
	Release   string            // release name; "" is the chart's name
	Namespace string            // release namespace; "" is "default"
	Values    []string          // values files (repository paths), later ones win
	SetFiles  map[string]string // values key (helm --set-file syntax, e.g. "config.script") -> repository path
}

// Capabilities are what a chart's templates see as .Capabilities: the cluster's Kubernetes
// version and API versions ("apps/v1", and "apps/v1/Deployment" for each kind), from the
// live cluster's discovery (Engine.Capabilities).
type Capabilities struct {
	KubeVersion string   // e.g. "v1.33.1"
	APIVersions []string // sorted
}

// RenderOptions tune RenderWith. The zero value renders as Render does.
type RenderOptions struct {
	// Chart is how a chart folder (one holding Chart.yaml) is rendered; nil renders it with
	// the chart's name as release, namespace "default" and values.yaml only.
	Chart *ChartSettings
	// Capabilities are the cluster's, for a chart; nil uses Helm's defaults, as `helm template`,
	// and does not check Chart.yaml's kubeVersion.
	Capabilities *Capabilities
	// Repos are where a chart's Chart.lock dependencies may be fetched from (helm_fetch.go);
	// nil fetches nothing: a dependency not vendored in charts/ nor file:// is refused.
	Repos *ChartRepos
	// Jsonnet are the top-level arguments, external variables and lib folders of the folder's
	// *.jsonnet files (render_jsonnet.go); nil: none.
	Jsonnet *JsonnetSettings
}

// ChartFile is the file that makes a folder a Helm chart.
const ChartFile = "Chart.yaml"

// Bounds on a chart render (beyond MaxFileBytes, MaxObjects, MaxRenderedBytes, MaxRenderTime).
const (
	MaxChartFiles = MaxKustomizeFiles // files of a chart, its subcharts, values and set-files
	MaxChartBytes = MaxKustomizeBytes // their bytes
	// MaxChartDepth bounds the nesting of file:// dependencies loaded from the repository.
	MaxChartDepth = 8
)

// RenderWith is Render with options: a folder holding a Chart.yaml is rendered as a Helm
// chart, with Helm's Go SDK, as `helm install` would render it (render_helm.go):
//
//   - from the repository's files only: the chart folder (its templates, helpers, files and
//     the subcharts vendored in charts/, .helmignore honoured), file:// dependencies inside
//     the repository, the values files and set-files of opts.Chart; a dependency that is
//     neither is refused with a *HermeticError naming Chart.yaml;
//   - install-like: .Release.IsInstall, the release name and namespace of opts.Chart;
//     .Capabilities from opts.Capabilities; `lookup` finds nothing (as `helm template`:
//     Rigel's render never reaches the cluster) and getHostByName answers "";
//     values.schema.json is checked, with no $ref outside the schema;
//   - a template error is a *ParseError naming the template (repository path) and line;
//   - the objects come CRDs of crds/ first, then the manifests in Helm's install order, then
//     the hooks (helm.sh/hook, annotations kept: the hooks of a plan are told by them,
//     whatever rendered them), by weight then name as Helm runs them.
//
// The same bounds as a kustomize build apply (MaxRenderTime, MaxChartFiles, MaxChartBytes,
// MaxFileBytes, MaxRenderedBytes, MaxObjects); nothing is fetched.
func RenderWith(ctx context.Context, fsys fs.FS, folder string, opts RenderOptions) ([]Object, error) {
	objs, _, err := renderWith(ctx, fsys, folder, opts, nil)
	return objs, err
}

// renderWith renders a folder, recording the files a chart render reads in rec (nil: none).
func renderWith(ctx context.Context, fsys fs.FS, folder string, opts RenderOptions, rec *reads) ([]Object, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, MaxRenderTime)
	defer cancel()
	dir, entries, err := openFolder(fsys, folder)
	if err != nil {
		return nil, false, err
	}
	var objs []Object
	isChart := chartIn(entries)
	switch k := kustomizationIn(entries); {
	case isChart:
		objs, err = renderChart(ctx, fsys, dir, opts, rec)
	case k != "":
		objs, err = renderKustomize(ctx, fsys, dir, path.Join(dir, k), opts)
	default:
		objs, err = renderPlain(ctx, fsys, dir, opts.Jsonnet)
	}
	if err != nil {
		return nil, isChart, err
	}
	if len(objs) > MaxObjects {
		return nil, isChart, fmt.Errorf("failed to render %s: %d objects, more than the limit of %d", dir, len(objs), MaxObjects)
	}
	if err := checkDuplicates(objs); err != nil {
		return nil, isChart, fmt.Errorf("failed to render %s: %w", dir, err)
	}
	return objs, isChart, nil
}

// chartIn reports whether a folder's entries hold a Chart.yaml file.
func chartIn(entries []fs.DirEntry) bool {
	for _, e := range entries {
		if e.Name() == ChartFile && e.Type().IsRegular() {
			return true
		}
	}
	return false
}

// IsChart reports whether a repository folder is a Helm chart (holds a Chart.yaml).
func IsChart(fsys fs.FS, folder string) bool {
	_, entries, err := openFolder(fsys, folder)
	return err == nil && chartIn(entries)
}

// renderChart renders the chart in dir: in a child process (render_helm_child.go) when it
// can, else in this one.
func renderChart(ctx context.Context, fsys fs.FS, dir string, opts RenderOptions, rec *reads) ([]Object, error) {
	start := time.Now()
	exe := chartChildExe()
	var objs []Object
	var err error
	if exe != "" {
		objs, err = renderChartChild(ctx, exe, fsys, dir, opts, rec)
	} else {
		objs, err = renderChartHere(ctx, fsys, dir, opts, rec, rec != nil)
	}
	if err == nil {
		hooks := 0
		for _, o := range objs {
			if o.Obj.GetAnnotations()[helmHookAnnotation] != "" {
				hooks++
			}
		}
		zerolog.Ctx(ctx).Debug().Int("objects", len(objs)).Int("hooks", hooks).Bool("isolated", exe != "").
			Dur("took", time.Since(start)).Msg("chart rendered")
	}
	return objs, err
}

// renderChartHere renders the chart in dir in this process; inputs: for Inputs (a remote
// dependency is left out when there is no allowlist, not refused).
func renderChartHere(ctx context.Context, fsys fs.FS, dir string, opts RenderOptions, rec *reads, inputs bool) ([]Object, error) {
	set := ChartSettings{}
	if opts.Chart != nil {
		set = *opts.Chart
	}
	ld := &chartLoader{fsys: fsys, ctx: ctx, rec: rec, repos: opts.Repos, inputs: inputs}
	ch, err := ld.load(dir, 0)
	if err != nil {
		return nil, chartFailure(ctx, dir, err)
	}
	paths := ld.sources(ch) // before ProcessDependencies replaces subcharts with copies
	vals, err := ld.values(set)
	if err != nil {
		return nil, chartFailure(ctx, dir, err)
	}
	release := set.Release
	if release == "" {
		release = ch.Name()
	}
	if err := chartutil.ValidateReleaseName(release); err != nil {
		return nil, fmt.Errorf("failed to render chart %s: release name %q: %w", dir, release, err)
	}
	ns := set.Namespace
	if ns == "" {
		ns = "default"
	}
	caps := helmCapabilities(opts.Capabilities)
	// Chart.yaml's kubeVersion is checked against the cluster's, not against Helm's defaults.
	if kv := ch.Metadata.KubeVersion; kv != "" && opts.Capabilities != nil && !chartutil.IsCompatibleRange(kv, caps.KubeVersion.String()) {
		return nil, fmt.Errorf("failed to render chart %s: %s requires kubeVersion %s, and the cluster runs Kubernetes %s", dir, path.Join(dir, ChartFile), kv, caps.KubeVersion.String())
	}
	if err := chartutil.ProcessDependenciesWithMerge(ch, vals); err != nil {
		return nil, fmt.Errorf("failed to render chart %s: its dependencies: %w", dir, err)
	}
	top, err := chartutil.ToRenderValuesWithSchemaValidation(ch, vals, chartutil.ReleaseOptions{
		Name: release, Namespace: ns, Revision: 1, IsInstall: true,
	}, caps, true)
	if err != nil {
		return nil, fmt.Errorf("failed to render chart %s: its values: %w", dir, err)
	}
	merged, _ := top["Values"].(chartutil.Values)
	if err := validateSchemas(ch, merged, dir); err != nil {
		return nil, err
	}
	files, err := runHelm(ctx, ch, top)
	switch {
	case ctx.Err() != nil:
		return nil, stoppedError(ctx, dir)
	case err != nil:
		return nil, templateError(dir, paths, err)
	}
	return chartObjects(ctx, dir, ch, paths, files)
}

// chartFailure wraps an error of loading a chart; a *HermeticError or *ParseError is
// returned as is (it names the file).
func chartFailure(ctx context.Context, dir string, err error) error {
	return renderFailure(ctx, dir, err, "failed to render chart "+dir)
}

// renderFailure is err as a render returns it: the render stopped (its deadline), or a
// *HermeticError, *ParseError or *PathError as is (it names the file), or err wrapped in what.
func renderFailure(ctx context.Context, dir string, err error, what string) error {
	var he *HermeticError
	var pe *ParseError
	var pa *PathError
	switch {
	case ctx.Err() != nil:
		return stoppedError(ctx, dir)
	case errors.As(err, &he), errors.As(err, &pe), errors.As(err, &pa):
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// helmCapabilities converts Capabilities; nil is Helm's defaults.
func helmCapabilities(c *Capabilities) *chartutil.Capabilities {
	caps := chartutil.DefaultCapabilities.Copy()
	if c == nil {
		return caps
	}
	if kv, err := chartutil.ParseKubeVersion(c.KubeVersion); err == nil {
		caps.KubeVersion = *kv
		caps.KubeVersion.Version = c.KubeVersion
	}
	if len(c.APIVersions) > 0 {
		caps.APIVersions = append(chartutil.VersionSet(nil), c.APIVersions...)
	}
	return caps
}

// runHelm renders the templates with Helm's engine, in a goroutine that runHelm stops waiting
// for when ctx is done (Helm's engine takes no context; the render holds a build slot until
// it ends). The engine has no cluster client: `lookup` returns an empty object.
func runHelm(ctx context.Context, ch *chart.Chart, vals chartutil.Values) (map[string]string, error) {
	return inBuildSlot(ctx, "helm", func() (map[string]string, error) {
		var e engine.Engine // no client provider: lookup answers nothing; EnableDNS false
		return e.Render(ch, vals)
	})
}

// chartObjects turns Helm's rendered files into objects: CRDs first, then manifests in
// install order, then hooks by weight.
func chartObjects(ctx context.Context, dir string, ch *chart.Chart, paths []pathMap, files map[string]string) ([]Object, error) {
	var total int64
	for name, content := range files {
		if strings.HasSuffix(name, "NOTES.txt") {
			delete(files, name)
			continue
		}
		total += int64(len(content))
	}
	if total > maxRenderedBytes {
		return nil, fmt.Errorf("failed to render chart %s: its templates rendered more than %d MiB, the limit for one deployment: split the chart into several deployments", dir, maxRenderedBytes>>20)
	}
	hooks, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return nil, renderedYAMLError(dir, paths, err)
	}
	var objs []Object
	add := func(file, content string) error {
		if ctx.Err() != nil {
			return stoppedError(ctx, dir)
		}
		if err := checkDocCount(file, []byte(content), MaxObjects-len(objs)); err != nil {
			return fmt.Errorf("failed to render chart %s: %w", dir, err)
		}
		us, err := parseManifest(file, []byte(content))
		if err != nil {
			var pe *ParseError
			if errors.As(err, &pe) && !strings.Contains("/"+file, "/crds/") { // a CRD is a file as written: its line stands
				pe.Msg = "the template rendered invalid YAML: " + pe.Msg + " (the line is in the rendered output; render it with helm template to see it)"
				pe.Line = 0
			}
			return err
		}
		for _, u := range us {
			objs = append(objs, Object{Obj: u, Source: file})
		}
		if len(objs) > MaxObjects {
			return fmt.Errorf("failed to render chart %s: %w", dir, tooManyObjects(dir))
		}
		return nil
	}
	for _, crd := range ch.CRDObjects() {
		if err := add(repoPath(paths, crd.Filename), string(crd.File.Data)); err != nil {
			return nil, err
		}
	}
	for _, m := range manifests {
		if err := add(repoPath(paths, m.Name), m.Content); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(hooks, func(i, j int) bool {
		if hooks[i].Weight != hooks[j].Weight {
			return hooks[i].Weight < hooks[j].Weight
		}
		return hooks[i].Name < hooks[j].Name
	})
	for _, h := range hooks {
		if err := add(repoPath(paths, h.Path), h.Manifest); err != nil {
			return nil, err
		}
	}
	return objs, nil
}

// repoPath maps a path of Helm's ("web/templates/x.yaml", "web/charts/db/templates/y.yaml")
// to the repository path of the file (paths: chartLoader.sources); an unknown one is kept.
func repoPath(paths []pathMap, p string) string {
	for _, m := range paths {
		if rest, ok := strings.CutPrefix(p, m.helm+"/"); ok {
			return path.Join(m.repo, rest)
		}
	}
	return p
}

// helmHookAnnotation marks a chart's hook.
const helmHookAnnotation = "helm.sh/hook"

// lookupRE finds a call of Helm's lookup function in a template.
var lookupRE = regexp.MustCompile(`\blookup\s+["$(]`)

// LookupNote is what a preview says of a chart whose templates call lookup (ChartLookups).
const LookupNote = "the chart calls `lookup`, which finds nothing when Rigel renders (as with `helm template`): Rigel's render never reads the cluster, so what a template does with a live object is rendered as if it did not exist"

// ChartLookups returns the templates (repository paths, sorted) of the chart in folder and its
// subcharts that call Helm's lookup function, which answers nothing in a Rigel render: a
// preview names them with LookupNote. It returns nil for a folder that is not a chart.
func ChartLookups(fsys fs.FS, folder string) []string {
	dir, entries, err := openFolder(fsys, folder)
	if err != nil || !chartIn(entries) {
		return nil
	}
	var out []string
	n := 0
	_ = fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || n > MaxChartFiles {
			return fs.SkipAll
		}
		if d.Type().IsRegular() && strings.Contains("/"+p, "/templates/") {
			n++
			if data, err := readBounded(fsys, p, MaxFileBytes); err == nil && lookupRE.Match(data) {
				out = append(out, p)
			}
		}
		return nil
	})
	sort.Strings(out)
	return out
}
