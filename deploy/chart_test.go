package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pmezard/go-difflib/difflib"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/releaseutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/yaml"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/kube"
)

const chartDir = "chart/rigel"

// renderChart renders the chart as `helm install --namespace ns` would (Helm's engine, the
// chart's values under vals, its values.schema.json, Helm's install order), and decodes the
// objects.
func renderChart(t *testing.T, ns string, vals map[string]any) []*unstructured.Unstructured {
	t.Helper()
	objs, err := renderChartErr(ns, vals)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func renderChartErr(ns string, vals map[string]any) ([]*unstructured.Unstructured, error) {
	ch, err := loader.Load(chartDir)
	if err != nil {
		return nil, fmt.Errorf("failed to load the chart: %w", err)
	}
	opts := chartutil.ReleaseOptions{Name: "rigel", Namespace: ns, Revision: 1, IsInstall: true}
	values, err := chartutil.ToRenderValues(ch, vals, opts, chartutil.DefaultCapabilities)
	if err != nil {
		return nil, fmt.Errorf("failed to take the values: %w", err)
	}
	files, err := engine.Render(ch, values)
	if err != nil {
		return nil, fmt.Errorf("failed to render the chart: %w", err)
	}
	for name, text := range files { // Helm prints the notes, it does not apply them
		if strings.HasSuffix(name, "/NOTES.txt") {
			if !strings.Contains(text, "helm uninstall") {
				return nil, fmt.Errorf("%s renders without its text:\n%s", name, text)
			}
			delete(files, name)
		}
	}
	hooks, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return nil, fmt.Errorf("failed to split the rendered manifests: %w", err)
	}
	if len(hooks) > 0 {
		return nil, fmt.Errorf("the chart renders %d hooks: Rigel's engine would not run them as Helm does", len(hooks))
	}
	var out []*unstructured.Unstructured
	for _, m := range manifests {
		js, err := yaml.YAMLToJSON([]byte(m.Content))
		if err != nil {
			return nil, fmt.Errorf("%s is not YAML: %w", m.Name, err)
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(js); err != nil {
			return nil, fmt.Errorf("%s is not an object: %w", m.Name, err)
		}
		out = append(out, u)
	}
	return out, nil
}

// helmOnly are the labels and annotations the chart adds to the base's objects for Helm.
var helmOnly = []string{"app.kubernetes.io/instance", "app.kubernetes.io/managed-by", "helm.sh/chart", "helm.sh/resource-policy"}

// withoutHelm is u without Helm's labels and annotations, on the object and its pod template.
func withoutHelm(u *unstructured.Unstructured) *unstructured.Unstructured {
	u = u.DeepCopy()
	for _, path := range [][]string{{"metadata"}, {"spec", "template", "metadata"}} {
		for _, field := range []string{"labels", "annotations"} {
			p := append(slices.Clone(path), field)
			m, ok, _ := unstructured.NestedStringMap(u.Object, p...)
			if !ok {
				continue
			}
			for _, k := range helmOnly {
				delete(m, k)
			}
			if len(m) == 0 {
				unstructured.RemoveNestedField(u.Object, p...)
			} else {
				_ = unstructured.SetNestedStringMap(u.Object, m, p...)
			}
		}
	}
	return u
}

// sameObjects reports, as a unified diff of YAML, how the chart's objects differ from the
// kustomization's.
func sameObjects(t *testing.T, chart, kustomized []*unstructured.Unstructured) {
	t.Helper()
	if got, want := ids(chart), ids(kustomized); !slices.Equal(got, want) {
		t.Fatalf("the chart renders:\n%s\nthe kustomization:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, k := range kustomized {
		c := withoutHelm(find(t, chart, k.GetKind(), k.GetNamespace(), k.GetName()))
		a, err := yaml.Marshal(c.Object)
		if err != nil {
			t.Fatal(err)
		}
		b, err := yaml.Marshal(k.Object)
		if err != nil {
			t.Fatal(err)
		}
		if string(a) == string(b) {
			continue
		}
		diff, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A: difflib.SplitLines(string(b)), B: difflib.SplitLines(string(a)),
			FromFile: "kustomize", ToFile: "chart", Context: 3,
		})
		t.Errorf("%s %s/%s differs:\n%s", k.GetKind(), k.GetNamespace(), k.GetName(), diff)
	}
}

