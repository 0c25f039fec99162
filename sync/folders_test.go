package sync

import (
	"context"
	"reflect"
	"testing"
	"testing/fstest"
)

func TestManifestFolders(t *testing.T) {
	fsys := fstest.MapFS{
		"README.md":                               file("# repo"),
		"apps/web/k8s/deploy.yaml":                file(cm("web")),
		"apps/web/k8s/sub/more.yaml":              file(cm("more")), // covered by apps/web/k8s
		"apps/web/k8s/overlay/kustomization.yaml": file("resources: [../]\n"),
		"apps/api/base/kustomization.yaml":        file("resources: [svc.yaml]\n"),
		"apps/api/base/svc.yaml":                  file(cm("svc")),
		"apps/api/base/extra/x.yaml":              file(cm("x")), // inside a kustomization: not listed
		"apps/api/prod/kustomization.yml":         file("resources: [../base]\n"),
		"apps/api/prod/nested/Kustomization":      file("resources: [../]\n"),
		"apps/docs/mkdocs.yml":                    file("site_name: docs\n"), // YAML, not a manifest
		"apps/chart/Chart.yaml":                   file("apiVersion: v2\nname: c\n"),
		"apps/chart/templates/d.yaml":             file(cm("{{ .Values.name }}")),
		"apps/chart/charts/sub/Chart.yaml":        file("apiVersion: v2\nname: sub\n"), // a subchart: not listed
		"config/app.json":                         file(`{"name": "x"}`),
		"config/cm.json":                          file(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}`),
		"values/values.yaml":                      file("image:\n  kind: x\n  apiVersion: y\n"), // not top-level
		".github/workflows/ci.yaml":               file(cm("ci")),
		".hidden/k8s/a.yaml":                      file(cm("a")),
		"linked":                                  symlink("apps/web/k8s"),
	}
	got, err := ManifestFolders(fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"apps/api/base", "apps/api/prod", "apps/api/prod/nested", "apps/chart", "apps/web/k8s", "apps/web/k8s/overlay", "config"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ManifestFolders:\n got %q\nwant %q", got, want)
	}

	root := fstest.MapFS{"a.yaml": file(cm("a")), "sub/b.yaml": file(cm("b"))}
	got, err = ManifestFolders(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"."}; !reflect.DeepEqual(got, want) {
		t.Errorf("ManifestFolders(root) = %q, want %q", got, want)
	}
	// Plain rendering of a listed folder takes its subfolders but not a kustomized one.
	objs, err := Render(context.Background(), fsys, "apps/web/k8s")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summary(objs), "ConfigMap/web@apps/web/k8s/deploy.yaml\nConfigMap/more@apps/web/k8s/sub/more.yaml\n"; got != want {
		t.Errorf("Render(apps/web/k8s):\n%s\nwant:\n%s", got, want)
	}
}

func TestDeploymentName(t *testing.T) {
	tests := []struct{ folder, want string }{
		{"apps/web/k8s", "web"},
		{"apps/marketing/k8s", "marketing"},
		{"deploy", "deploy"},
		{"k8s", ""},
		{".", ""},
		{"", ""},
		{"services/api/manifests", "api"},
		{"clusters/prod/web", "web"},
		{"apps/web/overlays/prod", "prod"},
		{"apps/shop/base", "shop"},
		{"apps/shop/deploy/kubernetes", "shop"},
		{"k8s/base", "base"},
		{"Apps/My_Web.App/K8s/", "my-web-app"},
		{"apps/--x--/kube", "x"},
		{"apps/___/kube", "apps"},
		{"a/Very-Long-Name-That-Goes-On-And-On-Beyond-Sixty-Three-Characters-For-Sure", "very-long-name-that-goes-on-and-on-beyond-sixty-three-character"},
	}
	for _, tt := range tests {
		t.Run(tt.folder, func(t *testing.T) {
			if got := DeploymentName(tt.folder); got != tt.want {
				t.Errorf("DeploymentName(%q) = %q, want %q", tt.folder, got, tt.want)
			}
		})
	}
}

func TestChartFolders(t *testing.T) {
	fsys := fstest.MapFS{
		"charts/web/Chart.yaml":                file("apiVersion: v2\nname: web\nversion: 0.1.0\n"),
		"charts/web/values.yaml":               file("a: 1\n"),
		"charts/web/values-prod.yaml":          file("a: 2\n"),
		"charts/web/staging.values.yml":        file("a: 3\n"),
		"charts/web/values.schema.json":        file("{}"),
		"charts/web/README.md":                 file("#"),
		"charts/web/templates/values.yaml":     file(cm("x")), // a template, not a values file
		"charts/web/charts/db/Chart.yaml":      file("apiVersion: v2\nname: db\nversion: 0.1.0\n"),
		"charts/web/charts/db/values.yaml":     file("b: 1\n"),
		"charts/api/Chart.yaml":                file("apiVersion: v2\nname: api-chart\nversion: 1.0.0\n"),
		"charts/api/templates/cm.yaml":         file(cm("api")),
		"apps/plain/cm.yaml":                   file(cm("plain")),
		"apps/plain/vendored/Chart.yaml":       file("name: [broken\n"),
		"apps/plain/vendored/templates/x.yaml": file(cm("v")),
	}
	got, err := ChartFolders(fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := []ChartFolder{
		{Path: "apps/plain/vendored"},
		{Path: "charts/api", Name: "api-chart"},
		{Path: "charts/web", Name: "web", Values: []string{"values.yaml", "staging.values.yml", "values-prod.yaml"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ChartFolders:\n got %+v\nwant %+v", got, want)
	}
	folders, err := ManifestFolders(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"apps/plain", "apps/plain/vendored", "charts/api", "charts/web"}; !reflect.DeepEqual(folders, want) {
		t.Errorf("ManifestFolders = %q, want %q", folders, want)
	}
}
