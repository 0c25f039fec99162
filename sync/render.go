package sync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Bounds on what Render reads.
const (
	MaxFileBytes      = 5 << 20  // one manifest file
	MaxObjects        = 10000    // objects in one folder
	MaxKustomizeBytes = 20 << 20 // repository bytes copied for a kustomize build
	MaxKustomizeFiles = 20000    // repository files copied for a kustomize build
	MaxRenderedBytes  = 64 << 20 // manifest bytes read (plain folder) or built (kustomize, as JSON) for one folder

	// MaxRenderTime bounds one Render; a shorter deadline of its context wins.
	MaxRenderTime = 30 * time.Second
	// MaxConcurrentBuilds bounds the kustomize builds running at once in the process,
	// counting builds a Render stopped waiting for that have not stopped yet.
	MaxConcurrentBuilds = 4
)

// maxRenderedBytes is MaxRenderedBytes, lowered by tests.
var maxRenderedBytes int64 = MaxRenderedBytes

// kustomizationNames are the file names kustomize looks for, in its order.
var kustomizationNames = [...]string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// KustomizationNames returns the file names kustomize looks for in a folder, in its order: the
// one list of them in Rigel (rendering, hermetic checks, fixes). Each call returns a new slice.
func KustomizationNames() []string {
	return append([]string(nil), kustomizationNames[:]...)
}

// Render returns the objects of a deployment folder of a repository tree. fsys is the tree
// at one commit (slash-separated paths relative to the repository root) and folder is
// repository-relative. A folder holding a kustomization is built with kustomize; otherwise
// every *.yaml, *.yml and *.json file under it (recursively, skipping hidden folders and
// subfolders that hold their own kustomization or Helm chart) is read. A folder holding a
// Chart.yaml is rendered as a Helm chart (RenderWith, render_helm.go).
//
// Rendering is hermetic: a kustomize build never opens a network connection and never reads
// outside the repository (hermetic.go lists what is refused, with a *HermeticError naming
// the file and the field), and runs no plugin but kustomize's built-in ones. It runs under
// ctx and at most MaxRenderTime, within MaxFileBytes, MaxKustomizeBytes, MaxKustomizeFiles,
// MaxObjects and MaxRenderedBytes; a render cut short returns an error wrapping ctx.Err().
func Render(ctx context.Context, fsys fs.FS, folder string) ([]Object, error) {
	return RenderWith(ctx, fsys, folder, RenderOptions{})
}

// stoppedError is the error of a render cut short by ctx (its deadline, MaxRenderTime or the
// caller's, or a cancellation).
func stoppedError(ctx context.Context, dir string) error {
	err := ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("failed to render %s: the build did not finish in time and was stopped (one render may take at most %v): simplify the kustomization or split the folder into several deployments: %w", dir, MaxRenderTime, err)
	}
	return fmt.Errorf("failed to render %s: stopped before it finished: %w", dir, err)
}

// openFolder validates a deployment folder (cleanFolder) and reads its entries.
func openFolder(fsys fs.FS, folder string) (string, []fs.DirEntry, error) {
	dir, err := cleanFolder(fsys, folder)
	if err != nil {
		return "", nil, err
	}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return "", nil, fmt.Errorf("failed to render %s: %w", dir, err)
	}
	return dir, entries, nil
}

