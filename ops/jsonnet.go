package ops

import (
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// Jsonnet folders (issue 17): a deployment's jsonnet settings, as the renderer takes them, and
// the checks of settings given when a folder is registered (register.go).

// jsonnetSettings maps a deployment's jsonnet settings (issue 17) to the renderer's; nil when
// it has none.
func jsonnetSettings(dep config.Deployment) *sync.JsonnetSettings {
	j := dep.Jsonnet
	if j == nil {
		return nil
	}
	return &sync.JsonnetSettings{TLAs: maps.Clone(j.TLAs), ExtVars: maps.Clone(j.ExtVars), Libs: slices.Clone(j.Libs)}
}

// cleanJsonnet returns the jsonnet settings given by a person with their lib folders in plain
// form ("./vendor/lib/" is vendor/lib), nil when nothing is set. A lib folder that is not a plain
// relative path, or names "..", is kept as typed, for the settings' check to refuse.
func cleanJsonnet(j *config.Jsonnet) *config.Jsonnet {
	if j.Empty() {
		return nil
	}
	out := &config.Jsonnet{}
	if len(j.TLAs) > 0 {
		out.TLAs = maps.Clone(j.TLAs)
	}
	if len(j.ExtVars) > 0 {
		out.ExtVars = maps.Clone(j.ExtVars)
	}
	for _, l := range j.Libs {
		if l != "" && !strings.HasPrefix(l, "/") && !strings.Contains(l, `\`) && !slices.Contains(strings.Split(l, "/"), "..") {
			l = path.Clean(l)
		}
		out.Libs = append(out.Libs, l)
	}
	return out
}

// jsonnetProblems says why jsonnet settings j cannot apply to folder of fsys (none when they
// can, or j is nil): the folder's render reads no *.jsonnet file (it is a Helm chart, a
// kustomization, or holds none), or a lib folder is not a folder of the repository.
func jsonnetProblems(fsys fs.FS, folder string, j *config.Jsonnet) []string {
	if j == nil {
		return nil
	}
	var out []string
	switch {
	case isChart(fsys, folder):
		out = append(out, fmt.Sprintf("%s holds a Helm chart (%s), which renders no *.jsonnet file: give its chart settings (--values, --release, --namespace, --set-file) instead", folder, ChartFile))
	case kustomized(fsys, folder) != "":
		out = append(out, fmt.Sprintf("%s holds a kustomization (%s), built by kustomize, which renders no *.jsonnet file: register it without --tla, --ext-var and --jsonnet-lib", folder, kustomized(fsys, folder)))
	case !holdsJsonnet(fsys, folder):
		out = append(out, fmt.Sprintf("%s holds no *.jsonnet file, so its settings would change nothing: register it without --tla, --ext-var and --jsonnet-lib, or give the folder that holds the *.jsonnet files", folder))
	}
	for _, l := range j.Libs {
		if st, err := fs.Stat(fsys, l); err != nil || !st.IsDir() {
			out = append(out, fmt.Sprintf("lib folder %q is not a folder of the repository: give a folder relative to the repository root that holds the *.libsonnet files the *.jsonnet files import, e.g. vendor/lib", l))
		}
	}
	return out
}

// kustomized is the kustomization file folder holds ("" when none).
func kustomized(fsys fs.FS, folder string) string {
	for _, k := range sync.KustomizationNames() {
		if isRegularFile(fsys, path.Join(folder, k)) {
			return k
		}
	}
	return ""
}

// holdsJsonnet reports whether a *.jsonnet file is in folder or below it (hidden files and
// folders aside, as the render skips them).
func holdsJsonnet(fsys fs.FS, folder string) bool {
	found := false
	_ = fs.WalkDir(fsys, folder, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil || found:
			return fs.SkipAll
		case p != folder && strings.HasPrefix(d.Name(), "."):
			if d.IsDir() {
				return fs.SkipDir
			}
		case d.Type().IsRegular() && path.Ext(d.Name()) == sync.JsonnetExt:
			found = true
			return fs.SkipAll
		}
		return nil
	})
	return found
}
