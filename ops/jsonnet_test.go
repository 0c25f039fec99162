package ops

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// TestJsonnetRenderOptions: a deployment's jsonnet settings in the registry reach the render
// of its folder (issue 17), and a chart folder's options stay the chart's.
func TestJsonnetRenderOptions(t *testing.T) {
	fsys := fstest.MapFS{
		"apps/gb/gb.jsonnet": {Data: []byte(`function(name) {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: name}, data: {region: std.extVar('region')}}`)},
	}
	dep := config.Deployment{Name: "gb", Path: "apps/gb", Jsonnet: &config.Jsonnet{TLAs: map[string]string{"name": "gb-prod"}, ExtVars: map[string]string{"region": "eu"}}}
	opts := renderOptions(fsys, dep)
	if opts.Jsonnet == nil || opts.Chart != nil {
		t.Fatalf("render options %+v: want the jsonnet settings only", opts)
	}
	objs, err := sync.RenderWith(context.Background(), fsys, dep.Path, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 || objs[0].Obj.GetName() != "gb-prod" || !strings.Contains(objs[0].Obj.Object["data"].(map[string]interface{})["region"].(string), "eu") {
		t.Fatalf("objects %v: want ConfigMap gb-prod with region eu", objs)
	}
	dep.Jsonnet = nil
	if _, err := sync.RenderWith(context.Background(), fsys, dep.Path, renderOptions(fsys, dep)); err == nil || !strings.Contains(err.Error(), "name") {
		t.Fatalf("without its top-level argument: %v, want an error naming it", err)
	}
}

// jsonnetFiles is a repository with a jsonnet folder needing a top-level argument and an
// external variable, importing from a lib folder; a kustomization; a chart; a plain folder.
var jsonnetFiles = map[string]string{
	"apps/gb/gb.jsonnet":           "local l = import 'names.libsonnet';\nfunction(name) {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: l.prefix + name}, data: {region: std.extVar('region')}}\n",
	"vendor/lib/names.libsonnet":   "{prefix: 'gb-'}\n",
	"apps/k/kustomization.yaml":    "resources:\n  - cm.yaml\n",
	"apps/k/cm.yaml":               cm("k"),
	"apps/k/x.jsonnet":             "{}\n",
	"charts/web/Chart.yaml":        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
	"charts/web/templates/cm.yaml": cm("web"),
	"apps/new/cm.yaml":             cm("new"),
}

// TestRegisterJsonnet: a jsonnet folder is registered with its settings, which its render
// used (the ConfigMap's name comes from the TLA and the lib); one folder may be two deployments
// with different settings, not twice with the same; settings that are not valid, name a lib
// folder the repository lacks, or are given for a folder that renders no *.jsonnet file are
// refused, and the registry is left as it was.
func TestRegisterJsonnet(t *testing.T) {
	ctx := context.Background()
	s, sha, _ := registryService(t, testRegistry, jsonnetFiles)
	o := Origin{Repo: "acme/web"}
	prod := &config.Jsonnet{TLAs: map[string]string{"name": "prod"}, ExtVars: map[string]string{"region": "eu"}, Libs: []string{"./vendor/lib/"}}
	added, err := s.Register(ctx, o, webEntry, "apps/gb", "gb-prod", RenderSettings{Jsonnet: prod})
	if err != nil {
		t.Fatal(err)
	}
	want := &config.Jsonnet{TLAs: prod.TLAs, ExtVars: prod.ExtVars, Libs: []string{"vendor/lib"}}
	if added.Objects != 1 || added.Commit != sha || !reflect.DeepEqual(added.Deployment.Jsonnet, want) {
		t.Fatalf("added %+v (jsonnet %+v), want 1 object with %+v", added, added.Deployment.Jsonnet, want)
	}
	if _, dep := mustLoad(t, s).FindDeployment("gb-prod"); dep == nil || !reflect.DeepEqual(dep.Jsonnet, want) {
		t.Fatalf("stored %+v, want its jsonnet settings %+v", dep, want)
	}
	staging := &config.Jsonnet{TLAs: map[string]string{"name": "staging"}, ExtVars: map[string]string{"region": "us"}, Libs: []string{"vendor/lib"}}
	if _, err := s.Register(ctx, o, webEntry, "apps/gb", "gb-staging", RenderSettings{Jsonnet: staging}); err != nil {
		t.Fatalf("a second deployment of the folder with other settings: %v", err)
	}
	before := stored(t, s)
	var taken *Taken
	if _, err := s.Register(ctx, o, webEntry, "apps/gb", "gb-again", RenderSettings{Jsonnet: want}); !errors.As(err, &taken) || !taken.Jsonnet || taken.By != "gb-prod" {
		t.Fatalf("the same settings again: %v, want Taken by gb-prod, of a jsonnet folder", err)
	}
	var failed *RenderFailed
	if _, err := s.Register(ctx, o, webEntry, "apps/gb", "gb-bare", RenderSettings{}); !errors.As(err, &failed) || !strings.Contains(err.Error(), "name") {
		t.Fatalf("without the top-level argument: %v, want RenderFailed naming it", err)
	}
	tests := []struct {
		name, folder string
		j            *config.Jsonnet
		want         string
	}{
		{"bad name", "apps/gb", &config.Jsonnet{TLAs: map[string]string{"a-b": "1"}}, `top-level argument "a-b" is not a jsonnet name`},
		{"lib outside", "apps/gb", &config.Jsonnet{Libs: []string{"../x"}}, "leaves the repository"},
		{"lib through ..", "apps/gb", &config.Jsonnet{Libs: []string{"apps/../vendor/lib"}}, "is not written plainly"},
		{"lib missing", "apps/gb", &config.Jsonnet{TLAs: map[string]string{"name": "x"}, Libs: []string{"vendor/none"}}, `lib folder "vendor/none" is not a folder of the repository`},
		{"lib a file", "apps/gb", &config.Jsonnet{Libs: []string{"vendor/lib/names.libsonnet"}}, "is not a folder of the repository"},
		{"chart", "charts/web", &config.Jsonnet{TLAs: map[string]string{"x": "1"}}, "holds a Helm chart"},
		{"kustomization", "apps/k", &config.Jsonnet{TLAs: map[string]string{"x": "1"}}, "holds a kustomization (kustomization.yaml)"},
		{"no jsonnet", "apps/new", &config.Jsonnet{ExtVars: map[string]string{"x": "1"}}, "holds no *.jsonnet file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Register(ctx, o, webEntry, tc.folder, "refused", RenderSettings{Jsonnet: tc.j})
			var bad *BadJsonnet
			if !errors.As(err, &bad) || !strings.Contains(strings.Join(bad.Problems, "; "), tc.want) {
				t.Fatalf("err = %v, want BadJsonnet saying %q", err, tc.want)
			}
			if !IsRefusal(err) {
				t.Fatalf("%T is not a refusal", err)
			}
		})
	}
	if after := stored(t, s); after != before {
		t.Fatalf("refusals changed the registry:\n%s\nwas\n%s", after, before)
	}
}
