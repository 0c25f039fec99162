package sync

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// ChartFolder is a Helm chart of a repository tree, as the folder browser offers it.
type ChartFolder struct {
	Path   string   // repository-relative folder holding Chart.yaml
	Name   string   // the chart's name in Chart.yaml ("" when it cannot be read)
	Values []string // its values files, relative to Path: values.yaml first, then the others sorted
}

// ChartFolders returns the Helm charts among ManifestFolders, sorted by path, each with the
// values files it holds directly: YAML files whose name contains "values" (values.yaml,
// values-prod.yaml, prod.values.yml…), which a deployment of the chart can name
// (ChartSettings.Values).
func ChartFolders(fsys fs.FS) ([]ChartFolder, error) {
	folders, err := ManifestFolders(fsys)
	if err != nil {
		return nil, err
	}
	var out []ChartFolder
	for _, dir := range folders {
		entries, err := fs.ReadDir(fsys, dir)
		if err != nil {
			return nil, fmt.Errorf("failed to list chart folders: %w", err)
		}
		if !chartIn(entries) {
			continue
		}
		cf := ChartFolder{Path: dir, Name: chartName(fsys, path.Join(dir, ChartFile))}
		for _, e := range entries {
			n := e.Name()
			if e.Type().IsRegular() && isYAMLName(n) && strings.Contains(strings.ToLower(n), "values") && !isHidden(n) {
				cf.Values = append(cf.Values, n)
			}
		}
		sort.Slice(cf.Values, func(i, j int) bool {
			a, b := cf.Values[i], cf.Values[j]
			if (a == "values.yaml") != (b == "values.yaml") {
				return a == "values.yaml"
			}
			return a < b
		})
		out = append(out, cf)
	}
	return out, nil
}

// chartName reads the name of a Chart.yaml ("" when it cannot be read).
func chartName(fsys fs.FS, p string) string {
	data, err := readBounded(fsys, p, MaxFileBytes)
	if err != nil {
		return ""
	}
	var meta struct {
		Name string `json:"name"`
	}
	if yaml.Unmarshal(data, &meta) != nil {
		return ""
	}
	return meta.Name
}
