package sync

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/provenance"

	"encoding/json"
)

// remote loads dependency i of ch (the chart in dir), neither vendored nor file://: nil when
// recording Inputs without an allowlist (nothing fetched, nothing refused); else fetched
// (helm_fetch.go) when its repository is on the allowlist (RenderOptions.Repos) at the
// version Chart.lock pins, else refused with a *HermeticError saying why. The archive joins
// the files the loader keeps as charts/<name>-<version>.tgz, so that the render child sees
// it vendored and fetches nothing.
func (l *chartLoader) remote(dir string, ch *chart.Chart, i int, dep *chart.Dependency) (*chart.Chart, error) {
	file := path.Join(dir, ChartFile)
	field := fmt.Sprintf("dependencies[%d] (%s) repository", i, dep.Name)
	refuse := func(f, reason string) error {
		return &HermeticError{File: f, Field: field, Value: dep.Repository, Reason: reason}
	}
	if l.inputs && l.repos == nil && strings.Contains(dep.Repository, "://") {
		return nil, nil // Inputs: Chart.yaml and Chart.lock are the inputs; the render fetches or refuses
	}
	var allow []allowedRepo
	if l.repos != nil {
		allow = parseAllow(l.repos.Allow)
	}
	repoURL := strings.TrimSuffix(dep.Repository, "/")
	switch {
	case dep.Repository == "":
		return nil, refuse(file, "is empty, and the chart is not vendored in charts/: run `helm dependency build` and commit the charts/ folder")
	case strings.HasPrefix(dep.Repository, "@") || strings.HasPrefix(dep.Repository, "alias:") || !strings.Contains(dep.Repository, "://"):
		return nil, refuse(file, "names a repository by a local name, which Rigel has not: give the repository's URL, or vendor the chart in charts/ (`helm dependency build`, and commit the charts/ folder)")
	case !chartSegment(dep.Name):
		return nil, &HermeticError{File: file, Field: fmt.Sprintf("dependencies[%d] name", i), Value: dep.Name, Reason: "is not a chart name (one path segment)"}
	case !allows(allow, repoURL):
		return nil, refuse(file, "is not vendored in charts/, and Rigel fetches nothing while rendering from a repository not on its allowlist (RIGEL_HELM_REPOSITORIES): run `helm dependency build` and commit the charts/ folder, or ask Rigel's admin to allow the repository")
	}
	version, err := l.locked(dir, ch, dep, refuse)
	if err != nil {
		return nil, err
	}
	lockFile := path.Join(dir, "Chart.lock")
	fetch := l.repos.fetch
	if strings.HasPrefix(repoURL, "oci://") {
		fetch = l.repos.fetchOCI // helm_fetch_oci.go
	}
	data, err := fetch(l.ctx, repoURL, dep.Name, version, func(reason string) error {
		return refuse(lockFile, "(the chart repository) "+reason)
	})
	if err != nil {
		return nil, err
	}
	p := path.Join(dir, "charts", fmt.Sprintf("%s-%s.tgz", dep.Name, version))
	l.files++
	if l.files > MaxChartFiles {
		return nil, fmt.Errorf("the chart, its subcharts and values have more than %d files, the limit for one deployment", MaxChartFiles)
	}
	if err := l.archive(p, data); err != nil {
		return nil, err
	}
	sc, err := loader.LoadArchive(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("failed to load %s %s fetched from %s: %w", dep.Name, version, repoURL, err)
	}
	if sc.Name() != dep.Name || sc.Metadata.Version != version {
		return nil, refuse(lockFile, fmt.Sprintf("served chart %s %s for %s %s", sc.Name(), sc.Metadata.Version, dep.Name, version))
	}
	if l.keep != nil {
		l.keep[p] = data
	}
	return sc, nil
}

// locked returns the version Chart.lock pins dep at, refusing a chart without Chart.lock, or
// one whose Chart.lock is out of sync with Chart.yaml (as `helm dependency build` does).
func (l *chartLoader) locked(dir string, ch *chart.Chart, dep *chart.Dependency, refuse func(file, reason string) error) (string, error) {
	lockFile := path.Join(dir, "Chart.lock")
	if ch.Lock == nil {
		return "", refuse(path.Join(dir, ChartFile), "is not pinned: the chart has no Chart.lock, and Rigel fetches only the versions and digests a Chart.lock pins: run `helm dependency update` and commit Chart.lock")
	}
	sum, err := lockDigest(ch.Metadata.Dependencies, ch.Lock.Dependencies)
	if err != nil {
		return "", fmt.Errorf("failed to check %s: %w", lockFile, err)
	}
	if sum != ch.Lock.Digest {
		return "", refuse(lockFile, "is out of sync with Chart.yaml (its digest is not that of Chart.yaml's dependencies): run `helm dependency update` and commit Chart.lock")
	}
	for _, d := range ch.Lock.Dependencies {
		if d != nil && d.Name == dep.Name && strings.TrimSuffix(d.Repository, "/") == strings.TrimSuffix(dep.Repository, "/") {
			if d.Version == "" || strings.ContainsAny(d.Version, " <>=^~*|,") {
				return "", refuse(lockFile, fmt.Sprintf("pins %s at %q, which is not one version: run `helm dependency update` and commit Chart.lock", dep.Name, d.Version))
			}
			return d.Version, nil
		}
	}
	return "", refuse(lockFile, fmt.Sprintf("does not pin %s: run `helm dependency update` and commit Chart.lock", dep.Name))
}

// lockDigest is Chart.lock's digest of Chart.yaml's dependencies and the locked ones (Helm's
// internal resolver.HashReq).
func lockDigest(req, lock []*chart.Dependency) (string, error) {
	data, err := json.Marshal([2][]*chart.Dependency{req, lock})
	if err != nil {
		return "", err
	}
	s, err := provenance.Digest(bytes.NewBuffer(data))
	return "sha256:" + s, err
}
