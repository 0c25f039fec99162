package sync

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"sigs.k8s.io/kustomize/api/types"
)

// listener is a local HTTP server that counts the connections and requests it gets.
type listener struct {
	URL            string
	conns, request atomic.Int32
}

func startListener(t *testing.T) *listener {
	t.Helper()
	l := &listener{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.request.Add(1)
		fmt.Fprint(w, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fetched\ndata:\n  secret: from-the-network\n")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			l.conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("the test server listens on %s, not on 127.0.0.1", srv.URL)
	}
	l.URL = srv.URL
	return l
}

func (l *listener) reached() int { return int(l.conns.Load() + l.request.Load()) }

// indent indents every line of s by n spaces, for a YAML block scalar.
func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n"+pad) + "\n"
}

// The control: kustomize itself, without the hermetic check, does fetch what an inline
// generator names. The refusals below are Rigel's, not kustomize's.
func TestHermeticControlKustomizeFetches(t *testing.T) {
	l := startListener(t)
	fsys := fstest.MapFS{"k/kustomization.yaml": file("generators:\n- |\n" + indent(
		"apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata: {name: leak}\nfiles: [x="+l.URL+"/meta]\n", 2))}
	mem, _, err := copyRepo(fsys, "k")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rm, err := runKustomize(ctx, &guardedFS{FileSystem: mem, ctx: ctx}, "k")
	if err != nil {
		t.Fatalf("kustomize: %v", err)
	}
	if l.request.Load() == 0 {
		t.Fatal("kustomize did not fetch the URL: the hermetic tests would prove nothing")
	}
	if y, _ := rm.AsYaml(); !strings.Contains(string(y), "from-the-network") {
		t.Errorf("the build lacks what was fetched:\n%s", y)
	}
	if err := checkHermetic(ctx, mem, "k"); err == nil {
		t.Error("checkHermetic accepts what kustomize fetched")
	}
}

