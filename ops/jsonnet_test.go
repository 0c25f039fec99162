package ops

import (
	"context"
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
