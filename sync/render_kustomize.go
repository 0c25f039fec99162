package sync

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// renderKustomize builds the kustomization in dir (file kfile) with kustomize, over an
// in-memory copy of the repository so that bases in sibling folders resolve.
func renderKustomize(fsys fs.FS, dir, kfile string) ([]Object, error) {
	if err := checkKustomizations(fsys, dir); err != nil {
		return nil, fmt.Errorf("failed to render %s: %w", dir, err)
	}
	mem, skipped, err := copyRepo(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("failed to render %s: %w", dir, err)
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	guarded := &guardedFS{FileSystem: mem}
	rm, err := k.Run(guarded, "/"+dir)
	if err != nil && guarded.bomb != nil {
		return nil, fmt.Errorf("failed to render %s: %w", dir, guarded.bomb)
	}
	if err != nil {
		if len(skipped) > 0 {
			return nil, fmt.Errorf("failed to build %s with kustomize (symlinks are not followed and were left out: %s): %w",
				kfile, strings.Join(skipped, ", "), err)
		}
		return nil, fmt.Errorf("failed to build %s with kustomize: %w", kfile, err)
	}
	resources := rm.Resources()
	if len(resources) > MaxObjects {
		return nil, fmt.Errorf("failed to render %s: kustomize built %d objects, more than the limit of %d", dir, len(resources), MaxObjects)
	}
	objs := make([]Object, 0, len(resources))
	for i, r := range resources {
		js, err := r.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("failed to encode object %d built from %s: %w", i+1, kfile, err)
		}
		us, err := objectsOf(js, kfile, i+1, 0)
		if err != nil {
			return nil, fmt.Errorf("kustomize built an invalid object: %w", err)
		}
		for _, u := range us {
			objs = append(objs, Object{Obj: u})
		}
	}
	return objs, nil
}

// copyRepo copies the repository tree (without .git) into an in-memory file system,
// within MaxKustomizeFiles and MaxKustomizeBytes. Symlinks are left out: inside the
// kustomization folder they are an error, elsewhere they are returned so that a failing
// build can mention them.
func copyRepo(fsys fs.FS, dir string) (filesys.FileSystem, []string, error) {
	mem := filesys.MakeFsInMemory()
	var files int
	var total int64
	var skipped []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("failed to read %s: %w", p, err)
		}
		if d.Name() == ".git" && p != "." {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		t := d.Type()
		switch {
		case t&fs.ModeSymlink != 0:
			if within(p, dir) {
				return symlinkError(p)
			}
			skipped = append(skipped, p)
			return nil
		case t.IsDir():
			if p != "." {
				if err := mem.MkdirAll("/" + p); err != nil {
					return fmt.Errorf("failed to copy %s: %w", p, err)
				}
			}
			return nil
		case !t.IsRegular():
			return nil
		}
		files++
		if files > MaxKustomizeFiles {
			return fmt.Errorf("the repository has more than %d files, the limit for a kustomize build", MaxKustomizeFiles)
		}
		data, err := readBounded(fsys, p, MaxKustomizeBytes-total)
		if err != nil {
			return fmt.Errorf("the repository is larger than %d MiB, the limit for a kustomize build (at %s): %w", MaxKustomizeBytes>>20, p, err)
		}
		total += int64(len(data))
		if err := mem.WriteFile("/"+p, data); err != nil {
			return fmt.Errorf("failed to copy %s: %w", p, err)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(skipped)
	return mem, skipped, nil
}

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	return dir == "." || p == dir || strings.HasPrefix(p, dir+"/")
}

// kustomization fields holding paths of other kustomizations or resources.
var (
	kustomizeRefFields  = []string{"resources", "components", "bases"}
	kustomizePathFields = []string{"crds", "configurations", "generators", "transformers", "validators"}
)

