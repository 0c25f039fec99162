package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"testing/fstest"

	jsonnet "github.com/google/go-jsonnet"
)

// A folder's *.jsonnet files are rendered as Argo CD's `directory.jsonnet` renders them: each
// file is evaluated with go-jsonnet (Argo CD's own engine), with the deployment's top-level
// arguments and external variables (JsonnetSettings), and its output is an object, an array
// of objects or a List. *.libsonnet files are only imported.
//
// Jsonnet is code from the repository, so its evaluation is hermetic and bounded:
//   - imports are read from the repository only, relative to the importing file or to one of
//     the settings' Libs folders: an absolute path, a path leaving the repository, or a
//     symlink is refused with a *HermeticError naming the importing file;
//   - no native function is registered (std.native fails), std.trace goes nowhere;
//   - the files an evaluation may read are found before it starts (imports are string
//     literals) and bounded by MaxChartFiles and MaxChartBytes; the evaluation then runs in
//     a render child (render_helm_child.go) holding only those files, so that it is stopped at
//     its deadline (go-jsonnet cannot be cancelled) and within MaxChartRenderMemory;
//   - its output counts toward MaxRenderedBytes and MaxObjects.

// JsonnetSettings are the top-level arguments and external variables of a deployment's
// jsonnet files, and the folders searched for imports, as Argo CD's directory.jsonnet.
type JsonnetSettings struct {
	TLAs    map[string]string // top-level arguments, as strings (std.parseJson can read JSON in them)
	ExtVars map[string]string // external variables (std.extVar), as strings
	Libs    []string          // repository-relative folders searched for imports after the importing file's folder
}

// JsonnetExt and LibsonnetExt are the extensions of jsonnet files rendered and imported.
const (
	JsonnetExt   = ".jsonnet"
	LibsonnetExt = ".libsonnet"
)

// maxJsonnetStack bounds the nesting of an evaluation (go-jsonnet's default).
const maxJsonnetStack = 500

func isJsonnetName(name string) bool { return path.Ext(name) == JsonnetExt }

// jsonnetImporter reads imports from a repository tree, hermetically.
type jsonnetImporter struct {
	fsys  fs.FS
	libs  []string
	cache map[string]jsonnet.Contents // by repository path
	keep  map[string][]byte           // every file read, for a render child
	bytes int
	// refused is the first import refused as not hermetic: the evaluation's error says it
	// in jsonnet's words, the render returns it typed.
	refused error
}

func newJsonnetImporter(fsys fs.FS, libs []string) *jsonnetImporter {
	return &jsonnetImporter{fsys: fsys, libs: libs, cache: map[string]jsonnet.Contents{}, keep: map[string][]byte{}}
}

