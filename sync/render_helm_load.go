package sync

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/ignore"
	"helm.sh/helm/v3/pkg/strvals"
)

// chartLoader reads charts, values files and set-files from the repository tree, within
// MaxChartFiles and MaxChartBytes, recording what it reads in rec (when set).
type chartLoader struct {
	fsys   fs.FS
	ctx    context.Context
	rec    *reads
	files  int
	bytes  int64
	dirs   map[*chart.Chart]string // the repository folder of each chart loaded from a folder
	keep   map[string][]byte       // when set, every file read (for the child process)
	repos  *ChartRepos             // where dependencies may be fetched from (nil: nowhere)
	inputs bool                    // for Inputs: a remote dependency is left out without an allowlist
}

// read reads one repository file within the bounds.
func (l *chartLoader) read(p string) ([]byte, error) {
	if err := l.ctx.Err(); err != nil {
		return nil, err
	}
	l.files++
	if l.files > MaxChartFiles {
		return nil, fmt.Errorf("the chart, its subcharts and values have more than %d files, the limit for one deployment", MaxChartFiles)
	}
	limit := min(MaxFileBytes, MaxChartBytes-l.bytes)
	data, err := readBounded(l.fsys, p, limit)
	if err != nil {
		if l.bytes+int64(MaxFileBytes) > MaxChartBytes {
			return nil, fmt.Errorf("the chart, its subcharts and values are more than %d MiB, the limit for one deployment (at %s): %w", MaxChartBytes>>20, p, err)
		}
		return nil, err
	}
	l.bytes += int64(len(data))
	if l.rec != nil {
		l.rec.add(p)
	}
	if l.keep != nil {
		l.keep[p] = data
	}
	return data, nil
}

// load loads the chart in the repository folder dir (clean, validated), with its vendored
// subcharts in charts/ and its file:// dependencies inside the repository.
func (l *chartLoader) load(dir string, depth int) (*chart.Chart, error) {
	if depth > MaxChartDepth {
		return nil, fmt.Errorf("%s: file:// dependencies nest more than %d deep", dir, MaxChartDepth)
	}
	rules := ignore.Empty()
	if data, err := fs.ReadFile(l.fsys, path.Join(dir, ignore.HelmIgnore)); err == nil {
		if l.rec != nil {
			l.rec.add(path.Join(dir, ignore.HelmIgnore))
		}
		if l.keep != nil {
			l.keep[path.Join(dir, ignore.HelmIgnore)] = data
		}
		if len(data) > MaxFileBytes {
			return nil, fmt.Errorf("%s is more than %d bytes", path.Join(dir, ignore.HelmIgnore), MaxFileBytes)
		}
		if rules, err = ignore.Parse(bytes.NewReader(data)); err != nil {
			return nil, &ParseError{File: path.Join(dir, ignore.HelmIgnore), Msg: err.Error()}
		}
	}
	rules.AddDefaults()
	var files []*loader.BufferedFile
	err := fs.WalkDir(l.fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("failed to read %s: %w", p, err)
		}
		if p == dir {
			return nil
		}
		rel := strings.TrimPrefix(p, dir+"/")
		if dir == "." {
			rel = p
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("failed to read %s: %w", p, err)
		}
		if rules.Ignore(rel, info) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		t := d.Type()
		switch {
		case t&fs.ModeSymlink != 0:
			return symlinkError(p)
		case t.IsDir():
			if d.Name() == ".git" {
				return fs.SkipDir
			}
			return nil
		case !t.IsRegular():
			return nil
		}
		data, err := l.read(p)
		if err != nil {
			return err
		}
		if isYAMLName(p) {
			if err := checkAliasBomb(p, data); err != nil {
				return err
			}
		}
		if strings.HasSuffix(p, ".tgz") {
			if err := l.archive(p, data); err != nil {
				return err
			}
		}
		files = append(files, &loader.BufferedFile{Name: rel, Data: bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))})
		return nil
	})
	if err != nil {
		return nil, err
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		return nil, fmt.Errorf("failed to load the chart in %s: %w", dir, err)
	}
	if err := l.dependencies(dir, ch, depth); err != nil {
		return nil, err
	}
	if l.dirs == nil {
		l.dirs = map[*chart.Chart]string{}
	}
	l.dirs[ch] = dir
	return ch, nil
}

