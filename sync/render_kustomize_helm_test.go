package sync

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rigel-gitops/rigel/internal/testenv"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// kustRepo is chartRepo with the chart moved under apps/shop/charts/web, and
// apps/shop/kustomization.yaml as given.
func kustRepo(kustomization string, extra map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for p, f := range chartRepo() {
		if strings.HasPrefix(p, "web/") {
			m["apps/shop/charts/"+p] = f
		}
	}
	m["apps/shop/kustomization.yaml"] = file(kustomization)
	for p, s := range extra {
		m[p] = file(s)
	}
	return m
}

// A kustomization's helmCharts render through Rigel's chart path: a vendored chart with its
// values files and inline values, crds/ left out unless includeCRDs, and the kustomization's
// own transformers applied to what the chart rendered.
func TestKustomizeHelmChartsVendored(t *testing.T) {
	k := `helmCharts:
  - name: web
    releaseName: shop
    namespace: shop
    valuesInline:
      greeting: inline
    additionalValuesFiles: [values-shop.yaml]
resources: [extra.yaml]
commonLabels:
  team: shop
`
	m := kustRepo(k, map[string]string{
		"apps/shop/values-shop.yaml": "replicaCount: 4\n",
		"apps/shop/extra.yaml":       "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n",
	})
	objs, err := RenderWith(context.Background(), m, "apps/shop", RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm := objByName(t, objs, "ConfigMap", "shop-web-config").Obj
	if g, _, _ := unstructured.NestedString(cm.Object, "data", "greeting"); g != "inline" {
		t.Errorf("greeting = %q, want the inline value over values.yaml's", g)
	}
	if cm.GetLabels()["team"] != "shop" {
		t.Errorf("labels %v: the kustomization's commonLabels did not reach the chart's objects", cm.GetLabels())
	}
	d := objByName(t, objs, "Deployment", "shop-web").Obj
	if r, _, _ := unstructured.NestedInt64(d.Object, "spec", "replicas"); r != 4 {
		t.Errorf("replicas = %d, want 4 from the additional values file", r)
	}
	objByName(t, objs, "ConfigMap", "extra")
	for _, o := range objs {
		if o.Obj.GetKind() == "CustomResourceDefinition" {
			t.Errorf("%s rendered without includeCRDs", RefOf(o.Obj))
		}
	}
	m["apps/shop/kustomization.yaml"] = file(strings.Replace(k, "namespace: shop", "namespace: shop\n    includeCRDs: true\n    kubeVersion: v1.31.2\n    apiVersions: [example.com/v1/Widget]", 1))
	objs, err = RenderWith(context.Background(), m, "apps/shop", RenderOptions{Capabilities: &Capabilities{KubeVersion: "v1.33.0", APIVersions: []string{"v1", "apps/v1"}}})
	if err != nil {
		t.Fatal(err)
	}
	objByName(t, objs, "CustomResourceDefinition", "crontabs.example.com")
	cm = objByName(t, objs, "ConfigMap", "shop-web-config").Obj
	kube, _, _ := unstructured.NestedString(cm.Object, "data", "kube")
	widgets, _, _ := unstructured.NestedString(cm.Object, "data", "widgets")
	if kube != "v1.31.2" || widgets != "yes" {
		t.Errorf("kube %q, widgets %q: want the entry's kubeVersion and apiVersions", kube, widgets)
	}
}

// A chart not in the repository is fetched from an allowlisted repository at its version,
// verified; from any other, refused before any connection.
func TestKustomizeHelmChartsFetched(t *testing.T) {
	repo := testenv.NewChartRepo(t, commonChart)
	k := "helmCharts:\n  - name: common\n    version: 1.2.3\n    repo: " + repo.URL + "\n    releaseName: shop\n    valuesInline: {greeting: hi}\n"
	m := fstest.MapFS{"apps/shop/kustomization.yaml": file(k)}
	forgetDigests()
	objs, err := RenderWith(context.Background(), m, "apps/shop", RenderOptions{Repos: ChartRepos{Allow: []string{repo.URL}}.Trusting(repo.Roots())})
	if err != nil {
		t.Fatal(err)
	}
	cm := objByName(t, objs, "ConfigMap", "shop-common").Obj
	if g, _, _ := unstructured.NestedString(cm.Object, "data", "greeting"); g != "hi" {
		t.Errorf("greeting = %q, want the inline value", g)
	}

	tests := []struct {
		name, kust string
		repos      *ChartRepos
		want       string
	}{
		{"not allowlisted", k, ChartRepos{Allow: []string{"https://charts.example.com"}}.Trusting(repo.Roots()), "not on its allowlist"},
		{"no allowlist", k, nil, "not on its allowlist"},
		{"no version", strings.Replace(k, "    version: 1.2.3\n", "", 1), ChartRepos{Allow: []string{repo.URL}}.Trusting(repo.Roots()), "pinned version"},
		{"version with a path", strings.Replace(k, "version: 1.2.3", "version: 1.2.3/../../x", 1), ChartRepos{Allow: []string{repo.URL}}.Trusting(repo.Roots()), "not a chart version"},
		{"no release name", strings.Replace(k, "    releaseName: shop\n", "", 1), ChartRepos{Allow: []string{repo.URL}}.Trusting(repo.Roots()), "releaseName"},
		{"no chart, no repo", "helmCharts:\n  - name: web\n    releaseName: x\n", nil, "has no chart in apps/shop/charts/web"},
		{"values outside", "helmCharts:\n  - name: common\n    version: 1.2.3\n    repo: " + repo.URL + "\n    releaseName: shop\n    additionalValuesFiles: [../../../x.yaml]\n", ChartRepos{Allow: []string{repo.URL}}.Trusting(repo.Roots()), "outside the repository"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := repo.Connections()
			_, err := RenderWith(context.Background(), fstest.MapFS{"apps/shop/kustomization.yaml": file(tt.kust)}, "apps/shop", RenderOptions{Repos: tt.repos})
			var he *HermeticError
			if !errors.As(err, &he) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(he.File, "kustomization.yaml") {
				t.Fatalf("err = %v (%T), want a *HermeticError naming the kustomization with %q", err, err, tt.want)
			}
			if tt.name != "values outside" && repo.Connections() != before {
				t.Errorf("%d connections reached the repository, want none", repo.Connections()-before)
			}
		})
	}
}