// cleanFolder validates a repository-relative folder and returns its clean form ("." for the
// root). Every element of the path must be a real directory, not a symlink.
func cleanFolder(fsys fs.FS, folder string) (string, error) {
	switch {
	case strings.Contains(folder, `\`):
		return "", &PathError{Path: folder, Reason: "use forward slashes (/) to separate folders"}
	case path.IsAbs(folder):
		return "", &PathError{Path: folder, Reason: "it is absolute: give a folder relative to the repository root, like apps/web/k8s"}
	}
	if folder == "" {
		folder = "."
	}
	dir := path.Clean(folder)
	if dir == ".." || strings.HasPrefix(dir, "../") {
		return "", &PathError{Path: folder, Reason: "it leads outside the repository"}
	}
	if dir == "." {
		return dir, nil
	}
	parent := "."
	for _, elem := range strings.Split(dir, "/") {
		entries, err := fs.ReadDir(fsys, parent)
		if err != nil {
			return "", fmt.Errorf("failed to read %s: %w", parent, err)
		}
		i := sort.Search(len(entries), func(i int) bool { return entries[i].Name() >= elem })
		cur := path.Join(parent, elem)
		if i == len(entries) || entries[i].Name() != elem {
			return "", &PathError{Path: folder, Reason: fmt.Sprintf("%s does not exist in the repository", cur)}
		}
		switch t := entries[i].Type(); {
		case t&fs.ModeSymlink != 0:
			return "", &PathError{Path: folder, Reason: fmt.Sprintf("%s is a symlink, and Rigel does not follow symlinks", cur)}
		case !t.IsDir():
			return "", &PathError{Path: folder, Reason: fmt.Sprintf("%s is a file, not a folder", cur)}
		}
		parent = cur
	}
	return dir, nil
}

// kustomizationIn returns the name of the kustomization file among a folder's entries, or "".
func kustomizationIn(entries []fs.DirEntry) string {
	for _, name := range kustomizationNames {
		for _, e := range entries {
			if e.Name() == name && !e.IsDir() {
				return name
			}
		}
	}
	return ""
}

// isManifestName reports whether a file name is read by plain rendering.
func isManifestName(name string) bool {
	switch path.Ext(name) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

func isHidden(name string) bool { return strings.HasPrefix(name, ".") }

// symlinkError is returned for a symlink plain rendering or a kustomize build would need.
func symlinkError(p string) error {
	return &PathError{Path: p, Reason: "it is a symlink, and Rigel does not follow symlinks: commit the file itself"}
}

// renderPlain reads every manifest file under dir, and renders its jsonnet files
// (render_jsonnet.go) with set.
func renderPlain(ctx context.Context, fsys fs.FS, dir string, set *JsonnetSettings) ([]Object, error) {
	var files, jsonnetFiles []string
	var walk func(d string) error
	walk = func(d string) error {
		entries, err := fs.ReadDir(fsys, d)
		if err != nil {
			return fmt.Errorf("failed to read folder %s: %w", d, err)
		}
		if d != dir && (kustomizationIn(entries) != "" || chartIn(entries)) {
			return nil // its own deployment
		}
		for _, e := range entries {
			p := path.Join(d, e.Name())
			if isHidden(e.Name()) {
				continue
			}
			t := e.Type()
			switch {
			case t&fs.ModeSymlink != 0:
				if isManifestName(e.Name()) || isJsonnetName(e.Name()) || !strings.Contains(e.Name(), ".") {
					return symlinkError(p)
				}
			case t.IsDir():
				if err := walk(p); err != nil {
					return err
				}
			case t.IsRegular() && isManifestName(e.Name()):
				files = append(files, p)
			case t.IsRegular() && isJsonnetName(e.Name()):
				files = append(files, p)
				jsonnetFiles = append(jsonnetFiles, p)
			}
		}
		return nil
	}
	if err := walk(dir); err != nil {
		return nil, fmt.Errorf("failed to render %s: %w", dir, err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, emptyFolder(fsys, dir)
	}
	var rendered map[string][]Object
	if len(jsonnetFiles) > 0 {
		sort.Strings(jsonnetFiles)
		var err error
		if rendered, err = renderJsonnet(ctx, fsys, dir, jsonnetFiles, set); err != nil {
			return nil, err
		}
	}
	var objs []Object
	var total int64
	for _, f := range files {
		if ctx.Err() != nil {
			return nil, stoppedError(ctx, dir)
		}
		if isJsonnetName(f) {
			if objs = append(objs, rendered[f]...); len(objs) > MaxObjects {
				return nil, fmt.Errorf("failed to render %s: %w", dir, tooManyObjects(dir))
			}
			continue
		}
		data, err := readBounded(fsys, f, MaxFileBytes)
		if err != nil {
			return nil, fmt.Errorf("failed to render %s: %w", dir, err)
		}
		if total += int64(len(data)); total > maxRenderedBytes {
			return nil, fmt.Errorf("failed to render %s: its manifests are more than %d MiB, the limit for one deployment: split the folder into several deployments", dir, maxRenderedBytes>>20)
		}
		if err := checkDocCount(f, data, MaxObjects-len(objs)); err != nil {
			return nil, fmt.Errorf("failed to render %s: %w", dir, err)
		}
		us, err := parseManifest(f, data)
		if err != nil {
			return nil, fmt.Errorf("failed to render %s: %w", dir, err)
		}
		for _, u := range us {
			objs = append(objs, Object{Obj: u, Source: f})
		}
		if len(objs) > MaxObjects {
			return nil, fmt.Errorf("failed to render %s: %w", dir, tooManyObjects(dir))
		}
	}
	if len(objs) == 0 {
		return nil, emptyFolder(fsys, dir)
	}
	return objs, nil
}

// readBounded reads a file, refusing files larger than limit bytes.
func readBounded(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("failed to open %s: %w", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("failed to stat %s: %w", name, err)
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s is %d bytes, more than the limit of %d", name, st.Size(), limit)
	}
	buf, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", name, err)
	}
	if int64(len(buf)) > limit {
		return nil, fmt.Errorf("%s is more than the limit of %d bytes", name, limit)
	}
	return buf, nil
}

// objKey identifies an object for duplicate detection.
type objKey struct{ group, kind, namespace, name string }

func keyOf(u *unstructured.Unstructured) objKey {
	gvk := u.GroupVersionKind()
	return objKey{gvk.Group, gvk.Kind, u.GetNamespace(), u.GetName()}
}

// checkDuplicates refuses two objects with the same group, kind, namespace and name.
func checkDuplicates(objs []Object) error {
	seen := make(map[objKey]string, len(objs))
	for _, o := range objs {
		if o.Obj.GetName() == "" { // a hook with a generateName: named on creation (hooks.go)
			continue
		}
		k := keyOf(o.Obj)
		src := o.Source
		if src == "" {
			src = "the kustomize build"
		}
		if prev, ok := seen[k]; ok {
			ref := RefOf(o.Obj)
			if prev == src {
				return fmt.Errorf("%s is defined twice in %s", ref, src)
			}
			return fmt.Errorf("%s is defined twice: in %s and in %s", ref, prev, src)
		}
		seen[k] = src
	}
	return nil
}
