package config

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Chart is how a deployment whose folder holds a Helm chart renders it (issue 13): the release
// name and namespace of an install-like render, the values files in order, and files whose
// content becomes a value (helm's --set-file). One chart folder may be several deployments
// (staging, prod) with different settings. Paths are relative to the chart folder (the
// deployment's Path), clean, and stay inside the repository ("values-prod.yaml",
// "../shared/values.yaml"); ChartValuesPath gives them relative to the repository root.
//
// Who sets it: `/rigel add-deployment FOLDER --values … --release … --namespace …
// --set-file key=path`, POST /api/git/sources/deployment, or a cluster admin in the ConfigMap.
// Absent: the chart renders with the deployment's name as release and values.yaml only.
type Chart struct {
	Release   string            `json:"release,omitempty"`   // a DNS label, at most 53 characters (helm's limit); "": the deployment's name
	Namespace string            `json:"namespace,omitempty"` // a DNS label; "": the renderer's default
	Values    []string          `json:"values,omitempty"`    // values files, in order (later ones win)
	SetFiles  map[string]string `json:"setFiles,omitempty"`  // value key (a.b.c) → the file whose content it takes
}

// Bounds of a chart's settings.
const (
	MaxChartValues   = 20 // values files of one deployment
	MaxChartSetFiles = 20 // --set-file entries of one deployment
	MaxReleaseName   = 53 // helm's limit on a release name
	maxChartPathLen  = 512
	maxSetFileKeyLen = 253
)

// InvalidChartError: a deployment's chart settings are not valid; Problems says each, and how
// to fix it.
type InvalidChartError struct {
	Deployment string
	Problems   []string
}

func (e *InvalidChartError) Error() string {
	return fmt.Sprintf("invalid chart settings of deployment %q: %s", e.Deployment, strings.Join(e.Problems, "; "))
}

// ValidateChart checks the chart settings of d (none is valid).
func ValidateChart(d Deployment) error {
	if d.Chart == nil {
		return nil
	}
	if p := d.Chart.Problems(d.Path); len(p) > 0 {
		return &InvalidChartError{Deployment: d.Name, Problems: p}
	}
	return nil
}

// Problems names what is wrong in the chart settings of a deployment of folder, each saying
// what to write instead.
func (c Chart) Problems(folder string) []string {
	var out []string
	if c.Release != "" {
		if msgs := validation.IsDNS1123Label(c.Release); len(msgs) > 0 || len(c.Release) > MaxReleaseName {
			out = append(out, fmt.Sprintf("release %q is not a release name: use lower-case letters, digits and '-', at most %d characters, e.g. web-prod", c.Release, MaxReleaseName))
		}
	}
	if c.Namespace != "" {
		if msgs := validation.IsDNS1123Label(c.Namespace); len(msgs) > 0 {
			out = append(out, fmt.Sprintf("namespace %q is not a namespace name: use lower-case letters, digits and '-', at most 63 characters, e.g. shop", c.Namespace))
		}
	}
	if len(c.Values) > MaxChartValues {
		out = append(out, fmt.Sprintf("%d values files are more than the limit of %d: merge some of them", len(c.Values), MaxChartValues))
	}
	seen := map[string]bool{}
	for _, v := range c.Values {
		if p := chartPathProblem(folder, v, true); p != "" {
			out = append(out, "values file "+p)
			continue
		}
		if seen[v] {
			out = append(out, fmt.Sprintf("values file %q is named twice: name each file once, in the order they apply", v))
		}
		seen[v] = true
	}
	if len(c.SetFiles) > MaxChartSetFiles {
		out = append(out, fmt.Sprintf("%d set-file entries are more than the limit of %d", len(c.SetFiles), MaxChartSetFiles))
	}
	keys := slices.Sorted(maps.Keys(c.SetFiles))
	for _, k := range keys {
		if !validSetFileKey(k) {
			out = append(out, fmt.Sprintf("set-file key %q is not a value key: write the path of the value with '.' between keys, e.g. config.nginx (letters, digits, '_', '-', '.', and [N] for a list item)", k))
			continue
		}
		if p := chartPathProblem(folder, c.SetFiles[k], false); p != "" {
			out = append(out, fmt.Sprintf("set-file %s: file %s", k, p))
		}
	}
	return out
}

// chartPathProblem says what is wrong with a path of chart settings ("" when nothing is).
// values says it is a values file (YAML or JSON).
func chartPathProblem(folder, p string, values bool) string {
	bad := func(why string) string {
		return fmt.Sprintf("%q %s: write it relative to the chart folder %s, e.g. values-prod.yaml", p, why, folder)
	}
	switch {
	case p == "":
		return bad("is empty")
	case len(p) > maxChartPathLen:
		return bad(fmt.Sprintf("is longer than %d characters", maxChartPathLen))
	case strings.HasPrefix(p, "/"):
		return bad("is absolute")
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-/", r)) {
			return bad(fmt.Sprintf("has the character %q (use letters, digits, '.', '_', '-' and '/')", r))
		}
	}
	if path.Clean(p) != p {
		return bad(fmt.Sprintf("is not written plainly (write %s)", path.Clean(p)))
	}
	full := path.Join(folder, p)
	if full == ".." || strings.HasPrefix(full, "../") {
		return bad("leaves the repository")
	}
	if full == "." || p == "." || p == ".." || strings.HasSuffix(p, "/..") {
		return bad("names a folder, not a file")
	}
	if values {
		switch path.Ext(p) {
		case ".yaml", ".yml", ".json":
		default:
			return bad("is not a YAML or JSON file (.yaml, .yml or .json)")
		}
	}
	return ""
}

// validSetFileKey reports whether k is a value key as helm's --set-file takes it, in the
// plain form Rigel accepts: keys of letters, digits, '_' and '-' joined by '.', each
// optionally followed by list indexes [N].
func validSetFileKey(k string) bool {
	if k == "" || len(k) > maxSetFileKeyLen {
		return false
	}
	for _, part := range strings.Split(k, ".") {
		name, idx, _ := strings.Cut(part, "[")
		if name == "" {
			return false
		}
		for _, r := range name {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
				return false
			}
		}
		if idx == "" && !strings.Contains(part, "[") {
			continue
		}
		for rest := "[" + idx; rest != ""; {
			if rest[0] != '[' {
				return false
			}
			end := strings.IndexByte(rest, ']')
			if end < 2 {
				return false
			}
			for _, r := range rest[1:end] {
				if r < '0' || r > '9' {
					return false
				}
			}
			rest = rest[end+1:]
		}
	}
	return true
}

// ChartValuesPath is a path of chart settings (relative to the chart folder) relative to the
// repository root.
func ChartValuesPath(folder, p string) string {
	return path.Join(folder, p)
}

// SameChart reports whether two deployments' chart settings are the same (none is the same as
// empty settings): two deployments of one folder must differ in them.
func SameChart(a, b *Chart) bool {
	var x, y Chart
	if a != nil {
		x = *a
	}
	if b != nil {
		y = *b
	}
	return x.Release == y.Release && x.Namespace == y.Namespace && slices.Equal(x.Values, y.Values) &&
		maps.Equal(x.SetFiles, y.SetFiles)
}