// sources maps the paths Helm names templates by ("web", "web/charts/db") to the repository
// folders they come from: a vendored subchart is in charts/ of its parent, a file://
// dependency where it was loaded from. Longer prefixes first.
func (l *chartLoader) sources(root *chart.Chart) []pathMap {
	var out []pathMap
	var walk func(c *chart.Chart, parentDir string)
	walk = func(c *chart.Chart, parentDir string) {
		dir, ok := l.dirs[c]
		if !ok {
			dir = path.Join(parentDir, "charts", c.Name())
		}
		out = append(out, pathMap{helm: c.ChartFullPath(), repo: dir})
		for _, d := range c.Dependencies() {
			walk(d, dir)
		}
	}
	walk(root, "")
	sort.Slice(out, func(i, j int) bool { return len(out[i].helm) > len(out[j].helm) })
	return out
}

// pathMap maps a Helm chart path to a repository folder.
type pathMap struct{ helm, repo string }

// archive counts the decompressed bytes of a vendored chart archive against MaxChartBytes
// before Helm's loader unpacks it (its own bound is per archive, and larger).
func (l *chartLoader) archive(p string, data []byte) error {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%s is not a gzipped chart archive: %w", p, err)
	}
	room := MaxChartBytes - l.bytes
	n, err := io.Copy(io.Discard, io.LimitReader(zr, room+1))
	if err != nil {
		return fmt.Errorf("%s is not a valid chart archive: %w", p, err)
	}
	if n > room {
		return fmt.Errorf("the chart, its subcharts and values are more than %d MiB, the limit for one deployment, once %s is unpacked", MaxChartBytes>>20, p)
	}
	l.bytes += n
	return nil
}

