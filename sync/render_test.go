package sync

import (
	"context"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// golden compares got with testdata/name, rewriting the file with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("missing golden file (run with -update): %v", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file\n--- got:\n%s\n--- want:\n%s", name, got, want)
	}
}

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s), Mode: 0o644} }

func symlink(target string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(target), Mode: fs.ModeSymlink | 0o777}
}

func cm(name string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n  k: v\n"
}

// summary lists objects as "Kind/name@source" lines.
func summary(objs []Object) string {
	var b strings.Builder
	for _, o := range objs {
		b.WriteString(RefOf(o.Obj).String())
		if o.Source != "" {
			b.WriteString("@" + o.Source)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestRender(t *testing.T) {
	tests := []struct {
		name   string
		fsys   fstest.MapFS
		folder string
		want   string
	}{
		{
			name: "plain folder",
			fsys: fstest.MapFS{
				"apps/web/k8s/b.yaml":   file(cm("b")),
				"apps/web/k8s/a.yml":    file(cm("a")),
				"apps/web/k8s/README":   file("not a manifest"),
				"apps/web/other/c.yaml": file(cm("c")),
			},
			folder: "apps/web/k8s",
			want:   "ConfigMap/a@apps/web/k8s/a.yml\nConfigMap/b@apps/web/k8s/b.yaml\n",
		},
		{
			name: "nested folders, sorted paths, hidden and kustomized subfolders skipped",
			fsys: fstest.MapFS{
				"k8s/z.yaml":                      file(cm("z")),
				"k8s/db/a.yaml":                   file(cm("db-a")),
				"k8s/db/deep/x.yaml":              file(cm("deep-x")),
				"k8s/.hidden/h.yaml":              file(cm("hidden")),
				"k8s/kust/kustomization.yaml":     file("resources: [c.yaml]\n"),
				"k8s/kust/c.yaml":                 file(cm("kust")),
				"k8s/readme-link.md":              symlink("../README.md"),
				"k8s/db/deep/nested/sub/one.json": file(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"one"}}`),
			},
			folder: "k8s/",
			want: "ConfigMap/db-a@k8s/db/a.yaml\nConfigMap/one@k8s/db/deep/nested/sub/one.json\n" +
				"ConfigMap/deep-x@k8s/db/deep/x.yaml\nConfigMap/z@k8s/z.yaml\n",
		},
		{
			name: "multi-document with empty documents and comments",
			fsys: fstest.MapFS{
				"m/all.yaml": file("---\n# only a comment\n---\n" + cm("one") + "---\n\n---\n" + cm("two") + "--- # trailing\n" +
					"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n"),
			},
			folder: "m",
			want:   "ConfigMap/one@m/all.yaml\nConfigMap/two@m/all.yaml\nDeployment/shop/web@m/all.yaml\n",
		},
		{
			name: "List kinds",
			fsys: fstest.MapFS{
				"m/list.yaml": file("apiVersion: v1\nkind: List\nitems:\n- " + strings.ReplaceAll(cm("x"), "\n", "\n  ") +
					"\n---\napiVersion: v1\nkind: ConfigMapList\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: why}}\n" +
					"---\napiVersion: v1\nkind: List\nitems: []\n"),
			},
			folder: "m",
			want:   "ConfigMap/x@m/list.yaml\nConfigMap/why@m/list.yaml\n",
		},
		{
			name: "JSON files, one value, a List and a stream",
			fsys: fstest.MapFS{
				"j/a.json": file(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"ns"}}`),
				"j/b.json": file(`{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Secret","metadata":{"name":"b"}}]}` +
					"\n" + `{"apiVersion":"v1","kind":"Service","metadata":{"name":"c"}}`),
			},
			folder: "j",
			want:   "ConfigMap/ns/a@j/a.json\nSecret/b@j/b.json\nService/c@j/b.json\n",
		},
		{
			name: "root folder",
			fsys: fstest.MapFS{
				"a.yaml":         file(cm("a")),
				".github/x.yaml": file("on: push\n"),
			},
			folder: ".",
			want:   "ConfigMap/a@a.yaml\n",
		},
		{
			name: "kustomization with a base in a sibling folder and a patch",
			fsys: fstest.MapFS{
				"apps/web/base/kustomization.yaml": file("resources:\n- deploy.yaml\n- cm.yaml\n"),
				"apps/web/base/deploy.yaml": file("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n" +
					"  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n" +
					"    spec: {containers: [{name: web, image: nginx}]}\n"),
				"apps/web/base/cm.yaml": file(cm("settings")),
				"apps/web/prod/kustomization.yaml": file("namespace: shop\nnamePrefix: prod-\nresources:\n- ../base\n" +
					"patches:\n- path: replicas.yaml\n"),
				"apps/web/prod/replicas.yaml": file("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n"),
				".git/config":                 file("[core]\n"),
			},
			folder: "apps/web/prod",
			want:   "Deployment/shop/prod-web\nConfigMap/shop/prod-settings\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Render(context.Background(), tt.fsys, tt.folder)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got := summary(objs); got != tt.want {
				t.Errorf("objects:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestRenderKustomizePatchApplied(t *testing.T) {
	fsys := fstest.MapFS{
		"base/kustomization.yaml": file("resources: [cm.yaml]\n"),
		"base/cm.yaml":            file(cm("settings")),
		"prod/kustomization.yaml": file("resources: [../base]\npatches:\n- patch: |\n    apiVersion: v1\n    kind: ConfigMap\n" +
			"    metadata: {name: settings}\n    data: {k: patched, n: \"1\"}\n"),
	}
	objs, err := Render(context.Background(), fsys, "prod")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 {
		t.Fatalf("want 1 object, got %d", len(objs))
	}
	data := objs[0].Obj.Object["data"].(map[string]interface{})
	if data["k"] != "patched" || data["n"] != "1" {
		t.Errorf("patch not applied: data = %v", data)
	}
}

func TestRenderParseErrorGolden(t *testing.T) {
	// Document 3 of a 3-document file is broken on file line 12.
	fsys := fstest.MapFS{
		"apps/web/k8s/deploy.yaml": file(cm("one") + // lines 1-6
			"---\n" + // line 7
			"apiVersion: v1\nkind: Namespace\nmetadata: {name: two}\n" + // lines 8-10
			"---\n" + // line 11
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad: value\n"), // lines 12-15
		"j/bad.json": file("{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"ConfigMap\",\n  \"metadata\": {\"name\": \"x\"},,\n}\n"),
		"t/tabs.yaml": file(cm("ok") + "---\n" + "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n" +
			"  a: b\n\t c: d\n"),
	}
	var out strings.Builder
	for _, folder := range []string{"apps/web/k8s", "j", "t"} {
		_, err := Render(context.Background(), fsys, folder)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("%s: want a *ParseError, got %v", folder, err)
		}
		out.WriteString(pe.Error() + "\n")
	}
	golden(t, "render/parse-errors.golden", out.String())
	_, err := Render(context.Background(), fsys, "apps/web/k8s")
	var pe *ParseError
	errors.As(err, &pe)
	if pe.File != "apps/web/k8s/deploy.yaml" || pe.Line != 15 {
		t.Errorf("error at %s line %d, want apps/web/k8s/deploy.yaml line 15", pe.File, pe.Line)
	}
}

func TestRenderErrors(t *testing.T) {
	big := strings.Repeat("#", MaxFileBytes+1)
	tests := []struct {
		name     string
		fsys     fstest.MapFS
		folder   string
		pathErr  bool     // want a *PathError
		parseErr bool     // want a *ParseError
		contains []string // in the message
	}{
		{name: "missing name", fsys: fstest.MapFS{"m/a.yaml": file(cm("a") + "---\n\n# c\napiVersion: v1\nkind: ConfigMap\n")},
			folder: "m", parseErr: true, contains: []string{"m/a.yaml line 10", "document 2 has no metadata.name"}},
		{name: "missing apiVersion and kind", fsys: fstest.MapFS{"m/a.yaml": file("metadata:\n  name: x\n")},
			folder: "m", parseErr: true, contains: []string{"m/a.yaml line 1", "document 1 has no apiVersion, kind"}},
		{name: "list item missing kind", fsys: fstest.MapFS{"m/a.yaml": file("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, metadata: {name: x}}\n")},
			folder: "m", parseErr: true, contains: []string{"m/a.yaml", "List item 1 has no kind"}},
		{name: "name not a string", fsys: fstest.MapFS{"m/a.yaml": file("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yes\n")},
			folder: "m", parseErr: true, contains: []string{"m/a.yaml line 1", "metadata.name is not a string"}},
		{name: "not an object", fsys: fstest.MapFS{"m/a.yaml": file("- a\n- b\n")},
			folder: "m", parseErr: true, contains: []string{"document 1 is a list"}},
		{name: "parent escape", fsys: fstest.MapFS{"a.yaml": file(cm("a"))}, folder: "../x", pathErr: true,
			contains: []string{`"../x"`, "outside the repository"}},
		{name: "hidden escape", fsys: fstest.MapFS{"a.yaml": file(cm("a"))}, folder: "apps/../../x", pathErr: true,
			contains: []string{"outside the repository"}},
		{name: "absolute", fsys: fstest.MapFS{"a.yaml": file(cm("a"))}, folder: "/etc", pathErr: true,
			contains: []string{`"/etc"`, "absolute"}},
		{name: "missing folder", fsys: fstest.MapFS{"a.yaml": file(cm("a"))}, folder: "apps/web", pathErr: true,
			contains: []string{"apps does not exist"}},
		{name: "file, not folder", fsys: fstest.MapFS{"a.yaml": file(cm("a"))}, folder: "a.yaml", pathErr: true,
			contains: []string{"a.yaml is a file"}},
		{name: "symlinked folder", fsys: fstest.MapFS{"real/a.yaml": file(cm("a")), "k8s": symlink("real")}, folder: "k8s",
			pathErr: true, contains: []string{"k8s is a symlink"}},
		{name: "symlinked manifest", fsys: fstest.MapFS{"k8s/a.yaml": file(cm("a")), "k8s/b.yaml": symlink("../secret.yaml")},
			folder: "k8s", pathErr: true, contains: []string{`"k8s/b.yaml"`, "symlink"}},
		{name: "symlinked subfolder", fsys: fstest.MapFS{"k8s/a.yaml": file(cm("a")), "k8s/more": symlink("/etc")},
			folder: "k8s", pathErr: true, contains: []string{`"k8s/more"`, "symlink"}},
		{name: "symlink in kustomization folder", fsys: fstest.MapFS{
			"k/kustomization.yaml": file("resources: [a.yaml]\n"), "k/a.yaml": symlink("../x.yaml"), "x.yaml": file(cm("x"))},
			folder: "k", pathErr: true, contains: []string{`"k/a.yaml"`, "symlink"}},
		{name: "symlink needed by kustomize elsewhere", fsys: fstest.MapFS{
			"k/kustomization.yaml": file("resources: [../base]\n"), "base": symlink("real"),
			"real/kustomization.yaml": file("resources: [a.yaml]\n"), "real/a.yaml": file(cm("a"))},
			folder: "k", contains: []string{"symlinks are not followed", "base"}},
		{name: "duplicates across files", fsys: fstest.MapFS{"m/a.yaml": file(cm("x")), "m/sub/b.yaml": file(cm("x"))},
			folder: "m", contains: []string{"ConfigMap/x is defined twice", "m/a.yaml", "m/sub/b.yaml"}},
		{name: "duplicates in one file", fsys: fstest.MapFS{"m/a.yaml": file(cm("x") + "---\n" + cm("x"))},
			folder: "m", contains: []string{"ConfigMap/x is defined twice in m/a.yaml"}},
		{name: "same name in another namespace is no duplicate", fsys: fstest.MapFS{
			"m/a.yaml": file(cm("x") + "---\n" + strings.Replace(cm("x"), "name: x", "name: x\n  namespace: other", 1))},
			folder: "m", contains: nil},
		{name: "file too large", fsys: fstest.MapFS{"m/a.yaml": file(big)}, folder: "m",
			contains: []string{"m/a.yaml", "more than the limit"}},
		{name: "remote resource", fsys: fstest.MapFS{"k/kustomization.yaml": file("resources:\n- https://example.com/x.yaml\n")},
			folder: "k", contains: []string{"k/kustomization.yaml", "remote resources", "https://example.com/x.yaml"}},
		{name: "remote git base", fsys: fstest.MapFS{"k/kustomization.yaml": file("resources:\n- ../base\n"),
			"base/kustomization.yaml": file("bases:\n- github.com/org/repo//deploy?ref=v1\n")},
			folder: "k", contains: []string{"base/kustomization.yaml", "remote bases", "github.com/org/repo"}},
		{name: "remote component", fsys: fstest.MapFS{"k/kustomization.yaml": file("components:\n- git@github.com:org/repo.git\n")},
			folder: "k", contains: []string{"remote components"}},
		{name: "remote patch file", fsys: fstest.MapFS{"k/kustomization.yaml": file("resources: []\npatches:\n- path: https://example.com/p.yaml\n")},
			folder: "k", contains: []string{"remote files"}},
		{name: "kustomize failure", fsys: fstest.MapFS{"k/kustomization.yaml": file("resources:\n- missing.yaml\n")},
			folder: "k", contains: []string{"failed to build k/kustomization.yaml with kustomize", "missing.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Render(context.Background(), tt.fsys, tt.folder)
			if tt.contains == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("want an error, got none")
			}
			var pe *PathError
			if tt.pathErr != errors.As(err, &pe) {
				t.Errorf("*PathError: got %v, want %v (%v)", !tt.pathErr, tt.pathErr, err)
			}
			var pa *ParseError
			if tt.parseErr != errors.As(err, &pa) {
				t.Errorf("*ParseError: got %v, want %v (%v)", !tt.parseErr, tt.parseErr, err)
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestRenderLimits(t *testing.T) {
	t.Run("objects", func(t *testing.T) {
		var b strings.Builder
		for i := 0; i <= MaxObjects; i++ {
			b.WriteString("- {apiVersion: v1, kind: ConfigMap, metadata: {name: c")
			b.WriteString(itoa(i))
			b.WriteString("}}\n")
		}
		fsys := fstest.MapFS{"m/l.yaml": file("apiVersion: v1\nkind: List\nitems:\n" + b.String())}
		_, err := Render(context.Background(), fsys, "m")
		if err == nil || !strings.Contains(err.Error(), "more than 10000 objects") {
			t.Fatalf("want the object limit, got %v", err)
		}
	})
	t.Run("kustomize repository files", func(t *testing.T) {
		fsys := fstest.MapFS{"k/kustomization.yaml": file("resources: [a.yaml]\n"), "k/a.yaml": file(cm("a"))}
		for i := 0; i < MaxKustomizeFiles; i++ {
			fsys["docs/f"+itoa(i)] = file("x")
		}
		_, err := Render(context.Background(), fsys, "k")
		if err == nil || !strings.Contains(err.Error(), "more than 20000 files") {
			t.Fatalf("want the file limit, got %v", err)
		}
	})
	t.Run("kustomize output bytes", func(t *testing.T) {
		// 300 KiB in the repository, built 4 times: more than the bound (1 MiB here) out.
		defer func(b int64) { maxRenderedBytes = b }(maxRenderedBytes)
		maxRenderedBytes = 1 << 20
		fsys := fstest.MapFS{
			"base/kustomization.yaml": file("configMapGenerator:\n- name: big\n  files: [big.txt]\n"),
			"base/big.txt":            file(strings.Repeat("x", 300<<10)),
		}
		var res []string
		for i := 0; i < 4; i++ {
			o := "o" + itoa(i)
			res = append(res, "../"+o)
			fsys[o+"/kustomization.yaml"] = file("namePrefix: " + o + "-\nresources: [../base]\n")
		}
		fsys["k/kustomization.yaml"] = file("resources: [" + strings.Join(res, ", ") + "]\n")
		_, err := Render(context.Background(), fsys, "k")
		if err == nil || !strings.Contains(err.Error(), "more than 1 MiB of objects") {
			t.Fatalf("want the output limit, got %v", err)
		}
	})
	t.Run("plain folder bytes", func(t *testing.T) {
		defer func(b int64) { maxRenderedBytes = b }(maxRenderedBytes)
		maxRenderedBytes = 1 << 20
		pad := "# " + strings.Repeat("x", 600<<10) + "\n"
		fsys := fstest.MapFS{"m/a.yaml": file(pad + cm("a")), "m/b.yaml": file(pad + cm("b"))}
		_, err := Render(context.Background(), fsys, "m")
		if err == nil || !strings.Contains(err.Error(), "its manifests are more than 1 MiB") {
			t.Fatalf("want the size limit, got %v", err)
		}
	})
	t.Run("kustomize repository bytes", func(t *testing.T) {
		fsys := fstest.MapFS{"k/kustomization.yaml": file("resources: [a.yaml]\n"), "k/a.yaml": file(cm("a"))}
		chunk := strings.Repeat("x", 4<<20)
		for i := 0; i < 6; i++ {
			fsys["blobs/b"+itoa(i)] = file(chunk)
		}
		_, err := Render(context.Background(), fsys, "k")
		if err == nil || !strings.Contains(err.Error(), "larger than 20 MiB") {
			t.Fatalf("want the size limit, got %v", err)
		}
	})
}

func itoa(i int) string { return strconv.Itoa(i) }