// Import implements jsonnet.Importer.
func (im *jsonnetImporter) Import(importedFrom, importedPath string) (jsonnet.Contents, string, error) {
	from := importedFrom
	if from == "" {
		from = "the deployment"
	}
	refuse := func(reason string) (jsonnet.Contents, string, error) {
		err := &HermeticError{File: from, Field: "import", Value: importedPath, Reason: reason}
		if im.refused == nil {
			im.refused = err
		}
		return jsonnet.Contents{}, "", err
	}
	switch {
	case importedPath == "":
		return refuse("is empty")
	case strings.Contains(importedPath, `\`):
		return refuse("uses backslashes: separate folders with /")
	case path.IsAbs(importedPath) || strings.Contains(importedPath, "://"):
		return refuse("is absolute or a URL: Rigel reads imports from the repository only; import a file of the repository by a path relative to the importing file or to a lib folder")
	}
	dirs := []string{path.Dir(importedFrom)}
	dirs = append(dirs, im.libs...)
	for _, d := range dirs {
		p := path.Clean(path.Join(d, importedPath))
		if p == ".." || strings.HasPrefix(p, "../") {
			if d == dirs[0] {
				return refuse("leads outside the repository: Rigel reads imports from the repository only")
			}
			continue
		}
		if c, ok := im.cache[p]; ok {
			return c, p, nil
		}
		data, found, err := im.read(p)
		if err != nil {
			return refuse(err.Error())
		}
		if !found {
			continue
		}
		c := jsonnet.MakeContentsRaw(data)
		im.cache[p] = c
		return c, p, nil
	}
	return jsonnet.Contents{}, "", fmt.Errorf("%s: import %q: no such file in the repository (looked in %s)", from, importedPath, strings.Join(dirs, ", "))
}

// read reads a regular file of the repository (found false when there is none), refusing a
// symlink on the way and counting it toward the bounds.
func (im *jsonnetImporter) read(p string) ([]byte, bool, error) {
	dir, err := cleanFolder(im.fsys, path.Dir(p))
	if err != nil {
		var pe *PathError
		if errors.As(err, &pe) && strings.Contains(pe.Reason, "does not exist") {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("cannot be read: %v", err)
	}
	entries, err := fs.ReadDir(im.fsys, dir)
	if err != nil {
		return nil, false, fmt.Errorf("cannot be read: %v", err)
	}
	base := path.Base(p)
	i := sort.Search(len(entries), func(i int) bool { return entries[i].Name() >= base })
	if i == len(entries) || entries[i].Name() != base {
		return nil, false, nil
	}
	switch t := entries[i].Type(); {
	case t&fs.ModeSymlink != 0:
		return nil, false, fmt.Errorf("is a symlink, and Rigel does not follow symlinks: commit the file itself")
	case !t.IsRegular():
		return nil, false, nil
	}
	data, err := readBounded(im.fsys, p, MaxFileBytes)
	if err != nil {
		return nil, false, fmt.Errorf("cannot be read: %v", err)
	}
	if len(im.keep) >= MaxChartFiles || im.bytes+len(data) > MaxChartBytes {
		return nil, false, fmt.Errorf("is one file too many: the jsonnet files of one folder may read at most %d files and %d MiB", MaxChartFiles, MaxChartBytes>>20)
	}
	im.keep[p] = data
	im.bytes += len(data)
	return data, true, nil
}

// jsonnetVM is a VM with the deployment's settings, reading through im, with nothing native.
func jsonnetVM(im *jsonnetImporter, set *JsonnetSettings) *jsonnet.VM {
	vm := jsonnet.MakeVM()
	vm.Importer(im)
	vm.SetTraceOut(io.Discard)
	vm.MaxStack = maxJsonnetStack
	if set != nil {
		for k, v := range set.TLAs {
			vm.TLAVar(k, v)
		}
		for k, v := range set.ExtVars {
			vm.ExtVar(k, v)
		}
	}
	return vm
}

// jsonnetLibs checks the settings' lib folders: repository folders.
func jsonnetLibs(fsys fs.FS, set *JsonnetSettings) ([]string, error) {
	if set == nil {
		return nil, nil
	}
	var out []string
	for _, l := range set.Libs {
		d, err := cleanFolder(fsys, l)
		if err != nil {
			return nil, fmt.Errorf("jsonnet lib folder %q: %w", l, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// renderJsonnet renders the jsonnet files of a folder (repository paths, sorted) and returns
// the objects of each file, by file.
func renderJsonnet(ctx context.Context, fsys fs.FS, dir string, files []string, set *JsonnetSettings) (map[string][]Object, error) {
	libs, err := jsonnetLibs(fsys, set)
	if err != nil {
		return nil, fmt.Errorf("failed to render %s: %w", dir, err)
	}
	im := newJsonnetImporter(fsys, libs)
	// What the files may read, before anything runs: imports are string literals.
	vm := jsonnetVM(im, set)
	if _, err := vm.FindDependencies("", files); err != nil {
		if im.refused != nil {
			return nil, fmt.Errorf("failed to render %s: %w", dir, im.refused)
		}
		return nil, fmt.Errorf("failed to render %s: %w", dir, jsonnetError(files, err))
	}
	if ctx.Err() != nil {
		return nil, stoppedError(ctx, dir)
	}
	var libsSet *JsonnetSettings
	if set != nil {
		c := *set
		c.Libs = libs
		libsSet = &c
	}
	exe := chartChildExe()
	if exe == "" {
		out, err := renderJsonnetHere(ctx, fstestFS(im.keep), dir, files, libsSet)
		switch {
		case ctx.Err() != nil:
			return nil, stoppedError(ctx, dir)
		case err != nil:
			return nil, fmt.Errorf("failed to render %s: %w", dir, err)
		}
		return out, nil
	}
	req := childRequest{Files: im.keep, Dir: dir, Jsonnet: &jsonnetRequest{Files: files, Settings: libsSet}, Retire: childRetireBytes}
	res, err := renderInSlot(ctx, exe, dir, &req)
	if err != nil && res != nil { // the evaluation's own error: name the folder
		return nil, fmt.Errorf("failed to render %s: %w", dir, err)
	}
	if err != nil {
		return nil, err
	}
	out := map[string][]Object{}
	for _, o := range res.Objects {
		objs, err := objectsOf(o.JSON, o.Source, 1, 0)
		if err != nil {
			return nil, fmt.Errorf("failed to render %s: the render process answered badly: %w", dir, err)
		}
		for _, u := range objs {
			out[o.Source] = append(out[o.Source], Object{Obj: u, Source: o.Source})
		}
	}
	return out, nil
}

// jsonnetRequest asks a render child to evaluate jsonnet files instead of a chart.
type jsonnetRequest struct {
	Files    []string
	Settings *JsonnetSettings
}

// renderJsonnetHere evaluates files in this process, each to objects (errors name the file,
// not dir). ctx bounds the wait, not the evaluation (it cannot be stopped): in a render child,
// the child's own bounds stop it.
func renderJsonnetHere(ctx context.Context, fsys fs.FS, dir string, files []string, set *JsonnetSettings) (map[string][]Object, error) {
	type result struct {
		out map[string][]Object
		err error
	}
	done := make(chan result, 1)
	go func() {
		var libs []string
		if set != nil {
			libs = set.Libs
		}
		im := newJsonnetImporter(fsys, libs)
		vm := jsonnetVM(im, set)
		out := map[string][]Object{}
		var total, count int
		for _, f := range files {
			js, err := vm.EvaluateFile(f)
			if err != nil {
				if im.refused != nil {
					err = im.refused
				} else {
					err = jsonnetError([]string{f}, err)
				}
				done <- result{err: err}
				return
			}
			if total += len(js); int64(total) > maxRenderedBytes {
				done <- result{err: fmt.Errorf("its jsonnet output is more than %d MiB, the limit for one deployment: split the folder into several deployments", maxRenderedBytes>>20)}
				return
			}
			objs, err := jsonnetObjects(f, []byte(js))
			if err != nil {
				done <- result{err: err}
				return
			}
			if count += len(objs); count > MaxObjects {
				done <- result{err: tooManyObjects(dir)}
				return
			}
			out[f] = objs
		}
		done <- result{out: out}
	}()
	select {
	case r := <-done:
		return r.out, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// jsonnetObjects reads the output of one jsonnet file: an object (a List is expanded), an
// array of objects (or of arrays of them, as Argo CD flattens), or null.
func jsonnetObjects(file string, js []byte) ([]Object, error) {
	var out []Object
	add := func(raw []byte, n int) error {
		us, err := objectsOf(raw, file, n, 0)
		if err != nil {
			return err
		}
		for _, u := range us {
			out = append(out, Object{Obj: u, Source: file})
		}
		return nil
	}
	trimmed := strings.TrimSpace(string(js))
	if !strings.HasPrefix(trimmed, "[") {
		if err := add(js, 1); err != nil {
			return nil, jsonnetOutputError(file, err)
		}
		return out, nil
	}
	items, err := flattenJSONArray(js, 0)
	if err != nil {
		return nil, &ParseError{File: file, Msg: "jsonnet output: " + err.Error()}
	}
	for i, it := range items {
		if err := add(it, i+1); err != nil {
			return nil, jsonnetOutputError(file, err)
		}
	}
	return out, nil
}

// jsonnetOutputError words an output error as one of jsonnet ("document 2" is "item 2").
func jsonnetOutputError(file string, err error) error {
	if pe, ok := err.(*ParseError); ok {
		msg := strings.Replace(pe.Msg, "document ", "output item ", 1)
		return &ParseError{File: file, Msg: "jsonnet " + msg + ": a jsonnet file must evaluate to a Kubernetes object, an array of them, or a List"}
	}
	return err
}

// jsonnetError keeps the first lines of an evaluation's error (jsonnet's own words, with the
// file, line and column) as a ParseError of the evaluated file.
func jsonnetError(files []string, err error) error {
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	msg := strings.Join(lines, "\n")
	if len(lines) > 12 {
		msg = strings.Join(lines[:12], "\n") + "\n…"
	}
	file := "jsonnet"
	if len(files) == 1 {
		file = files[0]
	}
	return &ParseError{File: file, Msg: "jsonnet: " + msg}
}

// maxJSONNesting bounds the arrays of arrays flattened in a jsonnet output.
const maxJSONNesting = 8

// flattenJSONArray returns the elements of a JSON array, those of nested arrays in place.
func flattenJSONArray(js []byte, depth int) ([]json.RawMessage, error) {
	if depth > maxJSONNesting {
		return nil, fmt.Errorf("arrays nested more than %d deep", maxJSONNesting)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(js, &items); err != nil {
		return nil, err
	}
	var out []json.RawMessage
	for _, it := range items {
		if t := strings.TrimSpace(string(it)); strings.HasPrefix(t, "[") {
			inner, err := flattenJSONArray(it, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, inner...)
			continue
		}
		out = append(out, it)
	}
	return out, nil
}

// fstestFS is a read-only tree of files (repository paths).
func fstestFS(files map[string][]byte) fs.FS {
	m := fstest.MapFS{}
	for p, data := range files {
		m[p] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	return m
}

// jsonnetChild is a render child's evaluation of a jsonnet request: its objects, file by file.
func jsonnetChild(ctx context.Context, fsys fs.FS, dir string, j *jsonnetRequest) ([]Object, error) {
	byFile, err := renderJsonnetHere(ctx, fsys, dir, j.Files, j.Settings)
	if err != nil {
		return nil, err
	}
	var objs []Object
	for _, f := range j.Files {
		objs = append(objs, byFile[f]...)
	}
	return objs, nil
}
