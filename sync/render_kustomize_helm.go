package sync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"testing/fstest"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// kustomize `helmCharts:` (issue 13): kustomize would run the helm binary; Rigel renders each
// chart of the built kustomization's helmCharts through its own chart path (RenderWith's:
// Helm's SDK, in the child process, with the same bounds) before the build, writes the
// objects to a file of the in-memory copy, and lists that file in resources in place of the
// entry. The chart is the folder chartHome/name (chartHome/name-version/name when repo and
// version are set, as kustomize pulls it there), or, when that is not in the repository,
// fetched from repo at version — only from the allowlist (RenderOptions.Repos) and verified
// against the repository index's digest. helmCharts in a kustomization the build reaches
// through resources or components stay refused (hermetic_fields.go).

// inflatedPrefix starts the names of the files of rendered charts in the in-memory copy.
const inflatedPrefix = ".rigel-helmchart-"

// inflateHelmCharts renders the helmCharts of kfile (in mem, the repository copy) and
// rewrites kfile without them. fsys is the repository. With rec (Inputs), the files of the
// charts and their values files are recorded, and a chart not in the repository is not
// fetched (its objects are left out: only the files of the repository are inputs).
func inflateHelmCharts(ctx context.Context, fsys fs.FS, mem filesys.FileSystem, dir, kfile string, opts RenderOptions, rec *reads) error {
	data, err := mem.ReadFile("/" + kfile)
	if err != nil || len(data) > MaxFileBytes || !bytes.Contains(bytes.ToLower(data), []byte("helmcharts")) {
		return nil // the build or the hermetic check says what is wrong
	}
	if err := checkAliasBomb(kfile, data); err != nil {
		return err
	}
	var k types.Kustomization
	if err := k.Unmarshal(data); err != nil {
		return &ParseError{File: kfile, Msg: err.Error()}
	}
	if len(k.HelmCharts) == 0 {
		return nil
	}
	home := "charts"
	if k.HelmGlobals != nil && k.HelmGlobals.ChartHome != "" {
		home = k.HelmGlobals.ChartHome
	}
	for i, hc := range k.HelmCharts {
		field := fmt.Sprintf("helmCharts[%d] (%s)", i, hc.Name)
		objs, err := inflateChart(ctx, fsys, dir, kfile, field, home, hc, opts, rec)
		if err != nil {
			return err
		}
		var out bytes.Buffer
		for _, o := range objs {
			y, err := yaml.Marshal(o.Obj.Object)
			if err != nil {
				return fmt.Errorf("failed to encode %s rendered from %s %s: %w", RefOf(o.Obj), kfile, field, err)
			}
			out.WriteString("---\n")
			out.Write(y)
		}
		name := fmt.Sprintf("%s%d.yaml", inflatedPrefix, i)
		if err := mem.WriteFile("/"+path.Join(dir, name), out.Bytes()); err != nil {
			return fmt.Errorf("failed to write the objects of %s %s: %w", kfile, field, err)
		}
		k.Resources = append(k.Resources, name)
	}
	k.HelmCharts, k.HelmGlobals = nil, nil
	rewritten, err := yaml.Marshal(&k)
	if err != nil {
		return fmt.Errorf("failed to encode %s: %w", kfile, err)
	}
	return mem.WriteFile("/"+kfile, rewritten)
}

// inflateError is the error of inflateHelmCharts as a render returns it: a *HermeticError,
// *ParseError or *PathError as is (it names the file).
func inflateError(ctx context.Context, dir, kfile string, err error) error {
	return renderFailure(ctx, dir, err, "failed to render the helmCharts of "+kfile)
}