// Every kustomize field that can name a URL, a plugin or a file outside the repository is
// refused, inline or in a file, naming the file and the field, and nothing reaches the
// network.
func TestRenderHermetic(t *testing.T) {
	l := startListener(t)
	u := l.URL + "/latest/meta-data"
	k := func(s string) fstest.MapFS {
		return fstest.MapFS{"k/kustomization.yaml": file(s), "k/cm.yaml": file(cm("a"))}
	}
	inline := func(field, config string) fstest.MapFS {
		return k(field + ":\n- |\n" + indent(config, 2))
	}
	inFile := func(field, config string) fstest.MapFS {
		fs := k(field + ":\n- plugin.yaml\n")
		fs["k/plugin.yaml"] = file(config)
		return fs
	}
	const kf = "k/kustomization.yaml"
	cmGen := "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata: {name: leak}\n"
	secGen := "apiVersion: builtin\nkind: SecretGenerator\nmetadata: {name: leak}\n"
	patchT := "apiVersion: builtin\nkind: PatchTransformer\nmetadata: {name: p}\n"
	jsonT := "apiVersion: builtin\nkind: PatchJson6902Transformer\nmetadata: {name: p}\ntarget: {kind: ConfigMap, name: a}\n"
	smpT := "apiVersion: builtin\nkind: PatchStrategicMergeTransformer\nmetadata: {name: p}\n"
	replT := "apiVersion: builtin\nkind: ReplacementTransformer\nmetadata: {name: r}\n"
	valueT := "apiVersion: builtin\nkind: ValueAddTransformer\nmetadata: {name: v}\nvalue: x\n"
	helmG := "apiVersion: builtin\nkind: HelmChartInflationGenerator\nmetadata: {name: h}\nchartName: x\nchartRepoUrl: " + u + "\n"
	krm := "apiVersion: example.com/v1\nkind: Fetcher\nmetadata:\n  name: f\n  annotations:\n    config.kubernetes.io/function: |\n      container:\n        image: example.com/fetcher:1\n"
	tests := []struct {
		name string
		fs   fstest.MapFS
		want []string // in the error: the file, the field, the value or the reason
	}{
		// The kustomization's own fields.
		{"resources", k("resources:\n- " + u + "\n"), []string{kf, "resources[0]", u, "is a URL", "remote resources", "copy it into the repository"}},
		{"resources, a git URL", k("resources:\n- git::" + l.URL + "/org/repo\n"), []string{kf, "resources[0]", "is a git URL"}},
		{"resources, a field name kustomize takes in any case", k("Resources:\n- " + u + "\n"), []string{kf, "resources[0]", u}},
		{"bases", k("bases:\n- " + l.URL + "/org/repo.git//deploy?ref=v1\n"), []string{kf, "bases[0]", "remote bases"}},
		{"components", k("resources: [cm.yaml]\ncomponents:\n- " + u + "\n"), []string{kf, "components[0]", "remote components"}},
		{"crds", k("resources: [cm.yaml]\ncrds:\n- " + u + "\n"), []string{kf, "crds[0]", u}},
		{"configurations", k("resources: [cm.yaml]\nconfigurations:\n- " + u + "\n"), []string{kf, "configurations[0]", u}},
		{"generators, a path", k("generators:\n- " + u + "\n"), []string{kf, "generators[0]", u, "remote generators"}},
		{"transformers, a path", k("resources: [cm.yaml]\ntransformers:\n- " + u + "\n"), []string{kf, "transformers[0]", u}},
		{"validators, a path", k("resources: [cm.yaml]\nvalidators:\n- " + u + "\n"), []string{kf, "validators[0]", u}},
		{"patches path", k("resources: [cm.yaml]\npatches:\n- path: " + u + "\n"), []string{kf, "patches[0].path", u}},
		{"patchesStrategicMerge", k("resources: [cm.yaml]\npatchesStrategicMerge:\n- " + u + "\n"), []string{kf, "patchesStrategicMerge[0]", u}},
		{"patchesJson6902 path", k("resources: [cm.yaml]\npatchesJson6902:\n- path: " + u + "\n  target: {kind: ConfigMap, name: a}\n"), []string{kf, "patchesJson6902[0].path", u}},
		{"configMapGenerator files", k("configMapGenerator:\n- name: x\n  files:\n  - x=" + u + "\n"), []string{kf, "configMapGenerator[0].files[0]", "x=" + u}},
		{"configMapGenerator envs", k("configMapGenerator:\n- name: x\n  envs:\n  - " + u + "\n"), []string{kf, "configMapGenerator[0].envs[0]", u}},
		{"configMapGenerator env", k("configMapGenerator:\n- name: x\n  env: " + u + "\n"), []string{kf, "configMapGenerator[0].env", u}},
		{"secretGenerator files", k("secretGenerator:\n- name: x\n  files:\n  - " + u + "\n"), []string{kf, "secretGenerator[0].files[0]", u}},
		{"secretGenerator envs", k("secretGenerator:\n- name: x\n  envs:\n  - " + u + "\n"), []string{kf, "secretGenerator[0].envs[0]", u}},
		{"replacements path", k("resources: [cm.yaml]\nreplacements:\n- path: " + u + "\n"), []string{kf, "replacements[0].path", u}},
		{"openapi path", k("resources: [cm.yaml]\nopenapi:\n  path: " + u + "\n"), []string{kf, "openapi is refused", "OpenAPI schema"}},
		{"helmCharts", k("helmCharts:\n- name: x\n  version: 1.0.0\n  releaseName: x\n  repo: " + u + "\n"), []string{kf, "helmCharts[0] (x) repo", "not on its allowlist (RIGEL_HELM_REPOSITORIES)"}},
		{"helmCharts in a base", func() fstest.MapFS {
			m := k("resources: [base]\n")
			m["k/base/kustomization.yaml"] = file("helmCharts:\n- name: x\n  version: 1.0.0\n  releaseName: x\n  repo: " + u + "\n")
			return m
		}(), []string{"k/base/kustomization.yaml", "helmCharts is refused", "only in the kustomization it builds"}},
		{"helmGlobals", k("resources: [cm.yaml]\nhelmGlobals:\n  chartHome: charts\n"), []string{kf, "helmGlobals is refused", "helmCharts"}},
		{"helmChartInflationGenerator", k("helmChartInflationGenerator:\n- chartName: x\n  chartRepoUrl: " + u + "\n"), []string{kf, "helmChartInflationGenerator is refused", "older form of helmCharts"}},

		// Plugin configs written inline.
		{"inline ConfigMapGenerator files", inline("generators", cmGen+"files: [x="+u+"]\n"), []string{kf, "generators[0] (inline ConfigMapGenerator) files[0]", "x=" + u, "is a URL"}},
		{"inline ConfigMapGenerator envs", inline("generators", cmGen+"envs: ["+u+"]\n"), []string{kf, "generators[0] (inline ConfigMapGenerator) envs[0]", u}},
		{"inline SecretGenerator env", inline("generators", secGen+"env: "+u+"\n"), []string{kf, "generators[0] (inline SecretGenerator) env", u}},
		{"inline PatchTransformer path", inline("transformers", patchT+"path: "+u+"\n"), []string{kf, "transformers[0] (inline PatchTransformer) path", u}},
		{"inline PatchTransformer Path, spelled as encoding/json also takes it", inline("transformers", patchT+"Path: "+u+"\n"), []string{kf, "transformers[0] (inline PatchTransformer) Path", u}},
		{"inline PatchJson6902Transformer path", inline("transformers", jsonT+"path: "+u+"\n"), []string{kf, "transformers[0] (inline PatchJson6902Transformer) path", u}},
		{"inline PatchStrategicMergeTransformer paths", inline("transformers", smpT+"paths: ["+u+"]\n"), []string{kf, "transformers[0] (inline PatchStrategicMergeTransformer) paths[0]", u}},
		{"inline ReplacementTransformer replacements path", inline("transformers", replT+"replacements:\n- path: "+u+"\n"), []string{kf, "transformers[0] (inline ReplacementTransformer) replacements[0].path", u}},
		{"inline ValueAddTransformer targetFilePath", inline("transformers", valueT+"targetFilePath: "+u+"\n"), []string{kf, "(inline ValueAddTransformer) targetFilePath", u}},
		{"inline validator", inline("validators", patchT+"path: "+u+"\n"), []string{kf, "validators[0] (inline PatchTransformer) path", u}},
		{"inline HelmChartInflationGenerator", inline("generators", helmG), []string{kf, "generators[0] (inline HelmChartInflationGenerator) is refused", "older form of helmCharts"}},
		{"inline, second document", inline("transformers", "apiVersion: builtin\nkind: LabelTransformer\nmetadata: {name: l}\nlabels: {a: b}\nfieldSpecs: [{path: metadata/labels, create: true}]\n---\n"+patchT+"path: "+u+"\n"),
			[]string{kf, "transformers[0] (inline, document 2: PatchTransformer) path", u}},
		{"inline KRM function", inline("generators", krm), []string{kf, "generators[0] (inline Fetcher)", "not one of kustomize's built-in plugins", "KRM-function"}},
		{"inline plugin in an unknown field", inline("generators", cmGen+"literals: [a=b]\nsources: ["+u+"]\n"), []string{kf, "(inline ConfigMapGenerator) sources[0]", u}},

		// Plugin configs in a file the kustomization lists.
		{"file ConfigMapGenerator files", inFile("generators", cmGen+"files: [x="+u+"]\n"), []string{"k/plugin.yaml (generators[0] of k/kustomization.yaml)", "ConfigMapGenerator files[0]", "x=" + u}},
		{"file SecretGenerator envs", inFile("generators", secGen+"envs: ["+u+"]\n"), []string{"k/plugin.yaml", "SecretGenerator envs[0]", u}},
		{"file PatchTransformer path", inFile("transformers", patchT+"path: "+u+"\n"), []string{"k/plugin.yaml (transformers[0] of k/kustomization.yaml)", "PatchTransformer path", u}},
		{"file PatchJson6902Transformer path", inFile("transformers", jsonT+"path: "+u+"\n"), []string{"k/plugin.yaml", "PatchJson6902Transformer path", u}},
		{"file PatchStrategicMergeTransformer paths", inFile("transformers", smpT+"paths: ["+u+"]\n"), []string{"k/plugin.yaml", "PatchStrategicMergeTransformer paths[0]", u}},
		{"file ReplacementTransformer", inFile("transformers", replT+"replacements:\n- path: "+u+"\n"), []string{"k/plugin.yaml", "ReplacementTransformer replacements[0].path", u}},
		{"file ValueAddTransformer", inFile("transformers", valueT+"targetFilePath: "+u+"\n"), []string{"k/plugin.yaml", "ValueAddTransformer targetFilePath", u}},
		{"file validator", inFile("validators", patchT+"path: "+u+"\n"), []string{"k/plugin.yaml (validators[0] of k/kustomization.yaml)", "PatchTransformer path", u}},
		{"file HelmChartInflationGenerator", inFile("generators", helmG), []string{"k/plugin.yaml", "HelmChartInflationGenerator is refused", "older form of helmCharts"}},
		{"file KRM function", inFile("transformers", krm), []string{"k/plugin.yaml", "Fetcher", "not one of kustomize's built-in plugins"}},
		{"file, second document", inFile("generators", cmGen+"literals: [a=b]\n---\n"+strings.Replace(cmGen, "leak", "leak2", 1)+"files: ["+u+"]\n"), []string{"k/plugin.yaml", "document 2 (ConfigMapGenerator) files[0]", u}},

		// Plugin configs in a folder the kustomization lists.
		{"folder of plugin configs", fstest.MapFS{
			"k/kustomization.yaml":    file("generators:\n- ../gens\n"),
			"gens/kustomization.yaml": file("resources: [cm.yaml]\n"),
			"gens/cm.yaml":            file(cmGen + "files: [x=" + u + "]\n"),
		}, []string{"gens/cm.yaml (resources[0] of gens/kustomization.yaml, generators[0] of k/kustomization.yaml)", "ConfigMapGenerator files[0]", u}},
		{"folder of plugin configs that patches them", fstest.MapFS{
			"k/kustomization.yaml":    file("generators:\n- ../gens\n"),
			"gens/kustomization.yaml": file("resources: [cm.yaml]\npatches:\n- patch: |\n    apiVersion: builtin\n    kind: ConfigMapGenerator\n    metadata: {name: leak}\n    files: [x=" + u + "]\n"),
			"gens/cm.yaml":            file(cmGen + "literals: [a=b]\n"),
		}, []string{"gens/kustomization.yaml (generators[0] of k/kustomization.yaml)", "patches is refused in a folder of plugin configs"}},

		// Deeper: what a base or a component names.
		{"a base's inline generator", fstest.MapFS{
			"k/kustomization.yaml":    file("resources: [../base]\n"),
			"base/kustomization.yaml": file("generators:\n- |\n" + indent(cmGen+"files: [x="+u+"]\n", 2)),
		}, []string{"base/kustomization.yaml", "generators[0] (inline ConfigMapGenerator) files[0]", u}},
		{"a component's transformer file", fstest.MapFS{
			"k/kustomization.yaml":    file("resources: [cm.yaml]\ncomponents: [../comp]\n"),
			"k/cm.yaml":               file(cm("a")),
			"comp/kustomization.yaml": file("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ntransformers: [t.yaml]\n"),
			"comp/t.yaml":             file(patchT + "path: " + u + "\n"),
		}, []string{"comp/t.yaml (transformers[0] of comp/kustomization.yaml)", "PatchTransformer path", u}},

		// Outside the repository, absolute, or another git form.
		{"files, absolute", k("configMapGenerator:\n- name: x\n  files: [/etc/passwd]\n"), []string{kf, "configMapGenerator[0].files[0]", "/etc/passwd", "absolute"}},
		{"inline path outside the repository", inline("transformers", patchT+"path: ../../../etc/passwd\n"), []string{kf, "(inline PatchTransformer) path", "is outside the repository"}},
		{"resources, ssh", k("resources:\n- ssh://git@" + strings.TrimPrefix(l.URL, "http://") + "/org/repo\n"), []string{kf, "resources[0]", "is a URL"}},
		{"resources, file URL", k("resources:\n- file:///etc\n"), []string{kf, "resources[0]", "is a URL"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := l.reached()
			objs, err := Render(context.Background(), tc.fs, "k")
			if l.reached() != before {
				t.Errorf("the server was reached %d times", l.reached()-before)
			}
			if err == nil {
				t.Fatalf("rendered %d objects, want a refusal", len(objs))
			}
			var he *HermeticError
			if !errors.As(err, &he) {
				t.Errorf("error %T is not a *HermeticError: %v", err, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	if n := l.reached(); n != 0 {
		t.Fatalf("the server got %d connections and requests, want none", n)
	}
}

// What is data, and local files, render as before.
func TestRenderHermeticAllowsLocal(t *testing.T) {
	cmGen := "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata: {name: gen}\n"
	fsys := fstest.MapFS{
		"apps/base/kustomization.yaml": file("resources: [deploy.yaml]\n"),
		"apps/base/deploy.yaml": file("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector: {matchLabels: {app: web}}\n" +
			"  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n"),
		"apps/prod/kustomization.yaml": file(`resources: [../base]
commonAnnotations:
  docs: https://docs.example.com/web
images:
- name: nginx
  newName: registry.example.com:5000/mirror/nginx
  newTag: "1.27"
configMapGenerator:
- name: settings
  files: [app.properties, custom=conf/extra.txt]
  envs: [web.env]
  literals: [url=https://api.example.com/v1]
generators:
- gen.yaml
- ../gens
- |
` + indent(cmGen+"files: [inline=app.properties]\n", 2) + `transformers:
- |
` + indent("apiVersion: builtin\nkind: PatchTransformer\nmetadata: {name: p}\ntarget: {kind: Deployment}\npatch: |\n  - op: add\n    path: /metadata/annotations/source\n    value: https://git.example.com/org/repo\n", 2) + `patches:
- patch: |
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      annotations:
        runbook: https://runbooks.example.com/web?ref=main
patchesStrategicMerge:
- |
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    annotations:
      owner: git@example.com
`),
		"apps/prod/app.properties":     file("a=1\n"),
		"apps/prod/conf/extra.txt":     file("extra\n"),
		"apps/prod/web.env":            file("MODE=prod\n"),
		"apps/prod/gen.yaml":           file("apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata: {name: from-file}\nliterals: [k=https://example.com]\n"),
		"apps/gens/kustomization.yaml": file("resources: [more.yaml]\n"),
		"apps/gens/more.yaml":          file("apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata: {name: from-folder}\nfiles: [web.env]\n"),
	}
	objs, err := Render(context.Background(), fsys, "apps/prod")
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	var names []string
	for _, o := range objs {
		names = append(names, RefOf(o.Obj).String())
		if o.Obj.GetKind() == "Deployment" {
			a := o.Obj.GetAnnotations()
			for k, v := range map[string]string{"docs": "https://docs.example.com/web", "runbook": "https://runbooks.example.com/web?ref=main",
				"owner": "git@example.com", "source": "https://git.example.com/org/repo"} {
				if a[k] != v {
					t.Errorf("annotation %s = %q, want %q", k, a[k], v)
				}
			}
			if got := fmt.Sprint(o.Obj.Object["spec"].(map[string]interface{})["template"]); !strings.Contains(got, "registry.example.com:5000/mirror/nginx:1.27") {
				t.Errorf("image not set: %s", got)
			}
		}
	}
	got := strings.Join(names, " ")
	for _, w := range []string{"Deployment/web", "ConfigMap/settings-", "ConfigMap/gen-", "ConfigMap/from-file-", "ConfigMap/from-folder-"} {
		if !strings.Contains(got, w) {
			t.Errorf("objects %s lack %s", got, w)
		}
	}
}

// A render stops at its context's deadline with a clear error, and the abandoned kustomize
// build stops too.
func TestRenderDeadline(t *testing.T) {
	// Each level includes the next one twice (with two name prefixes): 2^16 ConfigMaps, a
	// legal kustomization that takes kustomize far longer than the deadline to build.
	const depth = 16
	fsys := fstest.MapFS{fmt.Sprintf("l%d/kustomization.yaml", depth): file("resources: [cm.yaml]\n"), fmt.Sprintf("l%d/cm.yaml", depth): file(cm("c"))}
	for i := 0; i < depth; i++ {
		fsys[fmt.Sprintf("l%d/kustomization.yaml", i)] = file("resources: [a, b]\n")
		for _, side := range []string{"a", "b"} {
			fsys[fmt.Sprintf("l%d/%s/kustomization.yaml", i, side)] = file(fmt.Sprintf("namePrefix: %s-\nresources: [../../l%d]\n", side, i+1))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	objs, err := Render(ctx, fsys, "l0")
	took := time.Since(start)
	if err == nil {
		t.Fatalf("rendered %d objects, want the deadline", len(objs))
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "did not finish in time and was stopped") {
		t.Errorf("error %v, want the deadline", err)
	}
	if took > 5*time.Second {
		t.Errorf("Render returned after %v, want about the deadline", took)
	}
	// The abandoned build stops at its next file access.
	for deadline := time.Now().Add(15 * time.Second); runningBuilds.Load() != 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d kustomize builds still running 15s after the deadline", runningBuilds.Load())
		}
	}
	// A cancelled context stops a render too, and says so.
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if _, err := Render(cctx, fsys, "l0"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// Only kustomize's built-in plugins run: exec, Go, KRM-function and containerized plugins
// and helm are disabled in the options, so kustomize itself refuses them should the check miss one.
func TestKustomizeOptionsDisablePlugins(t *testing.T) {
	o := kustomizeOptions()
	if o.PluginConfig.PluginRestrictions != types.PluginRestrictionsBuiltinsOnly || o.PluginConfig.BpLoadingOptions != types.BploUseStaticallyLinked ||
		o.PluginConfig.HelmConfig.Enabled || o.PluginConfig.FnpLoadingOptions.EnableExec || o.PluginConfig.FnpLoadingOptions.Network ||
		o.LoadRestrictions != types.LoadRestrictionsRootOnly {
		t.Fatalf("options allow more than built-in plugins: %+v %+v", o, o.PluginConfig)
	}
	fsys := fstest.MapFS{
		"k/kustomization.yaml": file("generators: [fn.yaml, exec.yaml]\n"),
		"k/fn.yaml": file("apiVersion: example.com/v1\nkind: Fetcher\nmetadata:\n  name: f\n  annotations:\n    config.kubernetes.io/function: |\n" +
			"      exec:\n        path: /bin/sh\n"),
		"k/exec.yaml": file("apiVersion: example.com/v1\nkind: Exec\nmetadata: {name: e}\n"),
	}
	mem, _, err := copyRepo(fsys, "k")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err = runKustomize(ctx, &guardedFS{FileSystem: mem, ctx: ctx}, "k")
	if err == nil || !strings.Contains(err.Error(), "external plugins disabled") {
		t.Errorf("kustomize ran a plugin that is not built in: %v", err)
	}
}

func TestRemoteForm(t *testing.T) {
	for _, tc := range []struct {
		s      string
		remote bool
	}{
		{"https://example.com/x.yaml", true}, {"HTTP://example.com/x", true}, {"file:///etc", true},
		{"git::github.com/org/repo", true}, {"http:127.0.0.1/x", true}, {"HTTPS:/x", true}, {"GIT::https://x/y", true}, {"git@github.com:org/repo", true},
		{"deploy@example.org/org/repo", true}, {"github.com/org/repo//x?ref=v1", true}, {"GitHub.com:org/repo", true},
		{"../base", false}, {"cm.yaml", false}, {"x=conf/app.properties", false}, {"gitops/base", false},
	} {
		if got := remoteForm(tc.s) != ""; got != tc.remote {
			t.Errorf("remoteForm(%q) = %q, want remote %v", tc.s, remoteForm(tc.s), tc.remote)
		}
	}
}
