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
	gosync "sync"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// Inputs returns the files of the repository tree fsys that rendering folder reads, sorted,
// as repository-relative paths: the manifest files of a plain folder; for a kustomization,
// every file the kustomize build opens (its kustomizations, resources, patches, bases and
// components, in this folder or elsewhere in the repository). It renders the folder as
// Render does, within the same bounds and under the same hermetic checks, and fails as
// Render fails. A change to a file outside this list cannot change the folder's render. A
// Helm chart folder is rendered with the default settings, and *.jsonnet files with none
// (InputsWith takes the deployment's).
func Inputs(ctx context.Context, fsys fs.FS, folder string) ([]string, error) {
	return inputs(ctx, fsys, folder, nil)
}

// inputs is Inputs with the jsonnet settings of a plain folder's *.jsonnet files (nil: none).
func inputs(ctx context.Context, fsys fs.FS, folder string, set *JsonnetSettings) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, MaxRenderTime)
	defer cancel()
	dir, entries, err := openFolder(fsys, folder)
	if err != nil {
		return nil, err
	}
	rec := &reads{files: map[string]bool{}}
	if chartIn(entries) {
		if _, _, err := renderWith(ctx, fsys, dir, RenderOptions{}, rec); err != nil {
			return nil, err
		}
		return chartInputs(fsys, dir, nil, rec.list()), nil
	}
	if k := kustomizationIn(entries); k != "" {
		err = kustomizeInputs(ctx, fsys, dir, path.Join(dir, k), RenderOptions{}, rec)
	} else {
		_, err = renderPlain(ctx, &recordingFS{FS: fsys, rec: rec}, dir, set) // the jsonnet files' imports are read through it
	}
	if err != nil {
		return nil, err
	}
	return rec.list(), nil
}

// kustomizeInputs builds dir as renderKustomize does, recording the files kustomize reads,
// and those of the charts of its helmCharts (render_kustomize_helm.go; none fetched).
func kustomizeInputs(ctx context.Context, fsys fs.FS, dir, kfile string, opts RenderOptions, rec *reads) error {
	mem, _, err := copyRepo(fsys, dir)
	if err != nil {
		return fmt.Errorf("failed to render %s: %w", dir, err)
	}
	if err := inflateHelmCharts(ctx, fsys, mem, dir, kfile, opts, rec); err != nil {
		return inflateError(ctx, dir, kfile, err)
	}
	defer rec.forgetInflated()
	if err := checkHermetic(ctx, mem, dir); err != nil {
		var he *HermeticError
		if errors.As(err, &he) {
			return he
		}
		return fmt.Errorf("failed to render %s: %w", dir, err)
	}
	if _, err := placeholdNames(mem); err != nil { // as renderKustomize: hooks with generateName build
		return fmt.Errorf("failed to render %s: %w", dir, err)
	}
	guarded := &guardedFS{FileSystem: mem, ctx: ctx}
	if _, err := runKustomize(ctx, &recordingKFS{FileSystem: guarded, rec: rec}, dir); err != nil {
		if ctx.Err() != nil {
			return stoppedError(ctx, dir)
		}
		return fmt.Errorf("failed to build %s with kustomize: %w", dir, err)
	}
	return nil
}

// reads is the set of files a render read; a build Render stopped waiting for may still add
// to it, hence the lock.
type reads struct {
	mu    gosync.Mutex
	files map[string]bool
}

func (r *reads) add(p string) {
	p = strings.TrimPrefix(path.Clean("/"+p), "/")
	r.mu.Lock()
	r.files[p] = true
	r.mu.Unlock()
}

func (r *reads) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.files))
	for p := range r.files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// recordingFS records the files a plain render opens.
type recordingFS struct {
	fs.FS
	rec *reads
}

func (r *recordingFS) Open(name string) (fs.File, error) {
	f, err := r.FS.Open(name)
	if err == nil {
		if st, serr := f.Stat(); serr == nil && st.Mode().IsRegular() {
			r.rec.add(name)
		}
	}
	return f, err
}

func (r *recordingFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(r.FS, name) }

// recordingKFS records the files a kustomize build reads.
type recordingKFS struct {
	filesys.FileSystem
	rec *reads
}

func (r *recordingKFS) ReadFile(p string) ([]byte, error) {
	data, err := r.FileSystem.ReadFile(p)
	if err == nil {
		r.rec.add(p)
	}
	return data, err
}

func (r *recordingKFS) Open(p string) (filesys.File, error) {
	f, err := r.FileSystem.Open(p)
	if err == nil && !r.FileSystem.IsDir(p) {
		r.rec.add(p)
	}
	return f, err
}

// InputsWith is Inputs with render options. For a Helm chart folder it is every file the
// render reads: the chart's files (its templates, helpers, files, CRDs and vendored subcharts,
// .helmignore honoured), the file:// dependencies in the repository, and the values files and
// set-files of opts.Chart, so that a change to any of them previews the deployment again. A
// plain folder's *.jsonnet files are rendered with opts.Jsonnet (issue 17): a file that needs
// a top-level argument or an external variable is tracked, with every file it imports, from
// its folder or from the lib folders.
func InputsWith(ctx context.Context, fsys fs.FS, folder string, opts RenderOptions) ([]string, error) {
	if !IsChart(fsys, folder) {
		return inputs(ctx, fsys, folder, opts.Jsonnet)
	}
	rec := &reads{files: map[string]bool{}}
	if _, _, err := renderWith(ctx, fsys, folder, opts, rec); err != nil {
		return nil, err
	}
	return chartInputs(fsys, folder, opts.Chart, rec.list()), nil
}

// filesRE finds a template's use of .Files, the only way a template reads a file of its chart
// other than its templates and values.
var filesRE = regexp.MustCompile(`\.Files\b`)

// chartInputs are the files read by a render of the chart in folder, less the values files at
// the top of the chart folder that the settings cs do not name (values-staging.yaml is no input
// of the prod deployment): the render reads them as chart files, but they change its output
// only through .Files, so they are kept when a template of the chart uses .Files.
func chartInputs(fsys fs.FS, folder string, cs *ChartSettings, read []string) []string {
	dir := strings.TrimPrefix(path.Clean("/"+folder), "/")
	named := map[string]bool{path.Join(dir, "values.yaml"): true}
	if cs != nil {
		for _, v := range cs.Values {
			named[path.Clean(v)] = true
		}
		for _, f := range cs.SetFiles {
			named[path.Clean(f)] = true
		}
	}
	otherValues := func(p string) bool {
		if named[p] || path.Dir(p) != path.Clean(dir) {
			return false
		}
		n := strings.ToLower(path.Base(p))
		switch path.Ext(n) {
		case ".yaml", ".yml", ".json":
			return strings.Contains(n, "values") && n != "values.schema.json"
		}
		return false
	}
	out := make([]string, 0, len(read))
	var dropped bool
	for _, p := range read {
		if otherValues(p) {
			dropped = true
			continue
		}
		out = append(out, p)
	}
	if !dropped {
		return read
	}
	for _, p := range read {
		if strings.Contains("/"+p, "/templates/") {
			if data, err := readBounded(fsys, p, MaxFileBytes); err != nil || filesRE.Match(data) {
				return read // a template reads chart files (or cannot be read again): all count
			}
		}
	}
	return out
}
