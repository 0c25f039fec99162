package sync

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// chartRepo is the repository of sync/testdata/chart: a chart web (helpers, a subchart db in
// charts/, values per environment, a pre-install hook, a CRD, NOTES.txt) and script.sh.
func chartRepo() fstest.MapFS {
	root := os.DirFS("testdata/chart")
	m := fstest.MapFS{}
	err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(root, p)
		m[p] = file(string(data))
		return err
	})
	if err != nil {
		panic(err)
	}
	return m
}

func objByName(t *testing.T, objs []Object, kind, name string) Object {
	t.Helper()
	for _, o := range objs {
		if o.Obj.GetKind() == kind && o.Obj.GetName() == name {
			return o
		}
	}
	t.Fatalf("no %s/%s in:\n%s", kind, name, summary(objs))
	return Object{}
}

func TestRenderChartOrderAndSources(t *testing.T) {
	objs, err := RenderWith(context.Background(), chartRepo(), "web", RenderOptions{
		Chart: &ChartSettings{Release: "shop", Namespace: "prod", Values: []string{"web/values-prod.yaml"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// CRDs first, then Helm's install order (Service, PVC, Deployment...), then the hook;
	// NOTES.txt is not an object; sources are repository paths of the templates.
	want := "CustomResourceDefinition/crontabs.example.com@web/crds/crontab.yaml\n" +
		"ConfigMap/prod/shop-web-config@web/templates/configmap.yaml\n" +
		"PersistentVolumeClaim/prod/shop-db@web/charts/db/templates/pvc.yaml\n" +
		"Service/prod/shop-web@web/templates/service.yaml\n" +
		"Deployment/prod/shop-web@web/templates/deployment.yaml\n" +
		"Job/prod/shop-web-migrate@web/templates/hook-migrate.yaml\n"
	if got := summary(objs); got != want {
		t.Errorf("objects:\n%s\nwant:\n%s", got, want)
	}
	d := objByName(t, objs, "Deployment", "shop-web").Obj
	cs, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	if img := cs[0].(map[string]interface{})["image"]; img != "nginx:1.28" {
		t.Errorf("image = %v, want nginx:1.28 (values-prod.yaml over values.yaml)", img)
	}
	if r, _, _ := unstructured.NestedInt64(d.Object, "spec", "replicas"); r != 3 {
		t.Errorf("replicas = %d, want 3", r)
	}
	pvc := objByName(t, objs, "PersistentVolumeClaim", "shop-db").Obj
	if s, _, _ := unstructured.NestedString(pvc.Object, "spec", "resources", "requests", "storage"); s != "1Gi" {
		t.Errorf("subchart size = %q, want 1Gi (parent values over the subchart's)", s)
	}
	cmap := objByName(t, objs, "ConfigMap", "shop-web-config").Obj
	data, _, _ := unstructured.NestedStringMap(cmap.Object, "data")
	if data["install"] != "true" || data["looked-up"] != "0" || data["greeting"] != "hello" {
		t.Errorf("configmap data = %v: want install true, lookup answering nothing, greeting hello", data)
	}
	h := objByName(t, objs, "Job", "shop-web-migrate")
	if a := h.Obj.GetAnnotations(); a["helm.sh/hook"] != "pre-install,pre-upgrade" || a["helm.sh/hook-weight"] != "-5" || a["helm.sh/hook-delete-policy"] != "before-hook-creation,hook-succeeded" {
		t.Errorf("hook annotations not kept: %v", a)
	}
}

func TestRenderChartValuesInOrder(t *testing.T) {
	repo := chartRepo()
	tests := []struct {
		name     string
		set      *ChartSettings
		replicas int64
		greeting string
		release  string
		ns       string
	}{
		{"defaults", nil, 1, "hello", "web", "default"},
		{"prod", &ChartSettings{Values: []string{"web/values-prod.yaml"}}, 3, "hello", "web", "default"},
		{"prod then staging", &ChartSettings{Release: "a", Namespace: "s", Values: []string{"web/values-prod.yaml", "web/values-staging.yaml"}}, 2, "staging", "a", "s"},
		{"staging then prod", &ChartSettings{Values: []string{"web/values-staging.yaml", "web/values-prod.yaml"}}, 3, "staging", "web", "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := RenderWith(context.Background(), repo, "web", RenderOptions{Chart: tt.set})
			if err != nil {
				t.Fatal(err)
			}
			d := objByName(t, objs, "Deployment", tt.release+"-web").Obj
			if r, _, _ := unstructured.NestedInt64(d.Object, "spec", "replicas"); r != tt.replicas {
				t.Errorf("replicas = %d, want %d", r, tt.replicas)
			}
			if d.GetNamespace() != tt.ns {
				t.Errorf("namespace = %q, want %q", d.GetNamespace(), tt.ns)
			}
			c := objByName(t, objs, "ConfigMap", tt.release+"-web-config").Obj
			if g, _, _ := unstructured.NestedString(c.Object, "data", "greeting"); g != tt.greeting {
				t.Errorf("greeting = %q, want %q", g, tt.greeting)
			}
		})
	}
}

func TestRenderChartSetFileAndCapabilities(t *testing.T) {
	objs, err := RenderWith(context.Background(), chartRepo(), "web", RenderOptions{
		Chart:        &ChartSettings{SetFiles: map[string]string{"script": "script.sh"}},
		Capabilities: &Capabilities{KubeVersion: "v1.33.2", APIVersions: []string{"v1", "apps/v1", "example.com/v1", "example.com/v1/Widget"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := objByName(t, objs, "ConfigMap", "web-web-config").Obj
	data, _, _ := unstructured.NestedStringMap(c.Object, "data")
	if data["script"] != "echo hi\n" || data["kube"] != "v1.33.2" || data["widgets"] != "yes" {
		t.Errorf("data = %v: want the set-file, the cluster's version and API versions", data)
	}
	// Without capabilities: Helm's defaults, as helm template.
	objs, err = RenderWith(context.Background(), chartRepo(), "web", RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, _, _ = unstructured.NestedStringMap(objByName(t, objs, "ConfigMap", "web-web-config").Obj.Object, "data")
	if _, ok := data["widgets"]; ok || data["kube"] == "v1.33.2" {
		t.Errorf("data = %v: want Helm's default capabilities", data)
	}
}

func TestRenderChartTemplateErrors(t *testing.T) {
	base := func(extra map[string]string) fstest.MapFS {
		m := chartRepo()
		for k, v := range extra {
			m[k] = file(v)
		}
		return m
	}
	tests := []struct {
		name, file string
		line       int
		msg        string
		repo       fstest.MapFS
	}{
		{"parse", "web/templates/bad.yaml", 3, "unclosed action", base(map[string]string{"web/templates/bad.yaml": "a: 1\nb: 2\nc: {{ .Values.x \n"})},
		{"exec nil", "web/templates/bad.yaml", 2, "nil pointer", base(map[string]string{"web/templates/bad.yaml": "a: 1\nb: {{ .Values.nope.deeper.x }}\n"})},
		{"required", "web/templates/bad.yaml", 1, "give a name", base(map[string]string{"web/templates/bad.yaml": "{{ required \"give a name\" .Values.name }}\n"})},
		// Helm keeps only the call site of a fail or required inside an include.
		{"fail in a helper", "web/templates/bad.yaml", 1, "boom", base(map[string]string{
			"web/templates/_more.tpl": "{{- define \"more\" -}}\n{{ fail \"boom\" }}\n{{- end }}\n",
			"web/templates/bad.yaml":  "x: {{ include \"more\" . }}\n",
		})},
		{"in a helper", "web/templates/_more.tpl", 2, "nil pointer", base(map[string]string{
			"web/templates/_more.tpl": "{{- define \"more\" -}}\n{{ .Values.no.such }}\n{{- end }}\n",
			"web/templates/bad.yaml":  "x: {{ include \"more\" . }}\n",
		})},
		{"subchart", "web/charts/db/templates/bad.yaml", 1, "nil pointer", base(map[string]string{"web/charts/db/templates/bad.yaml": "{{ .Values.a.b.c }}\n"})},
		{"invalid YAML rendered", "web/templates/bad.yaml", 0, "rendered invalid YAML", base(map[string]string{"web/templates/bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := RenderWith(context.Background(), tt.repo, "web", RenderOptions{})
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want a *ParseError", err, err)
			}
			if pe.File != tt.file || pe.Line != tt.line || !strings.Contains(pe.Msg, tt.msg) || strings.Contains(pe.Msg, "HELM_ERR") {
				t.Errorf("err = %#v, want %s line %d with %q", pe, tt.file, tt.line, tt.msg)
			}
		})
	}
}

func TestRenderChartHermetic(t *testing.T) {
	with := func(extra map[string]*fstest.MapFile) fstest.MapFS {
		m := chartRepo()
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	dep := func(repo string) *fstest.MapFile {
		return file("apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n  - name: db\n    version: 0.1.0\n  - name: common\n    version: 1.0.0\n    repository: " + repo + "\n")
	}
	tests := []struct {
		name string
		repo fstest.MapFS
		set  *ChartSettings
		want string // in the error
		as   interface{}
	}{
		{"https dependency", with(map[string]*fstest.MapFile{"web/Chart.yaml": dep("https://charts.example.com")}), nil, "not vendored in charts/", new(*HermeticError)},
		{"oci dependency", with(map[string]*fstest.MapFile{"web/Chart.yaml": dep("oci://registry.example.com/charts")}), nil, "fetches nothing", new(*HermeticError)},
		{"file dependency outside", with(map[string]*fstest.MapFile{"web/Chart.yaml": dep("file://../../elsewhere")}), nil, "outside the repository", new(*HermeticError)},
		{"file dependency absolute", with(map[string]*fstest.MapFile{"web/Chart.yaml": dep("file:///etc")}), nil, "absolute", new(*HermeticError)},
		{"values outside", chartRepo(), &ChartSettings{Values: []string{"web/../../etc/passwd"}}, "outside the repository", new(*PathError)},
		{"values absolute", chartRepo(), &ChartSettings{Values: []string{"/etc/passwd"}}, "absolute", new(*PathError)},
		{"values missing", chartRepo(), &ChartSettings{Values: []string{"web/values-dev.yaml"}}, "web/values-dev.yaml does not exist", new(*PathError)},
		{"values symlink", with(map[string]*fstest.MapFile{"web/values-link.yaml": symlink("values-prod.yaml")}), &ChartSettings{Values: []string{"web/values-link.yaml"}}, "symlink", new(*PathError)},
		{"symlink in chart", with(map[string]*fstest.MapFile{"web/templates/link.yaml": symlink("../../script.sh")}), nil, "symlink", new(*PathError)},
		{"set-file outside", chartRepo(), &ChartSettings{SetFiles: map[string]string{"a": "../x"}}, "outside the repository", new(*PathError)},
		{"schema ref", with(map[string]*fstest.MapFile{"web/values.schema.json": file(`{"$ref": "https://example.com/schema.json"}`)}), nil, "fetches nothing", nil},
		{"schema violated", with(map[string]*fstest.MapFile{"web/values.schema.json": file(`{"type": "object", "properties": {"replicaCount": {"type": "string"}}}`)}), nil, "values.schema.json", nil},
		{"alias bomb in values", with(map[string]*fstest.MapFile{"web/values-bomb.yaml": file(aliasBomb())}), &ChartSettings{Values: []string{"web/values-bomb.yaml"}}, "excessive aliasing", nil},
		{"bad release", chartRepo(), &ChartSettings{Release: "Not_A_Name"}, "release name", nil},
		{"kube version", with(map[string]*fstest.MapFile{"web/Chart.yaml": file("apiVersion: v2\nname: web\nversion: 0.1.0\nkubeVersion: '>= 9.0.0'\n")}), nil, "requires kubeVersion >= 9.0.0, and the cluster runs Kubernetes v1.33.0", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := RenderWith(context.Background(), tt.repo, "web", RenderOptions{Chart: tt.set, Capabilities: &Capabilities{KubeVersion: "v1.33.0"}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one with %q", err, tt.want)
			}
			if tt.as != nil && !errors.As(err, tt.as) {
				t.Errorf("err is a %T, want %T", err, tt.as)
			}
		})
	}
}

// Without the cluster's capabilities (a render for a fix or a registration check), Chart.yaml's
// kubeVersion is not held against Helm's default version.
func TestRenderChartKubeVersionWithoutCluster(t *testing.T) {
	m := chartRepo()
	m["web/Chart.yaml"] = file("apiVersion: v2\nname: web\nversion: 0.1.0\nkubeVersion: '>= 1.30.0-0'\n")
	if _, err := RenderWith(context.Background(), m, "web", RenderOptions{}); err != nil {
		t.Fatal(err)
	}
}

func aliasBomb() string {
	var b strings.Builder
	b.WriteString("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		b.WriteString(n + ": &" + n + " [")
		for i := 0; i < 9; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]\n")
		prev = n
	}
	return b.String()
}

func TestRenderChartFileDependency(t *testing.T) {
	m := chartRepo()
	m["web/Chart.yaml"] = file("apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n  - name: db\n    version: 0.1.0\n  - name: common\n    version: 1.0.0\n    repository: file://../libs/common\n")
	m["libs/common/Chart.yaml"] = file("apiVersion: v2\nname: common\nversion: 1.0.0\n")
	m["libs/common/templates/cm.yaml"] = file("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-common\n")
	objs, err := RenderWith(context.Background(), m, "web", RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if o := objByName(t, objs, "ConfigMap", "web-common"); o.Source != "libs/common/templates/cm.yaml" {
		t.Errorf("source = %q, want the file:// dependency's template", o.Source)
	}
	m["libs/common/templates/bad.yaml"] = file("x: {{ .Values.a.b }}\n")
	_, err = RenderWith(context.Background(), m, "web", RenderOptions{})
	if pe := (*ParseError)(nil); !errors.As(err, &pe) || pe.File != "libs/common/templates/bad.yaml" || pe.Line != 1 {
		t.Errorf("err = %v, want one naming libs/common/templates/bad.yaml line 1", err)
	}
	delete(m, "libs/common/templates/bad.yaml")
	in, err := InputsWith(context.Background(), m, "web", RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !hasPath(in, "libs/common/templates/cm.yaml") {
		t.Errorf("inputs %q lack the file:// dependency's template", in)
	}
}

func hasPath(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestChartInputs(t *testing.T) {
	m := chartRepo()
	m["web/.helmignore"] = file("*.md\n")
	m["web/README.md"] = file("# ignored\n")
	common := []string{"web/.helmignore", "web/Chart.yaml", "web/charts/db/Chart.yaml", "web/charts/db/templates/pvc.yaml",
		"web/charts/db/values.yaml", "web/crds/crontab.yaml", "web/templates/NOTES.txt", "web/templates/_helpers.tpl",
		"web/templates/configmap.yaml", "web/templates/deployment.yaml", "web/templates/hook-migrate.yaml",
		"web/templates/service.yaml"}
	with := func(m fstest.MapFS, name, body string) fstest.MapFS {
		out := maps.Clone(m)
		out[name] = file(body)
		return out
	}
	prod := &ChartSettings{Values: []string{"web/values-prod.yaml"}, SetFiles: map[string]string{"script": "script.sh"}}
	tests := []struct {
		name  string
		fsys  fstest.MapFS
		chart *ChartSettings
		extra []string // beyond common
	}{
		// values-staging.yaml is a file of the chart, but no input of prod: a change to it
		// does not preview prod (README.md is ignored by .helmignore).
		{"prod's settings", m, prod, []string{"script.sh", "web/values-prod.yaml", "web/values.yaml"}},
		{"the chart's defaults", m, nil, []string{"web/values.yaml"}},
		// A template that reads chart files may read any values file: all count.
		{"a template using .Files", with(m, "web/templates/files.yaml", "# {{ .Files.Get \"values-staging.yaml\" | len }}\n"), prod,
			[]string{"script.sh", "web/templates/files.yaml", "web/values-prod.yaml", "web/values-staging.yaml", "web/values.yaml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := InputsWith(context.Background(), tc.fsys, "web", RenderOptions{Chart: tc.chart})
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Sorted(slices.Values(append(slices.Clone(common), tc.extra...)))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("inputs:\n got %q\nwant %q", got, want)
			}
			if tc.chart == nil {
				if plain, err := Inputs(context.Background(), tc.fsys, "web"); err != nil || !reflect.DeepEqual(plain, want) {
					t.Errorf("Inputs = %q, %v; want InputsWith's with the defaults", plain, err)
				}
			}
		})
	}
}

func TestRenderChartBounds(t *testing.T) {
	t.Run("rendered bytes", func(t *testing.T) {
		old := maxRenderedBytes
		maxRenderedBytes = 1 << 10
		isolateCharts = false // the child process has the real bound
		defer func() { maxRenderedBytes, isolateCharts = old, true }()
		m := chartRepo()
		m["web/templates/big.yaml"] = file("{{ range until 200 }}# {{ . }} padding padding padding\n{{ end }}")
		_, err := RenderWith(context.Background(), m, "web", RenderOptions{})
		if err == nil || !strings.Contains(err.Error(), "rendered more than") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("objects", func(t *testing.T) {
		m := chartRepo()
		m["web/templates/many.yaml"] = file("{{ range until 10001 }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{{ . }}\n{{ end }}")
		_, err := RenderWith(context.Background(), m, "web", RenderOptions{})
		if err == nil || !strings.Contains(err.Error(), "more than 10000 objects") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("time", func(t *testing.T) {
		m := chartRepo()
		// A template that runs for long: the render stops at the context's deadline.
		m["web/templates/slow.yaml"] = file("{{ range until 3000 }}{{ range until 3000 }}{{ end }}{{ end }}")
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := RenderWith(ctx, m, "web", RenderOptions{})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the deadline", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("render took %v after its deadline", d)
		}
	})
}

// A template that would take all the memory stops its own render process, and says why.
func TestRenderChartMemoryBomb(t *testing.T) {
	m := chartRepo()
	m["web/templates/bomb.yaml"] = file("{{ $x := until 400000000 }}{{ range $x }}{{ end }}")
	_, err := RenderWith(testCtx(t), m, "web", RenderOptions{})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("more than %d MiB of memory", MaxChartRenderMemory>>20)) {
		t.Fatalf("err = %v", err)
	}
	// The renders after it are fine.
	if _, err := RenderWith(testCtx(t), chartRepo(), "web", RenderOptions{}); err != nil {
		t.Fatal(err)
	}
}

// Rendering in a child process and in this one give the same objects and errors.
func TestRenderChartChildSameAsHere(t *testing.T) {
	m := chartRepo()
	opts := RenderOptions{Chart: &ChartSettings{Release: "shop", Namespace: "prod", Values: []string{"web/values-prod.yaml"}, SetFiles: map[string]string{"script": "script.sh"}},
		Capabilities: &Capabilities{KubeVersion: "v1.33.2", APIVersions: []string{"v1", "example.com/v1/Widget"}}}
	render := func(isolated bool, m fstest.MapFS) ([]Object, error) {
		isolateCharts = isolated
		defer func() { isolateCharts = true }()
		return RenderWith(context.Background(), m, "web", opts)
	}
	child, err := render(true, m)
	if err != nil {
		t.Fatal(err)
	}
	here, err := render(false, m)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(child, here) {
		t.Errorf("child:\n%s\nhere:\n%s", summary(child), summary(here))
	}
	m["web/templates/bad.yaml"] = file("a: {{ .Values.x.y }}\n")
	_, errChild := render(true, m)
	_, errHere := render(false, m)
	var pc, ph *ParseError
	if !errors.As(errChild, &pc) || !errors.As(errHere, &ph) || !reflect.DeepEqual(pc, ph) {
		t.Errorf("child: %v\nhere: %v", errChild, errHere)
	}
}

func TestPlainFolderSkipsChart(t *testing.T) {
	m := chartRepo()
	m["cm.yaml"] = file(cm("top"))
	objs, err := Render(context.Background(), m, ".")
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(objs); got != "ConfigMap/top@cm.yaml\n" {
		t.Errorf("plain render of the root read the chart: %s", got)
	}
	if !IsChart(m, "web") || IsChart(m, ".") {
		t.Error("IsChart")
	}
}

func TestChartLookups(t *testing.T) {
	m := chartRepo()
	m["web/charts/db/templates/secret.yaml"] = file("{{- $s := (lookup \"v1\" \"Secret\" .Release.Namespace \"db\") }}\n")
	got := ChartLookups(m, "web")
	if want := []string{"web/charts/db/templates/secret.yaml", "web/templates/configmap.yaml"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ChartLookups = %q, want %q", got, want)
	}
	if got := ChartLookups(m, "web/templates"); got != nil {
		t.Errorf("ChartLookups(not a chart) = %q", got)
	}
}

func TestRenderChartArchiveBound(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zeros := make([]byte, 1<<20)
	for i := 0; i < (MaxChartBytes>>20)+1; i++ {
		zw.Write(zeros)
	}
	zw.Close()
	m := chartRepo()
	m["web/charts/bomb-0.1.0.tgz"] = &fstest.MapFile{Data: buf.Bytes(), Mode: 0o644}
	_, err := RenderWith(context.Background(), m, "web", RenderOptions{})
	if err == nil || !strings.Contains(err.Error(), "once web/charts/bomb-0.1.0.tgz is unpacked") {
		t.Fatalf("err = %v", err)
	}
}

func TestRenderChartVendoredArchive(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range map[string]string{
		"cache/Chart.yaml":        "apiVersion: v2\nname: cache\nversion: 0.2.0\n",
		"cache/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cache\n  namespace: {{ .Release.Namespace }}\n",
	} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	m := chartRepo()
	m["web/charts/cache-0.2.0.tgz"] = &fstest.MapFile{Data: buf.Bytes(), Mode: 0o644}
	objs, err := RenderWith(context.Background(), m, "web", RenderOptions{Chart: &ChartSettings{Namespace: "shop"}})
	if err != nil {
		t.Fatal(err)
	}
	if o := objByName(t, objs, "ConfigMap", "web-cache"); o.Obj.GetNamespace() != "shop" || o.Source != "web/charts/cache/templates/cm.yaml" {
		t.Errorf("archive subchart object %s from %s", RefOf(o.Obj), o.Source)
	}
}

// A chart at the repository root renders; a CRD that is not valid YAML is named with its line.
func TestRenderChartAtRoot(t *testing.T) {
	m := fstest.MapFS{
		"Chart.yaml":          file("apiVersion: v2\nname: root\nversion: 0.1.0\n"),
		"templates/cm.yaml":   file("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"),
		".git/config":         file("[core]\n"),
		"crds/widget.yaml":    file(crdYAML("example.com", "Widget", "widgets")),
		"docs/values-x.yaml":  file("a: 1\n"),
		".github/ci/job.yaml": file(cm("ci")),
	}
	objs, err := RenderWith(context.Background(), m, ".", RenderOptions{Chart: &ChartSettings{Release: "top"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summary(objs), "CustomResourceDefinition/widgets.example.com@crds/widget.yaml\nConfigMap/top@templates/cm.yaml\n"; got != want {
		t.Errorf("objects:\n%s\nwant:\n%s", got, want)
	}
	m["crds/widget.yaml"] = file("apiVersion: v1\nkind: X\nmetadata: [\n")
	_, err = RenderWith(context.Background(), m, ".", RenderOptions{})
	var pe *ParseError
	if !errors.As(err, &pe) || pe.File != "crds/widget.yaml" || pe.Line == 0 {
		t.Errorf("err = %#v, want crds/widget.yaml with its line", err)
	}
}

// Hooks come after the other objects, by weight then name, as Helm runs them.
func TestRenderChartHookOrder(t *testing.T) {
	m := chartRepo()
	hook := func(name, weight string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n  annotations:\n    helm.sh/hook: post-install\n    helm.sh/hook-weight: \"" + weight + "\"\n"
	}
	m["web/templates/hooks.yaml"] = file(hook("a-late", "10") + "---\n" + hook("z-early", "-10") + "---\n" + hook("b-zero", "0"))
	objs, err := RenderWith(context.Background(), m, "web", RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range objs[len(objs)-4:] {
		names = append(names, o.Obj.GetName())
	}
	if want := []string{"z-early", "web-web-migrate", "b-zero", "a-late"}; !reflect.DeepEqual(names, want) {
		t.Errorf("last objects %q, want the hooks by weight %q", names, want)
	}
}
