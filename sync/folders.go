package sync

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
)

// ManifestFolders returns the folders of a repository tree that hold deployments, sorted:
// every folder with a kustomization file, and every folder that directly holds a YAML or JSON
// file with a top-level apiVersion and kind or a *.jsonnet file, unless a folder above it is already listed
// (plain rendering is recursive; a kustomization uses only what it names). A folder with its
// own kustomization is always listed, and so is a Helm chart (a folder with a Chart.yaml),
// whose subfolders are not (its templates and charts/ are the chart's; ChartFolders lists
// its values files). Hidden folders (.git, .github, ...) and symlinks are skipped.
func ManifestFolders(fsys fs.FS) ([]string, error) {
	var out []string
	var walk func(dir string, covered bool) error
	walk = func(dir string, covered bool) error {
		entries, err := fs.ReadDir(fsys, dir)
		if err != nil {
			return fmt.Errorf("failed to list manifest folders: %w", err)
		}
		if chartIn(entries) {
			out = append(out, dir)
			return nil
		}
		switch {
		case kustomizationIn(entries) != "":
			out = append(out, dir)
			covered = true
		case !covered:
			ok, err := holdsManifest(fsys, dir, entries)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, dir)
				covered = true
			}
		}
		for _, e := range entries {
			if e.IsDir() && e.Type()&fs.ModeSymlink == 0 && !isHidden(e.Name()) {
				if err := walk(path.Join(dir, e.Name()), covered); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(".", false); err != nil {
		return nil, err
	}
	sort.Strings(out)
	return out, nil
}

var (
	topAPIVersionRE = regexp.MustCompile(`(?m)^apiVersion:[ \t]*\S`)
	topKindRE       = regexp.MustCompile(`(?m)^kind:[ \t]*\S`)
)

// holdsManifest reports whether a folder directly holds a YAML or JSON file with a
// top-level apiVersion and kind, or a *.jsonnet file.
func holdsManifest(fsys fs.FS, dir string, entries []fs.DirEntry) (bool, error) {
	for _, e := range entries {
		if e.Type().IsRegular() && isJsonnetName(e.Name()) && !isHidden(e.Name()) {
			return true, nil // a jsonnet file renders (render_jsonnet.go)
		}
		if !e.Type().IsRegular() || !isManifestName(e.Name()) || isHidden(e.Name()) {
			continue
		}
		if info, err := e.Info(); err != nil || info.Size() > MaxFileBytes {
			continue
		}
		p := path.Join(dir, e.Name())
		data, err := readBounded(fsys, p, MaxFileBytes)
		if err != nil {
			return false, fmt.Errorf("failed to list manifest folders: %w", err)
		}
		if looksLikeManifest(p, data) {
			return true, nil
		}
	}
	return false, nil
}

// looksLikeManifest reports whether a file seems to hold a Kubernetes object.
func looksLikeManifest(name string, data []byte) bool {
	if path.Ext(name) == ".json" {
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		return dec.Decode(&head) == nil && head.APIVersion != "" && head.Kind != ""
	}
	return topAPIVersionRE.Match(data) && topKindRE.Match(data)
}
