package commands

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
)

// Helm charts as deployments (issue 13): the chart flags of `/rigel add-deployment`, and
// how the registry's replies show charts and their settings. The service checks the settings
// (ops.Register: config.Chart.Problems, ops/chart.go).

// chartFlags are the flags of add-deployment that set a chart's settings.
var chartFlags = []string{"values", "release", "namespace", "set-file"}

// chartSettings reads the chart flags of add-deployment: `--values a.yaml,b.yaml --release R
// --namespace NS --set-file key=path,key2=path2`; nil when none is given.
func (c *call) chartSettings() (*config.Chart, error) {
	given := false
	for _, f := range chartFlags {
		if _, ok := c.cmd.Flag(f); ok {
			given = true
		}
		if n := flagCount(c.cmd.Line, f); n > 1 {
			return nil, userErrorf("%s is given %d times: give it once, with its items separated by commas, e.g. `--values values.yaml,values-prod.yaml`. Nothing was registered.", code("--"+f), n)
		}
	}
	if !given {
		return nil, nil
	}
	ch := &config.Chart{}
	ch.Release, _ = c.cmd.Flag("release")
	ch.Namespace, _ = c.cmd.Flag("namespace")
	if v, ok := c.cmd.Flag("values"); ok {
		ch.Values = commaList(v)
		if len(ch.Values) == 0 {
			return nil, userErrorf("`--values` needs at least one values file, relative to the chart folder, e.g. `--values values-prod.yaml`. Nothing was registered.")
		}
	}
	if v, ok := c.cmd.Flag("set-file"); ok {
		items := commaList(v)
		if len(items) == 0 {
			return nil, userErrorf("`--set-file` needs KEY=PATH, e.g. `--set-file config.nginx=files/nginx.conf`. Nothing was registered.")
		}
		ch.SetFiles = map[string]string{}
		for _, it := range items {
			k, p, ok := strings.Cut(it, "=")
			if !ok || k == "" || p == "" {
				return nil, userErrorf("%s is not KEY=PATH: write the value's key, `=`, and the file relative to the chart folder, e.g. `--set-file config.nginx=files/nginx.conf`. Nothing was registered.", code(short(it)))
			}
			if _, dup := ch.SetFiles[k]; dup {
				return nil, userErrorf("`--set-file` names the key %s twice: give each key once. Nothing was registered.", code(short(k)))
			}
			ch.SetFiles[k] = p
		}
	}
	return ch, nil
}

// commaList splits a comma-separated flag value, dropping empty items.
func commaList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// flagCount is how many times the flag --name is given on a command line (the parsed command
// keeps the last only).
func flagCount(line, name string) int {
	ws, err := splitWords(line)
	if err != nil {
		return 0
	}
	n := 0
	for _, w := range ws {
		f, _, _ := strings.Cut(strings.TrimPrefix(w, "--"), "=")
		if strings.HasPrefix(w, "--") && strings.EqualFold(f, name) {
			n++
		}
		if name == "namespace" && (w == "-n" || strings.HasPrefix(w, "-n=")) {
			n++
		}
	}
	return n
}

// chartLine is a deployment's chart settings in words: "release `web`, namespace `prod`,
// values `values.yaml`, `values-prod.yaml`, set-file `a`=`f`" ("" when it has none).
func chartLine(ch *config.Chart) string {
	if ch == nil {
		return ""
	}
	var parts []string
	if ch.Release != "" {
		parts = append(parts, "release "+code(ch.Release))
	}
	if ch.Namespace != "" {
		parts = append(parts, "namespace "+code(ch.Namespace))
	}
	if len(ch.Values) > 0 {
		order := ""
		if len(ch.Values) > 1 {
			order = " (in this order)"
		}
		parts = append(parts, "values "+codeList(ch.Values)+order)
	}
	keys := make([]string, 0, len(ch.SetFiles))
	for k := range ch.SetFiles {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		parts = append(parts, "set-file "+code(k+"="+ch.SetFiles[k]))
	}
	return strings.Join(parts, ", ")
}

// chartNote is the list's paragraph on its deployments' chart settings ("" when none has any).
func chartNote(deps []config.Deployment) string {
	return settingsNote(deps, "Helm chart settings (values and set-file paths relative to the chart folder):",
		func(d config.Deployment) string { return chartLine(d.Chart) })
}

// addedChart is the registration reply's sentence on how the chart renders ("" for a folder
// that is no chart).
func addedChart(added *ops.Added) string {
	if !added.Chart {
		return ""
	}
	d := added.Deployment
	release := d.Name
	if d.Chart != nil && d.Chart.Release != "" {
		release = d.Chart.Release
	}
	s := fmt.Sprintf(" It is a Helm chart, rendered as an install of release %s", code(release))
	if d.Chart != nil && d.Chart.Namespace != "" {
		s += " in namespace " + code(d.Chart.Namespace)
	}
	if d.Chart != nil && len(d.Chart.Values) > 0 {
		s += " with the chart's `values.yaml`, then " + codeList(d.Chart.Values)
	} else {
		s += " with the chart's `values.yaml`"
	}
	if d.Chart != nil && len(d.Chart.SetFiles) > 0 {
		keys := make([]string, 0, len(d.Chart.SetFiles))
		for k := range d.Chart.SetFiles {
			keys = append(keys, k+"="+d.Chart.SetFiles[k])
		}
		slices.Sort(keys)
		s += ", and set-file " + codeList(keys)
	}
	return s + "; `lookup` finds nothing, as in `helm template`."
}

// chartsNote is the folder list's paragraph on its Helm charts: each with its values files and
// the command to register one more deployment of it per values file ("" when none).
func chartsNote(charts map[string]ops.ChartFolder) string {
	if len(charts) == 0 {
		return ""
	}
	folders := make([]string, 0, len(charts))
	for f := range charts {
		folders = append(folders, f)
	}
	slices.Sort(folders)
	var b strings.Builder
	b.WriteString("\nHelm charts (one chart may be several deployments, e.g. one per values file):\n")
	for _, f := range folders {
		ch := charts[f]
		vals := "no values files"
		if len(ch.Values) > 0 {
			vals = "values files " + codeList(ch.Values)
		}
		fmt.Fprintf(&b, "\n- %s: %s", code(f), vals)
		if len(ch.Deployments) > 0 {
			fmt.Fprintf(&b, "; registered as %s", codeList(ch.Deployments))
		}
		for _, v := range ch.Values {
			if name := envName(f, v); v != "values.yaml" && !slices.Contains(ch.Deployments, name) {
				fmt.Fprintf(&b, "; %s", code(fmt.Sprintf("/rigel add-deployment %s --name %s --values %s", f, name, v)))
			}
		}
	}
	return b.String() + "\n"
}

// envName is a deployment name for chart folder f with the values file v: the folder's name and
// what v's name says besides "values" (charts/web, values-prod.yaml: web-prod).
func envName(f, v string) string {
	env := config.SanitizeName(strings.ReplaceAll(strings.ToLower(strings.TrimSuffix(v, path.Ext(v))), "values", ""))
	base := sync.DeploymentName(f)
	if base == "" {
		base = "chart"
	}
	if env == "deployment" { // nothing but "values"
		env = "2"
	}
	return config.SanitizeName(base + "-" + env)
}
