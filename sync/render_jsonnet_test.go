package sync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// jsonnetRepo is a repository with an Argo-CD-style jsonnet folder, a lib folder, and files
// the hermetic checks must refuse to import.
func jsonnetRepo(extra map[string]string) fstest.MapFS {
	files := map[string]string{
		"apps/guestbook/guestbook-ui.jsonnet": `
local params = import 'params.libsonnet';
local common = import 'common.libsonnet'; // found in the lib folder
function(replicas=1, name='guestbook-ui') [
  common.deployment(name, replicas, std.extVar('image')),
  { apiVersion: 'v1', kind: 'List', items: [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: name }, spec: { ports: [{ port: params.port }] } },
  ] },
]`,
		"apps/guestbook/params.libsonnet": `{ port: 80 }`,
		"apps/guestbook/config.yaml":      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n",
		"lib/common.libsonnet": `{
  deployment(name, replicas, image):: {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: name },
    spec: { replicas: replicas, template: { spec: { containers: [{ name: name, image: image }] } } },
  },
}`,
	}
	for k, v := range extra {
		files[k] = v
	}
	m := fstest.MapFS{}
	for k, v := range files {
		m[k] = &fstest.MapFile{Data: []byte(v), Mode: 0o644}
	}
	return m
}

// bothWays runs f with the jsonnet evaluated in a render child and in this process.
func bothWays(t *testing.T, f func(t *testing.T)) {
	for _, isolated := range []bool{true, false} {
		t.Run(map[bool]string{true: "child", false: "inprocess"}[isolated], func(t *testing.T) {
			isolateCharts = isolated
			t.Cleanup(func() { isolateCharts = true })
			f(t)
		})
	}
}

func TestRenderJsonnetFolder(t *testing.T) {
	bothWays(t, func(t *testing.T) {
		set := &JsonnetSettings{TLAs: map[string]string{"name": "gb"}, ExtVars: map[string]string{"image": "nginx:1.27"}, Libs: []string{"lib"}}
		objs, err := RenderWith(context.Background(), jsonnetRepo(nil), "apps/guestbook", RenderOptions{Jsonnet: set})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range objs {
			got = append(got, o.Source+" "+RefOf(o.Obj).String())
		}
		want := []string{
			"apps/guestbook/config.yaml ConfigMap/plain",
			"apps/guestbook/guestbook-ui.jsonnet Deployment/gb",
			"apps/guestbook/guestbook-ui.jsonnet Service/gb",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("objects:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if spec := fmt.Sprint(objs[1].Obj.Object["spec"]); !strings.Contains(spec, "image:nginx:1.27") || !strings.Contains(spec, "replicas:1") {
			t.Fatalf("the external variable or the default argument is not in the output: %s", spec)
		}
	})
}

func TestRenderJsonnetRefused(t *testing.T) {
	set := &JsonnetSettings{ExtVars: map[string]string{"image": "x"}, Libs: []string{"lib"}}
	tests := []struct {
		name      string
		files     map[string]string
		opts      *JsonnetSettings
		hermetic  bool   // a *HermeticError
		parse     bool   // a *ParseError
		wantInErr string // part of the message
	}{
		{name: "absolute import", files: map[string]string{"apps/x/a.jsonnet": `import '/etc/passwd'`}, hermetic: true, wantInErr: `import "/etc/passwd" is absolute`},
		{name: "importstr outside the repository", files: map[string]string{"apps/x/a.jsonnet": `{a: importstr '../../../secret'}`}, hermetic: true, wantInErr: "leads outside the repository"},
		{name: "url import", files: map[string]string{"apps/x/a.jsonnet": `import 'https://example.com/x.libsonnet'`}, hermetic: true, wantInErr: "absolute or a URL"},
		{name: "missing import", files: map[string]string{"apps/x/a.jsonnet": `import 'nope.libsonnet'`}, parse: true, wantInErr: "no such file in the repository"},
		{name: "native function", files: map[string]string{"apps/x/a.jsonnet": `std.native('helmTemplate')('x')`}, parse: true, wantInErr: "apps/x/a.jsonnet"},
		{name: "missing top-level argument", files: map[string]string{"apps/x/a.jsonnet": `function(name) {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: name}}`}, parse: true, wantInErr: "name"},
		{name: "a string is not an object", files: map[string]string{"apps/x/a.jsonnet": `'hello'`}, parse: true, wantInErr: "must evaluate to a Kubernetes object"},
		{name: "object without kind", files: map[string]string{"apps/x/a.jsonnet": `[{apiVersion: 'v1', metadata: {name: 'a'}}]`}, parse: true, wantInErr: "output item 1 has no kind"},
		{name: "bad lib folder", files: map[string]string{"apps/x/a.jsonnet": `{}`}, opts: &JsonnetSettings{Libs: []string{"../up"}}, wantInErr: "leads outside the repository"},
	}
	bothWays(t, func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				opts := set
				if tt.opts != nil {
					opts = tt.opts
				}
				_, err := RenderWith(context.Background(), jsonnetRepo(tt.files), "apps/x", RenderOptions{Jsonnet: opts})
				if err == nil {
					t.Fatal("rendered; want a refusal")
				}
				var he *HermeticError
				var pe *ParseError
				if tt.hermetic && !errors.As(err, &he) {
					t.Errorf("want a *HermeticError, got %T: %v", err, err)
				}
				if tt.parse && !errors.As(err, &pe) {
					t.Errorf("want a *ParseError, got %T: %v", err, err)
				}
				if !strings.Contains(err.Error(), tt.wantInErr) || !strings.HasPrefix(err.Error(), "failed to render apps/x: ") {
					t.Errorf("error %q does not start with the folder or does not contain %q", err, tt.wantInErr)
				}
				if strings.Contains(err.Error(), "failed to render apps/x: failed to render") {
					t.Errorf("error wrapped twice: %v", err)
				}
			})
		}
	})
}