// inflateChart renders one entry of helmCharts.
func inflateChart(ctx context.Context, fsys fs.FS, dir, kfile, field, home string, hc types.HelmChart, opts RenderOptions, rec *reads) ([]Object, error) {
	refuse := func(sub, value, reason string) error {
		return &HermeticError{File: kfile, Field: field + sub, Value: value, Reason: reason}
	}
	switch {
	case hc.Name == "" || strings.ContainsAny(hc.Name, `/\`) || strings.HasPrefix(hc.Name, ".") || strings.HasPrefix(hc.Name, "-"):
		return nil, refuse(" name", hc.Name, "is not a chart name")
	case hc.Version != "" && !chartSegment(hc.Version):
		return nil, refuse(" version", hc.Version, "is not a chart version (one path segment)")
	case hc.ReleaseName == "":
		return nil, refuse(" releaseName", "", "is missing: kustomize would generate a new release name at each render, so the preview would never match: set releaseName")
	case strings.HasPrefix(hc.ReleaseName, "-"):
		return nil, refuse(" releaseName", hc.ReleaseName, "must not start with '-'")
	case hc.NameTemplate != "":
		return nil, refuse(" nameTemplate", hc.NameTemplate, "is not supported by Rigel: set releaseName")
	case hc.ValuesMerge != "" && hc.ValuesMerge != "override" && hc.ValuesMerge != "merge" && hc.ValuesMerge != "replace":
		return nil, refuse(" valuesMerge", hc.ValuesMerge, "is not one of override, merge, replace")
	}
	if path.IsAbs(home) || strings.Contains(home, `\`) {
		return nil, refuse(" (helmGlobals.chartHome)", home, "is an absolute path: give a path relative to the kustomization's folder")
	}
	homeDir := path.Join(dir, home)
	if homeDir == ".." || strings.HasPrefix(homeDir, "../") {
		return nil, refuse(" (helmGlobals.chartHome)", home, "is outside the repository")
	}
	local := path.Join(homeDir, hc.Name)
	if hc.Repo != "" && hc.Version != "" {
		local = path.Join(homeDir, hc.Name+"-"+hc.Version, hc.Name)
	}
	mfs := fstest.MapFS{}
	fetched := !IsChart(fsys, local)
	if !fetched {
		if err := copyTree(fsys, local, mfs, rec); err != nil {
			return nil, fmt.Errorf("failed to render %s %s: %w", kfile, field, err)
		}
	} else {
		switch {
		case hc.Repo == "":
			return nil, refuse(" name", hc.Name, fmt.Sprintf("has no chart in %s and no repo: commit the chart there (helm pull --untar), or give repo and version", local))
		case hc.Version == "":
			return nil, refuse(" version", "", "is missing: Rigel fetches only a pinned version of a chart; set version, or commit the chart under "+homeDir)
		case rec != nil: // Inputs: the render itself fetches, or refuses an unlisted repository
			return nil, recordValues(fsys, dir, hc, rec)
		case !allows(parseAllowOf(opts.Repos), strings.TrimSuffix(hc.Repo, "/")):
			return nil, refuse(" repo", hc.Repo, "is not vendored in "+local+", and Rigel fetches nothing while rendering from a repository not on its allowlist (RIGEL_HELM_REPOSITORIES): commit the chart there (helm pull --untar), or ask Rigel's admin to allow the repository")
		}
		fetch := opts.Repos.fetch
		if strings.HasPrefix(hc.Repo, "oci://") {
			fetch = opts.Repos.fetchOCI // helm_fetch_oci.go
		}
		data, err := fetch(ctx, strings.TrimSuffix(hc.Repo, "/"), hc.Name, hc.Version, func(reason string) error {
			return refuse(" repo", hc.Repo, "(the chart repository) "+reason)
		})
		if err != nil {
			return nil, err
		}
		bound := &chartLoader{ctx: ctx}
		if err := bound.archive(hc.Repo+" "+hc.Name+" "+hc.Version, data); err != nil {
			return nil, err
		}
		files, err := loader.LoadArchiveFiles(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("failed to unpack %s %s fetched from %s: %w", hc.Name, hc.Version, hc.Repo, err)
		}
		if len(files) > MaxChartFiles {
			return nil, fmt.Errorf("failed to render %s %s: the chart has more than %d files", kfile, field, MaxChartFiles)
		}
		for _, f := range files {
			mfs[path.Join(local, f.Name)] = &fstest.MapFile{Data: f.Data, Mode: 0o644}
		}
	}
	set := &ChartSettings{Release: hc.ReleaseName, Namespace: hc.Namespace}
	valuesFile := hc.ValuesFile
	if valuesFile == "" && len(hc.ValuesInline) > 0 {
		valuesFile = path.Join(home, hc.Name, "values.yaml") // as kustomize: the chart's own
		if hc.Repo != "" && hc.Version != "" {
			valuesFile = path.Join(home, hc.Name+"-"+hc.Version, hc.Name, "values.yaml")
		}
	}
	if valuesFile != "" {
		p, err := kustomizeValuesPath(dir, valuesFile)
		if err != nil {
			return nil, refuse(" valuesFile", valuesFile, err.Error())
		}
		vals, err := readValues(fsys, mfs, p, rec)
		if err != nil {
			return nil, err
		}
		if len(hc.ValuesInline) > 0 {
			inline := chartutil.Values(hc.ValuesInline).AsMap()
			switch hc.ValuesMerge {
			case "", "override":
				vals = mergeValues(vals, inline)
			case "merge":
				vals = mergeValues(inline, vals)
			case "replace":
				vals = inline
			}
		}
		y, err := yaml.Marshal(vals)
		if err != nil {
			return nil, fmt.Errorf("failed to encode the values of %s %s: %w", kfile, field, err)
		}
		merged := path.Join(local, inflatedPrefix+"values.yaml")
		mfs[merged] = &fstest.MapFile{Data: y, Mode: 0o644}
		set.Values = append(set.Values, merged)
	}
	for j, v := range hc.AdditionalValuesFiles {
		p, err := kustomizeValuesPath(dir, v)
		if err != nil {
			return nil, refuse(fmt.Sprintf(" additionalValuesFiles[%d]", j), v, err.Error())
		}
		if err := copyFile(fsys, p, mfs, rec); err != nil {
			return nil, refuse(fmt.Sprintf(" additionalValuesFiles[%d]", j), v, err.Error())
		}
		set.Values = append(set.Values, p)
	}
	if rec != nil {
		return nil, nil // Inputs: the chart's files and values files are recorded; no render needed
	}
	objs, err := renderChart(ctx, mfs, local, RenderOptions{Chart: set, Capabilities: entryCapabilities(opts.Capabilities, hc), Repos: opts.Repos}, nil)
	if err != nil {
		return nil, err
	}
	out := objs[:0]
	for _, o := range objs {
		switch {
		case !hc.IncludeCRDs && strings.Contains("/"+o.Source, "/crds/"):
			continue // kustomize leaves a chart's crds/ out unless includeCRDs
		case hc.SkipHooks && o.Obj.GetAnnotations()[helmHookAnnotation] != "":
			continue
		case hc.SkipTests && strings.Contains(o.Obj.GetAnnotations()[helmHookAnnotation], "test"):
			continue
		}
		out = append(out, o)
	}
	return out, nil
}

// entryCapabilities are the cluster's capabilities with an entry's kubeVersion (instead) and
// apiVersions (added), as kustomize passes them to helm template.
func entryCapabilities(caps *Capabilities, hc types.HelmChart) *Capabilities {
	if hc.KubeVersion == "" && len(hc.ApiVersions) == 0 {
		return caps
	}
	c := Capabilities{}
	if caps != nil {
		c.KubeVersion = caps.KubeVersion
		c.APIVersions = append(c.APIVersions, caps.APIVersions...)
	}
	if c.KubeVersion == "" {
		c.KubeVersion = chartutil.DefaultCapabilities.KubeVersion.Version
	}
	if hc.KubeVersion != "" {
		c.KubeVersion = hc.KubeVersion
	}
	if len(hc.ApiVersions) > 0 {
		if len(c.APIVersions) == 0 {
			c.APIVersions = append(c.APIVersions, chartutil.DefaultCapabilities.APIVersions...)
		}
		c.APIVersions = append(c.APIVersions, hc.ApiVersions...)
	}
	return &c
}

// parseAllowOf is the parsed allowlist of r (none when nil).
func parseAllowOf(r *ChartRepos) []allowedRepo {
	if r == nil {
		return nil
	}
	return parseAllow(r.Allow)
}

// kustomizeValuesPath is the repository path of a values file named relative to the
// kustomization's folder dir, refused outside the repository.
func kustomizeValuesPath(dir, p string) (string, error) {
	switch {
	case p == "":
		return "", errors.New("is empty")
	case path.IsAbs(p) || strings.Contains(p, `\`):
		return "", errors.New("is an absolute path: give a path relative to the kustomization's folder")
	case remoteForm(p) != "":
		return "", errors.New(remoteReason(remoteForm(p), "values files"))
	}
	full := path.Join(dir, p)
	if full == ".." || strings.HasPrefix(full, "../") {
		return "", errors.New("is outside the repository: Rigel reads only the repository's own files")
	}
	return full, nil
}

// readValues reads and parses the values file p from mfs (a fetched chart's) or fsys.
func readValues(fsys fs.FS, mfs fstest.MapFS, p string, rec *reads) (map[string]interface{}, error) {
	if _, ok := mfs[p]; !ok {
		if err := copyFile(fsys, p, mfs, rec); err != nil {
			return nil, &PathError{Path: p, Reason: "values file: " + err.Error()}
		}
	}
	data := mfs[p].Data
	if err := checkAliasBomb(p, data); err != nil {
		return nil, err
	}
	vals, err := chartutil.ReadValues(data)
	if err != nil {
		return nil, yamlError(p, yamlDoc{text: data, start: 1}, unwrapYAML(err))
	}
	return vals.AsMap(), nil
}

// copyFile copies the regular file p of fsys into mfs (bounded), recording it in rec (when
// set); a symlink is refused.
func copyFile(fsys fs.FS, p string, mfs fstest.MapFS, rec *reads) error {
	dir, err := cleanFolder(fsys, path.Dir(p))
	if err != nil {
		return err
	}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() != path.Base(p) {
			continue
		}
		if !e.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file (Rigel does not follow symlinks)", p)
		}
		data, err := readBounded(fsys, p, MaxFileBytes)
		if err != nil {
			return err
		}
		mfs[p] = &fstest.MapFile{Data: data, Mode: 0o644}
		if rec != nil {
			rec.add(p)
		}
		return nil
	}
	return fmt.Errorf("%s does not exist in the repository", p)
}

// copyTree copies the folder dir of fsys into mfs (symlinks kept as symlinks, for the chart
// loader to refuse), within MaxChartFiles and MaxChartBytes, recording each file in rec
// (when set).
func copyTree(fsys fs.FS, dir string, mfs fstest.MapFS, rec *reads) error {
	var n int
	var total int64
	return fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		t := d.Type()
		switch {
		case t&fs.ModeSymlink != 0:
			mfs[p] = &fstest.MapFile{Mode: fs.ModeSymlink}
			return nil
		case t.IsDir():
			if d.Name() == ".git" {
				return fs.SkipDir
			}
			return nil
		case !t.IsRegular():
			return nil
		}
		n++
		if n > MaxChartFiles {
			return fmt.Errorf("the chart in %s has more than %d files, the limit for one deployment", dir, MaxChartFiles)
		}
		data, err := readBounded(fsys, p, min(MaxFileBytes, MaxChartBytes-total))
		if err != nil {
			return err
		}
		total += int64(len(data))
		mfs[p] = &fstest.MapFile{Data: data, Mode: 0o644}
		if rec != nil {
			rec.add(p)
		}
		return nil
	})
}

// recordValues records the values files of a chart Inputs does not fetch.
func recordValues(fsys fs.FS, dir string, hc types.HelmChart, rec *reads) error {
	for _, v := range append([]string{hc.ValuesFile}, hc.AdditionalValuesFiles...) {
		if v == "" {
			continue
		}
		p, err := kustomizeValuesPath(dir, v)
		if err != nil {
			continue // the render refuses it
		}
		_ = copyFile(fsys, p, fstest.MapFS{}, rec)
	}
	return nil
}

// forgetInflated removes the files of rendered charts from what a build read.
func (r *reads) forgetInflated() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for p := range r.files {
		if strings.HasPrefix(path.Base(p), inflatedPrefix) {
			delete(r.files, p)
		}
	}
}