// helmCharts in a kustomization the build reaches through resources stay refused.
func TestKustomizeHelmChartsInBaseRefused(t *testing.T) {
	m := kustRepo("resources: [base]\n", map[string]string{
		"apps/shop/base/kustomization.yaml": "helmCharts:\n  - name: web\n    releaseName: x\n",
	})
	_, err := RenderWith(context.Background(), m, "apps/shop", RenderOptions{})
	var he *HermeticError
	if !errors.As(err, &he) || he.File != "apps/shop/base/kustomization.yaml" {
		t.Fatalf("err = %v, want a *HermeticError naming the base's kustomization", err)
	}
}

// The inputs of a kustomization with helmCharts are its files and those of its charts and
// values files (a change to one autoplans the deployment), never the rendered file; a chart
// not in the repository is not fetched for them.
func TestKustomizeHelmChartsInputs(t *testing.T) {
	k := "helmCharts:\n  - name: web\n    releaseName: shop\n    additionalValuesFiles: [values-shop.yaml]\n"
	m := kustRepo(k, map[string]string{"apps/shop/values-shop.yaml": "replicaCount: 4\n"})
	in, err := Inputs(context.Background(), m, "apps/shop")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"apps/shop/kustomization.yaml", "apps/shop/values-shop.yaml", "apps/shop/charts/web/templates/configmap.yaml", "apps/shop/charts/web/values.yaml"} {
		if !hasPath(in, want) {
			t.Errorf("inputs %q lack %s", in, want)
		}
	}
	for _, p := range in {
		if strings.Contains(p, inflatedPrefix) {
			t.Errorf("inputs hold the rendered file %s", p)
		}
	}
	repo := testenv.NewChartRepo(t, commonChart)
	remote := fstest.MapFS{
		"apps/shop/kustomization.yaml": file("helmCharts:\n  - name: common\n    version: 1.2.3\n    repo: " + repo.URL + "\n    releaseName: shop\n    valuesFile: values-shop.yaml\n"),
		"apps/shop/values-shop.yaml":   file("greeting: hi\n"),
	}
	in, err = Inputs(context.Background(), remote, "apps/shop")
	if err != nil {
		t.Fatal(err)
	}
	if !hasPath(in, "apps/shop/values-shop.yaml") || !hasPath(in, "apps/shop/kustomization.yaml") {
		t.Errorf("inputs %q lack the kustomization or its values file", in)
	}
	if repo.Connections() != 0 {
		t.Errorf("Inputs connected to the chart repository %d times", repo.Connections())
	}
}