// TestChartMatchesKustomize keeps the chart and the kustomizations from drifting apart: with
// its default values the chart renders the base's objects, with rbac.scope namespaced the
// overlay's, but for Helm's labels and annotations.
func TestChartMatchesKustomize(t *testing.T) {
	tests := []struct {
		name string
		dir  string
		vals map[string]any
	}{
		{"default values and the base", ".", nil},
		{"namespaced scope and the overlay", overlayDir, map[string]any{
			"rbac": map[string]any{"scope": "namespaced", "namespaces": []any{"team-a", "team-b"}},
		}},
		{"prune and the prune overlay", pruneOverlayDir, map[string]any{"rbac": map[string]any{"prune": true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sameObjects(t, renderChart(t, rigelNS, tt.vals), render(t, tt.dir))
		})
	}
}

// TestChartHelmMetadata checks what the chart adds for Helm: its labels on every object, and
// the registry and the namespace kept when the release is uninstalled.
func TestChartHelmMetadata(t *testing.T) {
	objs := renderChart(t, rigelNS, nil)
	for _, u := range objs {
		l := u.GetLabels()
		if l["app.kubernetes.io/managed-by"] != "Helm" || l["app.kubernetes.io/instance"] != "rigel" || !strings.HasPrefix(l["helm.sh/chart"], "rigel-") {
			t.Errorf("%s %s: labels %v lack Helm's", u.GetKind(), u.GetName(), l)
		}
	}
	for _, kind := range []string{"Namespace", "ConfigMap"} {
		for _, u := range objs {
			if u.GetKind() == kind && u.GetAnnotations()["helm.sh/resource-policy"] != "keep" {
				t.Errorf("%s %s is deleted by `helm uninstall`: want helm.sh/resource-policy keep", kind, u.GetName())
			}
		}
	}
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	// Both apiservers the tests run against (testbed/ pins their versions): the line Rigel
	// builds on and the oldest supported one of the version-skew run.
	for _, module := range []string{"apiserver", "apiserver-1.35"} {
		v := testbedKubeVersion(t, module)
		if !chartutil.IsCompatibleRange(ch.Metadata.KubeVersion, v) {
			t.Errorf("Chart.yaml kubeVersion %q refuses the tested apiserver %s", ch.Metadata.KubeVersion, v)
		}
	}
	// And nothing older than the oldest line tested (the support window starts there).
	if chartutil.IsCompatibleRange(ch.Metadata.KubeVersion, "v1.34.9") {
		t.Errorf("Chart.yaml kubeVersion %q accepts Kubernetes 1.34, older than the oldest line tested (1.35)", ch.Metadata.KubeVersion)
	}
	if err := ch.Validate(); err != nil {
		t.Errorf("Chart.yaml: %v", err)
	}
}

// testbedKubeVersion is the version of Kubernetes the test bed's module (testbed/apiserver,
// testbed/apiserver-1.35) builds its kube-apiserver from.
func testbedKubeVersion(t *testing.T, module string) string {
	t.Helper()
	mod, err := os.ReadFile("../testbed/" + module + "/go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`k8s.io/kubernetes (v[0-9.]+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatalf("testbed/%s/go.mod names no k8s.io/kubernetes version", module)
	}
	return string(m[1])
}

// TestChartInstalls applies the chart, in a namespace of its own with its own ClusterRole,
// with Rigel's engine and runs the base's checks: idempotent, the registry loads and survives
// installing again, Rigel's ServiceAccount does its job and no more, and the pod meets the
// restricted Pod Security Standard of the namespace the chart creates.
func TestChartInstalls(t *testing.T) {
	ns := "rigel-chart"
	vals := map[string]any{"rbac": map[string]any{"deployerName": "rigel-chart-deployer", "readerName": "rigel-chart-reader"}}
	objects := func() []*unstructured.Unstructured { return renderChart(t, ns, vals) }
	checkClusterWideInstall(t, objects, ns, "deploy/chart/rigel", "deploy-chart-target")
	checkPodSecurity(t, objects(), ns)
}

// TestChartNamespacedInstalls applies the chart with rbac.scope namespaced and checks Rigel may
// deploy in the listed namespaces only.
func TestChartNamespacedInstalls(t *testing.T) {
	ns := "rigel-chart-ns"
	targets := []string{"chart-team-a", "chart-team-b"}
	objs := renderChart(t, ns, map[string]any{"rbac": map[string]any{
		"scope": "namespaced", "namespaces": []any{targets[0], targets[1]}, "deployerName": "rigel-chart-ns-deployer", "readerName": "rigel-chart-ns-reader",
	}})
	if has(objs, "ClusterRoleBinding", "", "rigel-chart-ns-deployer") || has(objs, "ClusterRoleBinding", "", "rigel-chart-ns-reader") {
		t.Fatal("the namespaced scope renders a ClusterRoleBinding")
	}
	checkNamespacedInstall(t, objs, ns, "deploy/chart/rigel", targets, "deploy-chart-other")
}

// chartEnv is the environment of the chart's container, fieldRefs resolved as the kubelet
// would for a pod in ns.
func chartEnv(t *testing.T, objs []*unstructured.Unstructured, ns string) map[string]string {
	t.Helper()
	var d appsv1.Deployment
	convert(t, find(t, objs, "Deployment", ns, "rigel"), &d)
	env := map[string]string{}
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.namespace":
			env[e.Name] = ns
		case e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.name":
			env[e.Name] = "rigel-0"
		default:
			t.Fatalf("env %s comes from %+v, which this test cannot resolve", e.Name, e.ValueFrom)
		}
	}
	return env
}