// TestRenderJsonnetStopped: an evaluation that would run for ever is stopped at the render's
// deadline, or at the child's memory bound (go-jsonnet cannot be cancelled: the render child is
// killed).
func TestRenderJsonnetStopped(t *testing.T) {
	freshPool(t)
	repo := jsonnetRepo(map[string]string{"apps/x/a.jsonnet": `local loop(n) = if n == 0 then 0 else loop(n - 1) tailstrict; {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'x'}, data: {n: std.toString(loop(1e12))}}`})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := RenderWith(ctx, repo, "apps/x", RenderOptions{})
	// Stopped at the deadline, or by the child's memory bound first (a loaded machine): bounded either way.
	if err == nil || !strings.Contains(err.Error(), "did not finish in time and was stopped") && !strings.Contains(err.Error(), "its jsonnet files used more than") {
		t.Fatalf("want the render stopped at its deadline or its memory bound, got %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("the render took %v after a deadline of 2s", took)
	}
	waitFor(t, "the killed render child to exit", func() bool { return renderChildren.counts().alive == 0 })
}

func TestRenderEmptyFolder(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{name: "a libsonnet and text", files: map[string]string{"apps/x/g.libsonnet": "{}", "apps/x/README.md": "hi"},
			want: []string{"README.md: not a manifest", "g.libsonnet: a jsonnet library"}},
		{name: "a chart below", files: map[string]string{"apps/x/chart/Chart.yaml": "name: c\nversion: 1.0.0\napiVersion: v2\n", "apps/x/notes.txt": "x"},
			want: []string{"chart/: a Helm chart, a deployment of its own: add apps/x/chart as a deployment", "notes.txt: not a manifest"}},
		{name: "only comments", files: map[string]string{"apps/x/a.yaml": "# nothing\n---\n"},
			want: []string{"a.yaml: holds no object"}},
		{name: "jsonnet evaluating to null", files: map[string]string{"apps/x/a.jsonnet": "null"},
			want: []string{"a.jsonnet: a jsonnet file that evaluated to no object"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Render(context.Background(), jsonnetRepo(tt.files), "apps/x")
			var ee *EmptyFolderError
			if !errors.As(err, &ee) {
				t.Fatalf("want an *EmptyFolderError, got %v", err)
			}
			got := strings.Join(ee.Found, "\n")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("found:\n%s\nwant a line with %q", got, w)
				}
			}
			if !strings.Contains(err.Error(), "apps/x holds nothing Rigel can render") {
				t.Errorf("error %q does not name the folder", err)
			}
		})
	}
}