// checkKustomizations reads the kustomization in dir and every local kustomization it refers
// to, and refuses remote references (which kustomize would fetch with git or HTTP) and
// references outside the repository.
func checkKustomizations(fsys fs.FS, dir string) error {
	seen := map[string]bool{}
	queue := []string{dir}
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		if seen[d] {
			continue
		}
		seen[d] = true
		entries, err := fs.ReadDir(fsys, d)
		if err != nil {
			continue // kustomize reports missing folders itself
		}
		name := kustomizationIn(entries)
		if name == "" {
			continue
		}
		file := path.Join(d, name)
		data, err := readBounded(fsys, file, MaxFileBytes)
		if err != nil {
			return err
		}
		var k map[string]interface{}
		if err := yaml.Unmarshal(data, &k); err != nil {
			return &ParseError{File: file, Msg: err.Error()}
		}
		check := func(field, ref string, follow bool) error {
			if ref == "" || strings.Contains(ref, "\n") { // inline patch
				return nil
			}
			local := path.Join(d, ref)
			if isRemoteRef(fsys, ref, local) {
				return fmt.Errorf("%s: remote %s %q are not supported: Rigel builds only from the repository, so copy it into the repository", file, field, ref)
			}
			if path.IsAbs(ref) || local == ".." || strings.HasPrefix(local, "../") {
				return fmt.Errorf("%s: %s %q is outside the repository", file, field, ref)
			}
			if follow {
				queue = append(queue, local)
			}
			return nil
		}
		for _, f := range kustomizeRefFields {
			for _, ref := range stringList(k[f]) {
				if err := check(f, ref, true); err != nil {
					return err
				}
			}
		}
		for _, f := range kustomizePathFields {
			for _, ref := range stringList(k[f]) {
				if err := check(f, ref, true); err != nil {
					return err
				}
			}
		}
		for _, ref := range kustomizeFilePaths(k) {
			if err := check("files", ref, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// kustomizeFilePaths returns the file paths of patches, generators' sources, replacements and
// the OpenAPI schema of a kustomization.
func kustomizeFilePaths(k map[string]interface{}) []string {
	var out []string
	out = append(out, stringList(k["patchesStrategicMerge"])...)
	for _, f := range []string{"patches", "patchesJson6902", "replacements"} {
		for _, it := range list(k[f]) {
			if m, ok := it.(map[string]interface{}); ok {
				if s, ok := m["path"].(string); ok {
					out = append(out, s)
				}
			}
		}
	}
	for _, f := range []string{"configMapGenerator", "secretGenerator"} {
		for _, it := range list(k[f]) {
			m, ok := it.(map[string]interface{})
			if !ok {
				continue
			}
			for _, s := range stringList(m["files"]) {
				if i := strings.Index(s, "="); i >= 0 {
					s = s[i+1:]
				}
				out = append(out, s)
			}
			out = append(out, stringList(m["envs"])...)
			if s, ok := m["env"].(string); ok {
				out = append(out, s)
			}
		}
	}
	if m, ok := k["openapi"].(map[string]interface{}); ok {
		if s, ok := m["path"].(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func list(v interface{}) []interface{} {
	l, _ := v.([]interface{})
	return l
}

func stringList(v interface{}) []string {
	var out []string
	for _, it := range list(v) {
		if s, ok := it.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// isRemoteRef reports whether a kustomization reference is a URL or a git repository
// (github.com/org/repo//path?ref=v1, git@host:org/repo, https://...). local is the reference
// resolved against the kustomization's folder: an existing local path is never remote.
func isRemoteRef(fsys fs.FS, ref, local string) bool {
	switch {
	case strings.Contains(ref, "://"),
		strings.HasPrefix(ref, "git@"),
		strings.HasPrefix(ref, "git::"),
		strings.HasPrefix(ref, "ssh:"):
		return true
	}
	if !strings.HasPrefix(local, "../") && local != ".." {
		if _, err := fs.Stat(fsys, local); err == nil {
			return false
		}
	}
	if strings.Contains(ref, "?ref=") || strings.Contains(ref, "?version=") || strings.Contains(ref, ".git//") {
		return true
	}
	// A first element that looks like a host name: github.com/org/repo, gitlab.example.org/x.
	first, rest, ok := strings.Cut(ref, "/")
	if !ok || rest == "" || strings.HasPrefix(first, ".") || !strings.Contains(first, ".") {
		return false
	}
	for _, r := range first {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == ':') {
			return false
		}
	}
	return true
}