// dependencies checks that each dependency of Chart.yaml is vendored in charts/ or is a
// file:// dependency inside the repository (then loaded from there). Others are refused:
// Rigel fetches nothing while rendering.
func (l *chartLoader) dependencies(dir string, ch *chart.Chart, depth int) error {
	have := map[string]bool{}
	for _, d := range ch.Dependencies() {
		have[d.Name()] = true
	}
	file := path.Join(dir, ChartFile)
	for i, dep := range ch.Metadata.Dependencies {
		if dep == nil || have[dep.Name] {
			continue
		}
		field := fmt.Sprintf("dependencies[%d] (%s) repository", i, dep.Name)
		rel, ok := strings.CutPrefix(dep.Repository, "file://")
		if !ok { // fetched from an allowlisted repository, or refused (render_helm_deps.go)
			sc, err := l.remote(dir, ch, i, dep)
			if err != nil {
				return err
			}
			if sc == nil {
				continue
			}
			ch.AddDependency(sc)
			have[dep.Name] = true
			continue
		}
		if path.IsAbs(rel) || strings.Contains(rel, `\`) {
			return &HermeticError{File: file, Field: field, Value: dep.Repository,
				Reason: "is an absolute path: give a path relative to the chart folder, inside the repository"}
		}
		target := path.Join(dir, rel)
		if target == ".." || strings.HasPrefix(target, "../") {
			return &HermeticError{File: file, Field: field, Value: dep.Repository,
				Reason: "leads outside the repository: Rigel reads only the repository's files"}
		}
		sub, err := cleanFolder(l.fsys, target)
		if err != nil {
			return &HermeticError{File: file, Field: field, Value: dep.Repository, Reason: "cannot be read: " + err.Error()}
		}
		sc, err := l.load(sub, depth+1)
		if err != nil {
			return err
		}
		if sc.Name() != dep.Name {
			return &HermeticError{File: file, Field: field, Value: dep.Repository,
				Reason: fmt.Sprintf("holds chart %q, not %q", sc.Name(), dep.Name)}
		}
		ch.AddDependency(sc)
		have[dep.Name] = true
	}
	return nil
}

// values reads the values files and set-files of set, merged in order (later files win,
// maps merged key by key, as `helm -f a.yaml -f b.yaml --set-file k=p`).
func (l *chartLoader) values(set ChartSettings) (map[string]interface{}, error) {
	base := map[string]interface{}{}
	for _, v := range set.Values {
		p, err := l.inRepo(v, "values file")
		if err != nil {
			return nil, err
		}
		data, err := l.read(p)
		if err != nil {
			return nil, fmt.Errorf("values file %s: %w", p, err)
		}
		if err := checkAliasBomb(p, data); err != nil {
			return nil, err
		}
		vals, err := chartutil.ReadValues(data)
		if err != nil {
			return nil, yamlError(p, yamlDoc{text: data, start: 1}, unwrapYAML(err))
		}
		base = mergeValues(base, vals.AsMap())
	}
	keys := make([]string, 0, len(set.SetFiles))
	for k := range set.SetFiles {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p, err := l.inRepo(set.SetFiles[k], "set-file "+k)
		if err != nil {
			return nil, err
		}
		data, err := l.read(p)
		if err != nil {
			return nil, fmt.Errorf("set-file %s: %w", k, err)
		}
		if strings.ContainsAny(k, "=") {
			return nil, fmt.Errorf("set-file key %q: a key has no '='", k)
		}
		reader := func([]rune) (interface{}, error) { return string(data), nil }
		if err := strvals.ParseIntoFile(k+"="+p, base, reader); err != nil {
			return nil, fmt.Errorf("set-file %s: %w", k, err)
		}
	}
	return base, nil
}

// inRepo checks a repository path of a values file or set-file, refusing one outside the
// repository, and returns its clean form.
func (l *chartLoader) inRepo(p, what string) (string, error) {
	switch {
	case p == "":
		return "", &PathError{Path: p, Reason: what + " is empty"}
	case strings.Contains(p, `\`):
		return "", &PathError{Path: p, Reason: what + ": use forward slashes (/) to separate folders"}
	case path.IsAbs(p):
		return "", &PathError{Path: p, Reason: what + " is absolute: give a path in the repository, like charts/web/values-prod.yaml"}
	}
	full := path.Clean(p)
	if full == ".." || strings.HasPrefix(full, "../") {
		return "", &PathError{Path: p, Reason: what + " leads outside the repository"}
	}
	parent, err := cleanFolder(l.fsys, path.Dir(full))
	if err != nil {
		return "", &PathError{Path: p, Reason: what + ": " + err.Error()}
	}
	// The file's type as its folder lists it (a snapshot need not implement fs.ReadLinkFS).
	entries, err := fs.ReadDir(l.fsys, parent)
	if err != nil {
		return "", fmt.Errorf("failed to read %s: %w", parent, err)
	}
	i := sort.Search(len(entries), func(i int) bool { return entries[i].Name() >= path.Base(full) })
	switch {
	case i == len(entries) || entries[i].Name() != path.Base(full):
		return "", &PathError{Path: p, Reason: fmt.Sprintf("%s: %s does not exist in the repository", what, full)}
	case entries[i].Type()&fs.ModeSymlink != 0:
		return "", &PathError{Path: p, Reason: fmt.Sprintf("%s: %s is a symlink, and Rigel does not follow symlinks", what, full)}
	case !entries[i].Type().IsRegular():
		return "", &PathError{Path: p, Reason: fmt.Sprintf("%s: %s is not a file", what, full)}
	}
	return full, nil
}

// unwrapYAML strips the wrapping Helm adds to a YAML error, so yamlError finds its line.
func unwrapYAML(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, "yaml: "); i >= 0 {
		return fmt.Errorf("%s", msg[i:])
	}
	return err
}

// mergeValues merges src over dst: maps key by key, anything else replaced (Helm's -f order).
func mergeValues(dst, src map[string]interface{}) map[string]interface{} {
	for k, v := range src {
		if sm, ok := v.(map[string]interface{}); ok {
			if dm, ok := dst[k].(map[string]interface{}); ok {
				dst[k] = mergeValues(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
	return dst
}