// TestChartSettings renders settings and a Secret from values and loads them with Rigel's own
// settings loader: what the chart writes is what Rigel reads.
func TestChartSettings(t *testing.T) {
	vals := map[string]any{}
	if err := yaml.Unmarshal([]byte(`
image: {tag: v1.2.3}
replicas: 2
settings:
  logLevel: debug
  githubAPIURL: https://ghe.example.com/api/v3/
  diffConcurrency: 8
  workers: 1234567
  queueSize: 10
  applyWait: 5m
  leaseDuration: 15s
  shutdownGrace: 45s
  permissions: {apply: maintain, sync: write}
  requireApproval: false
  requireMergeable: false
  allowForkApply: true
  defaultPolicy: {namespaces: [team-a, "team-*"], clusterScoped: false, refusedKinds: [ClusterRoleBinding, Secret]}
extraEnv:
  - {name: HTTPS_PROXY, value: "http://proxy:3128"}
secret:
  create: true
  appID: 1234567
  webhookSecret: hush
apiToken: {create: true, token: 0123456789abcdef0123}
`), &vals); err != nil {
		t.Fatal(err)
	}
	key := testPEM(t)
	vals["secret"].(map[string]any)["privateKey"] = key
	ns := "rigel-settings"
	objs := renderChart(t, ns, vals)
	env := chartEnv(t, objs, ns)
	var secret corev1.Secret
	convert(t, find(t, objs, "Secret", ns, config.CredentialSecret), &secret)
	secrets := func(_ context.Context, namespace, name string) (map[string][]byte, error) {
		if namespace != ns || name != config.CredentialSecret {
			return nil, fmt.Errorf("Rigel asked for Secret %s/%s, the chart made %s/%s", namespace, name, ns, config.CredentialSecret)
		}
		data := map[string][]byte{}
		for k, v := range secret.StringData {
			data[k] = []byte(v)
		}
		return data, nil
	}
	s, err := config.LoadSettings(context.Background(), func(k string) string { return env[k] }, secrets)
	if err != nil {
		t.Fatalf("Rigel refuses the chart's settings: %v", err)
	}
	if err := s.Validate(); err != nil {
		t.Errorf("Rigel's validation refuses the chart's settings: %v", err)
	}
	p := s.DefaultPolicy
	got := fmt.Sprintf("%s %s %s %s %d %d %d %s %v %v %v %v %d %s %v %v %v %s %s %s",
		s.Namespace, s.ListenAddr, s.CacheDir, s.LogLevel, s.DiffConcurrency, s.Workers, s.QueueSize, s.ApplyWait,
		s.Permissions, s.RequireApproval, s.RequireMergeable, s.AllowForkApply, s.AppID, s.GitHubAPIURL,
		p.Namespaces, p.ClusterScopedAllowed(), p.RefusedKinds, s.Identity, s.LeaseDuration, s.ShutdownGrace)
	want := "rigel-settings :8080 /tmp/rigel-cache debug 8 1234567 10 5m0s map[apply:maintain sync:write] false false true 1234567 https://ghe.example.com/api/v3/" +
		" [team-a team-*] false [ClusterRoleBinding Secret] rigel-0 15s 45s"
	if got != want {
		t.Errorf("settings loaded from the chart:\n got %s\nwant %s", got, want)
	}
	if s.InternalListenAddr != ":9090" {
		t.Errorf("internal listen address from the chart %q, want :9090 (the Service rigel-internal's target)", s.InternalListenAddr)
	}
	if string(s.PrivateKey) != key || s.WebhookSecret != "hush" {
		t.Error("the credentials from the chart's Secret did not reach the settings")
	}
	var api corev1.Secret
	convert(t, find(t, objs, "Secret", ns, config.APISecret), &api)
	if tok := api.StringData[config.SecretKeyAPIToken]; tok != "0123456789abcdef0123" {
		t.Errorf("Secret %s: %s = %q, want the apiToken.token value", config.APISecret, config.SecretKeyAPIToken, tok)
	}
	if env["HTTPS_PROXY"] != "http://proxy:3128" {
		t.Errorf("extraEnv: HTTPS_PROXY = %q", env["HTTPS_PROXY"])
	}
	var d appsv1.Deployment
	convert(t, find(t, objs, "Deployment", ns, "rigel"), &d)
	if c := d.Spec.Template.Spec.Containers[0]; c.Image != "ghcr.io/rigel-gitops/rigel:v1.2.3" || *d.Spec.Replicas != 2 {
		t.Errorf("image %s, replicas %d: want tag v1.2.3 and 2 replicas", c.Image, *d.Spec.Replicas)
	}
	if d.Spec.Template.Annotations["checksum/secret"] == "" {
		t.Error("the pods do not restart when the chart's Secret changes: no checksum/secret annotation")
	}
	checkDeploymentHardening(t, &d)
}

