package sync

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync/atomic"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// renderKustomize builds the kustomization in dir (file kfile) with kustomize, over an
// in-memory copy of the repository so that bases in sibling folders resolve. Everything the
// build can reach is checked first (checkHermetic), and the build runs under ctx.
func renderKustomize(ctx context.Context, fsys fs.FS, dir, kfile string, opts RenderOptions) ([]Object, error) {
	mem, skipped, err := copyRepo(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("failed to render %s: %w", dir, err)
	}
	// helmCharts of kfile render through Rigel's chart path (render_kustomize_helm.go).
	if err := inflateHelmCharts(ctx, fsys, mem, dir, kfile, opts, nil); err != nil {
		return nil, inflateError(ctx, dir, kfile, err)
	}
	if err := checkHermetic(ctx, mem, dir); err != nil {
		var he *HermeticError
		switch {
		case ctx.Err() != nil:
			return nil, stoppedError(ctx, dir)
		case errors.As(err, &he):
			return nil, he // it names the file and the field
		}
		return nil, fmt.Errorf("failed to render %s: %w", dir, err)
	}
	generated, err := placeholdNames(mem) // render_kustomize_names.go: hooks with generateName
	if err != nil {
		return nil, fmt.Errorf("failed to render %s: %w", dir, err)
	}
	guarded := &guardedFS{FileSystem: mem, ctx: ctx}
	rm, err := runKustomize(ctx, guarded, dir)
	switch {
	case ctx.Err() != nil:
		return nil, stoppedError(ctx, dir)
	case err != nil && guarded.bomb != nil:
		return nil, fmt.Errorf("failed to render %s: %w", dir, guarded.bomb)
	case err != nil && len(skipped) > 0:
		return nil, fmt.Errorf("failed to build %s with kustomize (symlinks are not followed and were left out: %s): %w",
			kfile, strings.Join(skipped, ", "), err)
	case err != nil:
		return nil, fmt.Errorf("failed to build %s with kustomize: %w", kfile, err)
	}
	resources := rm.Resources()
	if len(resources) > MaxObjects {
		return nil, fmt.Errorf("failed to render %s: kustomize built %d objects, more than the limit of %d", dir, len(resources), MaxObjects)
	}
	objs := make([]Object, 0, len(resources))
	var total int64
	for i, r := range resources {
		js, err := r.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("failed to encode object %d built from %s: %w", i+1, kfile, err)
		}
		total += int64(len(js))
		if total > maxRenderedBytes {
			return nil, fmt.Errorf("failed to render %s: kustomize built more than %d MiB of objects, the limit for one deployment: split the folder into several deployments", dir, maxRenderedBytes>>20)
		}
		us, err := objectsOf(js, kfile, i+1, 0)
		if err != nil {
			return nil, fmt.Errorf("kustomize built an invalid object: %w", err)
		}
		for _, u := range us {
			objs = append(objs, Object{Obj: u})
		}
	}
	restoreGenerateNames(objs, generated)
	return objs, nil
}

// kustomizeOptions are the options of every build: only kustomize's built-in plugins,
// statically linked (no exec, Go, KRM-function or containerized plugins, no helm), and files
// read only from below the kustomization's folder.
func kustomizeOptions() *krusty.Options {
	o := krusty.MakeDefaultOptions()
	o.LoadRestrictions = types.LoadRestrictionsRootOnly
	o.PluginConfig = types.DisabledPluginConfig()
	o.PluginConfig.HelmConfig.Enabled = false
	o.AddManagedbyLabel = false
	return o
}

// buildSlots bounds the kustomize builds running at once, counting builds Render stopped
// waiting for (see runKustomize), so that hostile folders cannot pile up abandoned builds.
var buildSlots = make(chan struct{}, MaxConcurrentBuilds)

// runningBuilds counts the kustomize builds running, abandoned ones included.
var runningBuilds atomic.Int32

// runKustomize builds dir with kustomize under ctx. kustomize takes no context: the build
// runs in its own goroutine and runKustomize stops waiting when ctx is done. The abandoned
// build stops at its next file system access (guardedFS fails them all once ctx is done); it
// holds its build slot until it has stopped. A panic in kustomize is returned as an error.
func runKustomize(ctx context.Context, fsys filesys.FileSystem, dir string) (resmap.ResMap, error) {
	return inBuildSlot(ctx, "kustomize", func() (resmap.ResMap, error) {
		return krusty.MakeKustomizer(kustomizeOptions()).Run(fsys, "/"+dir)
	})
}

// inBuildSlot runs build (kustomize's or Helm's, which take no context) in its own goroutine
// holding one of the process's build slots, and stops waiting for it when ctx is done; the
// abandoned build keeps its slot until it ends. A panic in build is an error naming tool.
func inBuildSlot[T any](ctx context.Context, tool string, build func() (T, error)) (T, error) {
	var zero T
	select {
	case buildSlots <- struct{}{}:
	case <-ctx.Done():
		return zero, ctx.Err()
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	runningBuilds.Add(1)
	go func() {
		defer func() {
			runningBuilds.Add(-1)
			<-buildSlots
		}()
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fmt.Errorf("%s failed: %v", tool, p)}
			}
		}()
		v, err := build()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
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
