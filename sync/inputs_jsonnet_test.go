package sync

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// TestInputsJsonnet: the inputs of a plain folder with *.jsonnet files (issue 17) are found by
// rendering them with the deployment's settings: a file that needs a top-level argument and an
// external variable is tracked, with the files it imports from its folder and from the lib
// folders (and not the libraries nobody imports); without its settings it fails as Render
// does, naming what it lacks.
func TestInputsJsonnet(t *testing.T) {
	repo := fstest.MapFS{
		"apps/gb/gb.jsonnet":         file("local l = import 'names.libsonnet';\nlocal p = import 'parts.libsonnet';\nfunction(name) [p.cm(l.prefix + name, std.extVar('region'))]\n"),
		"apps/gb/parts.libsonnet":    file("{cm(n, r): {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: n}, data: {region: r}}}\n"),
		"apps/gb/unused.libsonnet":   file("{}\n"),
		"apps/gb/svc.yaml":           file("apiVersion: v1\nkind: Service\nmetadata:\n  name: gb\n"),
		"vendor/lib/names.libsonnet": file("{prefix: 'gb-'}\n"),
		"vendor/lib/other.libsonnet": file("{}\n"),
	}
	set := &JsonnetSettings{TLAs: map[string]string{"name": "prod"}, ExtVars: map[string]string{"region": "eu"}, Libs: []string{"vendor/lib"}}
	got, err := InputsWith(context.Background(), repo, "apps/gb", RenderOptions{Jsonnet: set})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"apps/gb/gb.jsonnet", "apps/gb/parts.libsonnet", "apps/gb/svc.yaml", "vendor/lib/names.libsonnet"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("InputsWith = %q\nwant         %q", got, want)
	}
	for name, opts := range map[string]RenderOptions{
		"no settings":     {},
		"no external var": {Jsonnet: &JsonnetSettings{TLAs: set.TLAs, Libs: set.Libs}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := InputsWith(context.Background(), repo, "apps/gb", opts)
			_, rerr := RenderWith(context.Background(), repo, "apps/gb", opts)
			if err == nil || rerr == nil || err.Error() != rerr.Error() {
				t.Fatalf("InputsWith: %v\nRenderWith: %v\nwant the same error", err, rerr)
			}
		})
	}
	if _, err := Inputs(context.Background(), repo, "apps/gb"); err == nil || !strings.Contains(err.Error(), "gb.jsonnet") {
		t.Fatalf("Inputs without settings: %v, want the render's error naming the file", err)
	}
}