// checkDeploymentHardening runs the base's Deployment checks on a chart Deployment rendered
// with other values: values may change the image and the replicas, never the hardening.
func checkDeploymentHardening(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	d = d.DeepCopy()
	one := int32(1)
	d.Spec.Replicas = &one
	d.Spec.Template.Spec.Containers[0].Image = releaseImage(t)
	checkDeployment(t, d)
}

// TestChartCoversSettings fails when Rigel reads a RIGEL_* variable the chart neither sets
// nor leaves out on purpose: a new setting must reach values.yaml.
func TestChartCoversSettings(t *testing.T) {
	notValues := map[string]string{
		"RIGEL_CONFIG":           "the settings are environment variables",
		"RIGEL_NAMESPACE":        "the pod's namespace",
		"RIGEL_LISTEN":           "the probes and the Service use 8080",
		"RIGEL_INTERNAL_LISTEN":  "the readiness probe and the Service rigel-internal use 9090",
		"RIGEL_CACHE_DIR":        "the emptyDir at /tmp",
		"RIGEL_KUBECONFIG":       "in-cluster",
		"RIGEL_APP_ID":           "the Secret",
		"RIGEL_PRIVATE_KEY":      "the Secret",
		"RIGEL_PRIVATE_KEY_FILE": "the Secret",
		"RIGEL_WEBHOOK_SECRET":   "the Secret",
		"RIGEL_GITHUB_TOKEN":     "the Secret",
		"RIGEL_GITHUB_LOGIN":     "the Secret",
		"RIGEL_IDENTITY":         "POD_NAME, the pod's name",
		"RIGEL_API_TOKEN":        "the Secret rigel-api",
		"RIGEL_MARKER_KEY":       "the Secret (marker-key)",
	}
	read := config.EnvVariables() // the settings table (config/settings_table.go)
	if len(read) < 10 {
		t.Fatalf("the settings table names only %d RIGEL_ variables: has it moved?", len(read))
	}
	var vals map[string]any
	raw, err := os.ReadFile(chartDir + "/values.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &vals); err != nil {
		t.Fatal(err)
	}
	settings, _, _ := unstructured.NestedMap(vals, "properties", "settings", "properties")
	all := map[string]any{}
	for k, v := range settings {
		all[k] = v
	}
	for k, p := range settings { // a value the schema accepts, for each setting
		switch {
		case k == "permissions":
			all[k] = map[string]any{"apply": "write"}
		case strings.Contains(fmt.Sprint(p.(map[string]any)["pattern"]), "ms|s|m|h"): // a duration
			all[k] = "1m"
		case k == "logLevel":
			all[k] = "warn"
		case k == "defaultPolicy":
			all[k] = map[string]any{"namespaces": []any{"a"}, "clusterScoped": false, "refusedKinds": []any{"Secret"}, "refusedSyncOptions": []any{"Force=true"}, "namespaceObjects": true, "allowEscalation": true}
		case k == "protectedNamespaces":
			all[k] = []any{"kube-system", "ops"}
		case k == "refuseMergeableStates":
			all[k] = []any{"dirty", "behind"}
		case k == "helmRepositories": // chart dependencies (issue 13)
			all[k] = []any{"https://charts.example.com/stable", "oci://registry.example.com/charts"}
		case k == "queueBytes": // the delivery queue (issue 14): at least 1 MiB
			all[k] = int64(64 << 20)
		case k == "notifyWebhookSecret" || k == "notifyWebhookKey" || k == "helmCAConfigMap" || k == "helmCredentialsSecret" || k == "modelKeySecret": // names, not URLs
			all[k] = "rigel-notify"
		default:
			switch p.(map[string]any)["type"] {
			case "boolean":
				all[k] = true
			case "integer":
				all[k] = int64(3)
			default:
				all[k] = "https://example.com/"
			}
		}
	}
	env := chartEnv(t, renderChart(t, rigelNS, map[string]any{"settings": all}), rigelNS)
	if got := env["RIGEL_REFUSE_MERGEABLE_STATES"]; got != "dirty,behind" {
		t.Errorf("refuseMergeableStates [dirty, behind] became %q", got)
	}
	none := chartEnv(t, renderChart(t, rigelNS, map[string]any{"settings": map[string]any{"refuseMergeableStates": []any{}}}), rigelNS)
	if got := none["RIGEL_REFUSE_MERGEABLE_STATES"]; got != "none" {
		t.Errorf("refuseMergeableStates [] became %q, want none", got)
	}
	var missing []string
	for _, name := range read {
		if _, ok := env[name]; !ok && notValues[name] == "" {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if missing = slices.Compact(missing); len(missing) > 0 {
		t.Errorf("Rigel reads %v, which no chart setting sets: add them to values.yaml, values.schema.json and templates/_helpers.tpl", missing)
	}
}

// TestChartRefusesBadValues checks that wrong values stop the install with a message saying
// what to fix, before anything is applied. Helm (3.22) names a field that breaks
// values.schema.json by its JSON pointer (/rbac/scope).
func TestChartRefusesBadValues(t *testing.T) {
	tests := []struct {
		name string
		vals string
		want string
	}{
		{"unknown setting", `settings: {wokers: 3}`, "wokers"},
		{"unknown scope", `rbac: {scope: everywhere}`, "/rbac/scope"},
		{"namespaced without namespaces", `rbac: {scope: namespaced}`, "rbac.namespaces is empty"},
		{"bad namespace name", `rbac: {scope: namespaced, namespaces: [Team_A]}`, "/rbac/namespaces/0"},
		{"bad log level", `settings: {logLevel: loud}`, "/settings/logLevel"},
		{"Secret without webhook secret", `secret: {create: true, appID: "1", privateKey: PEM}`, "secret.webhookSecret is empty"},
		{"Secret without credentials", `secret: {create: true, webhookSecret: hush}`, "secret.appID and secret.privateKey"},
		{"short API token", `apiToken: {create: true, token: short}`, "apiToken.token must be at least 16 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var vals map[string]any
			if err := yaml.Unmarshal([]byte(tt.vals), &vals); err != nil {
				t.Fatal(err)
			}
			_, err := renderChartErr(rigelNS, vals)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

// TestChartUpgradeKeepsRegistry checks what docs/install.md promises for `helm upgrade`:
// Helm patches each object with a three-way strategic merge of the previous release's
// manifest, the new one and the live object; the chart's ConfigMap never names repos.yaml, so
// the registry Rigel wrote survives.
func TestChartUpgradeKeepsRegistry(t *testing.T) {
	admin := adminKube(t)
	ns := "deploy-chart-upgrade"
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	cm := find(t, renderChart(t, ns, nil), "ConfigMap", ns, config.SourcesConfigMap)
	var c corev1.ConfigMap
	convert(t, cm, &c)
	install := func() error {
		_, err := admin.Typed.CoreV1().ConfigMaps(ns).Create(ctxT(t), &c, metav1.CreateOptions{})
		return err
	}
	// The next chart version: new labels, same data.
	next := cm.DeepCopy()
	labels := next.GetLabels()
	labels["helm.sh/chart"] = "rigel-9.9.9"
	next.SetLabels(labels)
	upgrade := func() error { return helmUpgradePatch(ctxT(t), admin, cm, next) }
	checkRegistryKept(t, ns, install, upgrade)
	live, err := admin.Typed.CoreV1().ConfigMaps(ns).Get(ctxT(t), config.SourcesConfigMap, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if live.Labels["helm.sh/chart"] != "rigel-9.9.9" {
		t.Errorf("the upgrade's patch was not applied: labels %v", live.Labels)
	}
}

// helmUpgradePatch patches the live ConfigMap as `helm upgrade` does
// (helm.sh/helm/v3/pkg/kube, createPatch): a three-way strategic merge patch from the previous
// release's object prev, the new one next and the live object.
func helmUpgradePatch(ctx context.Context, kc *kube.Client, prev, next *unstructured.Unstructured) error {
	cms := kc.Typed.CoreV1().ConfigMaps(prev.GetNamespace())
	live, err := cms.Get(ctx, prev.GetName(), metav1.GetOptions{})
	if err != nil {
		return err
	}
	original, err := prev.MarshalJSON()
	if err != nil {
		return err
	}
	modified, err := next.MarshalJSON()
	if err != nil {
		return err
	}
	current, err := json.Marshal(live)
	if err != nil {
		return err
	}
	meta, err := strategicpatch.NewPatchMetaFromStruct(&corev1.ConfigMap{})
	if err != nil {
		return err
	}
	patch, err := strategicpatch.CreateThreeWayMergePatch(original, modified, current, meta, true)
	if err != nil {
		return err
	}
	_, err = cms.Patch(ctx, prev.GetName(), types.StrategicMergePatchType, patch, metav1.PatchOptions{FieldManager: "helm"})
	return err
}

// testPEM is a fresh RSA private key in PEM, as GitHub gives an app's.
func testPEM(t *testing.T) string {
	t.Helper()
	key, err := testenv.AppKeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	return string(key)
}
