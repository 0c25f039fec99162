package ops

import (
	"context"
	"io/fs"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// chartFiles are testFiles with a Helm chart: charts/web, its values per environment, a file
// for set-file, a subchart, a values schema, and a chart in a hidden folder.
var chartFiles = func() map[string]string {
	files := maps.Clone(testFiles)
	for name, body := range map[string]string{
		"charts/web/Chart.yaml":                 "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"charts/web/values.yaml":                "replicaCount: 1\n",
		"charts/web/values-prod.yaml":           "replicaCount: 3\n",
		"charts/web/values.staging.yml":         "replicaCount: 2\n",
		"charts/web/values.schema.json":         "{}\n",
		"charts/web/templates/cm.yaml":          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: '{{ .Release.Name }}'}\n",
		"charts/web/files/app.conf":             "x = 1\n",
		"charts/web/dir.yaml/keep":              "",
		"charts/web/charts/db/Chart.yaml":       "apiVersion: v2\nname: db\nversion: 0.1.0\n",
		"charts/web/charts/db/values-prod.yaml": "x: 1\n",
		"shared/common.yaml":                    "team: shop\n",
		".hidden/chart/Chart.yaml":              "apiVersion: v2\nname: hidden\nversion: 0.1.0\n",
	} {
		files[name] = body
	}
	return files
}()

// renders records the options of each render, rendering one ConfigMap named for the release
// (as the chart's template would) or, for a folder rendered without a chart, as sync.Render.
type renders struct{ got []sync.RenderOptions }

func (r *renders) install(t *testing.T) {
	t.Helper()
	old := renderWith
	renderWith = func(ctx context.Context, fsys fs.FS, folder string, opts sync.RenderOptions) ([]sync.Object, error) {
		r.got = append(r.got, opts)
		if opts.Chart == nil {
			return sync.Render(ctx, fsys, folder)
		}
		return sync.Render(ctx, fsys, "apps/web") // one ConfigMap; what a chart renders is part A's
	}
	t.Cleanup(func() { renderWith = old })
}

// TestChartSettingsMapping: the registry's settings become the renderer's, with paths from
// the repository root, in order, and the deployment's name as the release unless set.
func TestChartSettingsMapping(t *testing.T) {
	tests := []struct {
		name string
		dep  config.Deployment
		want *sync.ChartSettings
	}{
		{"no settings", config.Deployment{Name: "web", Path: "charts/web"}, &sync.ChartSettings{Release: "web"}},
		{"empty settings", config.Deployment{Name: "web", Path: "charts/web", Chart: &config.Chart{}}, &sync.ChartSettings{Release: "web"}},
		{"all set", config.Deployment{Name: "web-prod", Path: "charts/web", Chart: &config.Chart{Release: "web", Namespace: "prod",
			Values: []string{"values-prod.yaml", "../../shared/common.yaml", "values.yaml"}, SetFiles: map[string]string{"config.file": "files/app.conf"}}},
			&sync.ChartSettings{Release: "web", Namespace: "prod", Values: []string{"charts/web/values-prod.yaml", "shared/common.yaml", "charts/web/values.yaml"},
				SetFiles: map[string]string{"config.file": "charts/web/files/app.conf"}}},
		{"chart at the root", config.Deployment{Name: "root", Path: ".", Chart: &config.Chart{Values: []string{"values-prod.yaml"}}},
			&sync.ChartSettings{Release: "root", Values: []string{"values-prod.yaml"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := chartSettings(tc.dep); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("settings %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestRegisterChart: a chart folder is registered with its settings (paths cleaned), rendered
// with them, and can be a second deployment with other settings, not with the same.
func TestRegisterChart(t *testing.T) {
	ctx := context.Background()
	s, sha, _ := registryService(t, testRegistry, chartFiles)
	var r renders
	r.install(t)
	o := Origin{Repo: "acme/web"}
	prod := &config.Chart{Release: "web", Namespace: "prod", Values: []string{"./values-prod.yaml", "../../shared/common.yaml"}, SetFiles: map[string]string{"config.file": "files//app.conf"}}
	added, err := s.Register(ctx, o, webEntry, "charts/web/", "web-prod", RenderSettings{Chart: prod})
	if err != nil {
		t.Fatal(err)
	}
	wantChart := &config.Chart{Release: "web", Namespace: "prod", Values: []string{"values-prod.yaml", "../../shared/common.yaml"}, SetFiles: map[string]string{"config.file": "files/app.conf"}}
	want := Added{Deployment: config.Deployment{Name: "web-prod", Path: "charts/web", Chart: wantChart}, Branch: "main", Commit: sha, Objects: 1, Chart: true}
	if !reflect.DeepEqual(*added, want) {
		t.Fatalf("added %+v, want %+v", *added, want)
	}
	wantOpts := sync.RenderOptions{Chart: &sync.ChartSettings{Release: "web", Namespace: "prod", Values: []string{"charts/web/values-prod.yaml", "shared/common.yaml"},
		SetFiles: map[string]string{"config.file": "charts/web/files/app.conf"}}}
	if len(r.got) != 1 || !reflect.DeepEqual(r.got[0], wantOpts) {
		t.Fatalf("rendered with %+v, want %+v", r.got, wantOpts)
	}
	if _, d := mustLoad(t, s).FindDeployment("web-prod"); d == nil || !config.SameChart(d.Chart, wantChart) {
		t.Fatalf("stored %+v, want the chart settings %+v", d, wantChart)
	}

	// The same folder with no settings: another deployment, rendered as release web-default.
	if _, err := s.Register(ctx, o, webEntry, "charts/web", "web-default", RenderSettings{}); err != nil {
		t.Fatalf("the chart's second deployment: %v", err)
	}
	if got := r.got[len(r.got)-1]; got.Chart == nil || got.Chart.Release != "web-default" || len(got.Chart.Values) != 0 {
		t.Fatalf("rendered without settings as %+v, want release web-default and values.yaml only", got.Chart)
	}
	// The same folder with the same settings: taken.
	_, err = s.Register(ctx, o, webEntry, "charts/web", "web-again", RenderSettings{Chart: &config.Chart{Release: "web", Namespace: "prod", Values: []string{"values-prod.yaml", "../../shared/common.yaml"}, SetFiles: map[string]string{"config.file": "files/app.conf"}}})
	if taken, ok := err.(*Taken); !ok || taken.Why != TakenFolder || taken.By != "web-prod" || !taken.Chart {
		t.Fatalf("the same settings again: %v, want *Taken by web-prod", err)
	}
	// Empty settings are none: taken by web-default.
	_, err = s.Register(ctx, o, webEntry, "charts/web", "web-empty", RenderSettings{Chart: &config.Chart{}})
	if taken, ok := err.(*Taken); !ok || taken.By != "web-default" {
		t.Fatalf("empty settings: %v, want *Taken by web-default", err)
	}
	// A plain folder renders without chart settings.
	if _, err := s.Register(ctx, o, webEntry, "apps/new", "", RenderSettings{}); err != nil {
		t.Fatal(err)
	}
	if got := r.got[len(r.got)-1]; got.Chart != nil {
		t.Fatalf("a plain folder rendered with chart settings %+v", got.Chart)
	}
}

// TestRegisterChartRefusals: settings that are not valid (refused before anything is
// fetched), for a folder without a chart, or naming a file that is not there; none changes
// the registry.
func TestRegisterChartRefusals(t *testing.T) {
	main := BranchTarget("main")
	long := strings.Repeat("w", 60)
	tests := []struct {
		name    string
		folder  string
		chart   *config.Chart
		want    Refusal // Commit "sha" stands for the commit of main
		fetched bool
	}{
		{"a release that is no DNS label", "charts/web", &config.Chart{Release: "Web_1"}, &BadChart{Folder: "charts/web", Name: "web-x",
			Problems: config.Chart{Release: "Web_1"}.Problems("charts/web")}, false},
		{"a values file outside the repo", "charts/web", &config.Chart{Values: []string{"../../../etc/x.yaml"}}, &BadChart{Folder: "charts/web", Name: "web-x",
			Problems: config.Chart{Values: []string{"../../../etc/x.yaml"}}.Problems("charts/web")}, false},
		{"a deployment name too long to be the release", "charts/web", nil, &BadChart{Folder: "charts/web", Name: long,
			Problems: []string{releaseProblem(fstest.MapFS{"charts/web/Chart.yaml": {}}, "charts/web", long, nil)}}, true},
		{"settings for a plain folder", "apps/new", &config.Chart{Values: []string{"values.yaml"}}, &NotAChart{Folder: "apps/new", At: main, Commit: "sha"}, true},
		{"a values file that is not there", "charts/web", &config.Chart{Values: []string{"values.yaml", "values-qa.yaml"}},
			&ChartFileMissing{Folder: "charts/web", What: "values file", File: "values-qa.yaml", Path: "charts/web/values-qa.yaml", At: main, Commit: "sha"}, true},
		{"a values file that is a folder", "charts/web", &config.Chart{Values: []string{"dir.yaml"}},
			&ChartFileMissing{Folder: "charts/web", What: "values file", File: "dir.yaml", Path: "charts/web/dir.yaml", At: main, Commit: "sha"}, true},
		{"a set-file file that is not there", "charts/web", &config.Chart{SetFiles: map[string]string{"b": "files/app.conf", "a": "files/none.conf"}},
			&ChartFileMissing{Folder: "charts/web", What: "set-file a", File: "files/none.conf", Path: "charts/web/files/none.conf", At: main, Commit: "sha"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, sha, _ := registryService(t, testRegistry, chartFiles)
			var r renders
			r.install(t)
			before := stored(t, s)
			name := "web-x"
			if b, ok := tc.want.(*BadChart); ok {
				name = b.Name
			}
			_, err := s.Register(context.Background(), Origin{Repo: "acme/web"}, webEntry, tc.folder, name, RenderSettings{Chart: tc.chart})
			want := tc.want
			switch w := want.(type) {
			case *NotAChart:
				c := *w
				c.Commit = sha
				want = &c
			case *ChartFileMissing:
				c := *w
				c.Commit = sha
				want = &c
			}
			if !reflect.DeepEqual(err, error(want)) {
				t.Fatalf("refusal %#v, want %#v", err, want)
			}
			if !IsRefusal(err) {
				t.Fatalf("%T is not a refusal", err)
			}
			if after := stored(t, s); after != before {
				t.Fatalf("the registry changed:\n%s\nwas\n%s", after, before)
			}
			if len(r.got) != 0 {
				t.Fatalf("rendered %d times before refusing", len(r.got))
			}
			if fetched := len(s.Source.(*fakeSource).fetches) > 0; fetched != tc.fetched {
				t.Fatalf("fetched = %v, want %v", fetched, tc.fetched)
			}
		})
	}
}

// TestPlanRendersChart: a chart deployment's previews render with its settings.
func TestPlanRendersChart(t *testing.T) {
	const reg = `
- repo: acme/web
  branch: main
  deployments:
  - {name: web, path: apps/web}
  - {name: web-prod, path: charts/web, chart: {release: web, values: [values-prod.yaml]}}
`
	s, _, _ := registryService(t, reg, chartFiles)
	var r renders
	r.install(t)
	_, dep, err := s.Deployment(context.Background(), "web-prod")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.plan(context.Background(), Origin{Repo: "acme/web"}, dep, BranchTarget("main")); err != nil {
		t.Fatal(err)
	}
	_, plain, _ := s.Deployment(context.Background(), "web")
	if _, err := s.plan(context.Background(), Origin{Repo: "acme/web"}, plain, BranchTarget("main")); err != nil {
		t.Fatal(err)
	}
	want := []sync.RenderOptions{{Chart: &sync.ChartSettings{Release: "web", Values: []string{"charts/web/values-prod.yaml"}}}, {}}
	if !reflect.DeepEqual(r.got, want) {
		t.Fatalf("rendered with %+v, want %+v", r.got, want)
	}
}

// TestFoldersCharts: the folder browser lists chart folders (not subcharts, not hidden ones)
// with their values files, values.yaml first, and every deployment registered for each.
func TestFoldersCharts(t *testing.T) {
	const reg = `
- repo: acme/web
  branch: main
  deployments:
  - {name: web-prod, path: charts/web, chart: {values: [values-prod.yaml]}}
  - {name: web, path: charts/web}
`
	s, _, _ := registryService(t, reg, chartFiles)
	got, err := s.Folders(context.Background(), Origin{Repo: "acme/web"}, RefTarget("refs/heads/main"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"apps/api", "apps/new", "apps/web", "charts/web"}; !reflect.DeepEqual(got.Folders, want) {
		t.Fatalf("folders %q, want %q", got.Folders, want)
	}
	want := map[string]ChartFolder{"charts/web": {Values: []string{"values.yaml", "values-prod.yaml", "values.staging.yml"}, Deployments: []string{"web", "web-prod"}}}
	if !reflect.DeepEqual(got.Charts, want) {
		t.Fatalf("charts %+v, want %+v", got.Charts, want)
	}
	if got.Registered["charts/web"] != "web" {
		t.Fatalf("registered %q, want the first by name", got.Registered)
	}
	if strings.Contains(strings.Join(got.Folders, " "), "shared") {
		t.Fatal("a folder of values only is listed")
	}
}

// TestRenderInputsOfAChart: a chart deployment's inputs hold the files its settings name, also
// outside the chart folder, so a pull request changing one previews it (autoplan, apply on
// push); a plain folder's are sync.Inputs'.
func TestRenderInputsOfAChart(t *testing.T) {
	fsys := fstest.MapFS{}
	for name, body := range chartFiles {
		fsys[name] = &fstest.MapFile{Data: []byte(body), Mode: 0o644}
	}
	dep := config.Deployment{Name: "web-prod", Path: "charts/web", Chart: &config.Chart{Values: []string{"values-prod.yaml", "../../shared/common.yaml"}, SetFiles: map[string]string{"conf": "files/app.conf"}}}
	got, _ := renderInputs(context.Background(), fsys, dep) // shared/common.yaml is missing: the settings' files count all the same
	for _, f := range []string{"charts/web/values-prod.yaml", "shared/common.yaml", "charts/web/files/app.conf"} {
		if !slices.Contains(got, f) {
			t.Errorf("inputs %q lack %s", got, f)
		}
	}
	// A template that renders only with a value of the deployment's values files: the inputs
	// come from a render with its settings (sync.InputsWith), not the chart's defaults.
	fsys["shared/common.yaml"] = &fstest.MapFile{Data: []byte("region: eu\n"), Mode: 0o644}
	fsys["charts/web/templates/region.yaml"] = &fstest.MapFile{Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: region}\ndata: {region: {{ required \"region is set per environment\" .Values.region }}}\n"), Mode: 0o644}
	got, err := renderInputs(context.Background(), fsys, dep)
	if err != nil {
		t.Fatalf("inputs of a chart that renders: %v", err)
	}
	for _, f := range []string{"charts/web/templates/cm.yaml", "charts/web/templates/region.yaml", "charts/web/Chart.yaml", "charts/web/values-prod.yaml", "shared/common.yaml", "charts/web/files/app.conf"} {
		if !slices.Contains(got, f) {
			t.Errorf("inputs %q lack %s", got, f)
		}
	}
	if !slices.IsSorted(got) {
		t.Errorf("inputs %q are not sorted", got)
	}
	plain, err := renderInputs(context.Background(), fsys, config.Deployment{Name: "web", Path: "apps/web", Chart: &config.Chart{Values: []string{"x.yaml"}}})
	if err != nil || !slices.Equal(plain, []string{"apps/web/cm.yaml"}) {
		t.Fatalf("inputs of a plain folder = %q, %v; want its manifest only", plain, err)
	}
}

// TestFirstChangedOfAChart: under a chart folder, another deployment's values file is no
// change of this one's (values-staging.yaml for prod), while any other file under the folder
// is (a template deleted at the head is in no input), as under a plain folder.
func TestFirstChangedOfAChart(t *testing.T) {
	inputs := []string{"charts/web/Chart.yaml", "charts/web/templates/cm.yaml", "charts/web/values-prod.yaml", "charts/web/values.yaml"}
	tests := []struct {
		changed []string
		chart   bool
		want    string
	}{
		{[]string{"charts/web/values-prod.yaml"}, true, "charts/web/values-prod.yaml"},
		{[]string{"charts/web/values-staging.yaml"}, true, ""},
		{[]string{"charts/web/values-staging.yaml"}, false, "charts/web/values-staging.yaml"}, // a plain folder's file
		{[]string{"charts/web/values-staging.yaml", "charts/web/templates/gone.yaml"}, true, "charts/web/templates/gone.yaml"},
		{[]string{"charts/web/charts/db/values-prod.yaml"}, true, "charts/web/charts/db/values-prod.yaml"}, // a subchart's: not at the top
		{[]string{"charts/web/values.schema.json"}, true, "charts/web/values.schema.json"},
	}
	for _, tc := range tests {
		changed := map[string]bool{}
		for _, f := range tc.changed {
			changed[f] = true
		}
		if got := firstChanged(changed, inputs, "charts/web", tc.chart); got != tc.want {
			t.Errorf("firstChanged(%q, chart %v) = %q, want %q", tc.changed, tc.chart, got, tc.want)
		}
	}
}
