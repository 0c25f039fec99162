package main

import (
	"context"
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestLocalChart: rigel diff and apply render a Helm chart folder as the bot renders a chart
// deployment: --release names the objects, --values in order over values.yaml, --set-file
// fills a value, -n is the release namespace; lookup is said to answer nothing; flags that do
// not fit (a folder with no chart, a set-file without key=path, a release helm refuses) are
// usage errors that change nothing.
func TestLocalChart(t *testing.T) {
	ns := "local-chart"
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"web/Chart.yaml":                  "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"web/values.yaml":                 "replicaCount: 1\nmode: dev\n",
		"web/values-prod.yaml":            "replicaCount: 3\n",
		"web/files/app.conf":              "mode = prod\n",
		"web/templates/_helpers.tpl":      `{{- define "web.fullname" -}}{{ .Release.Name }}-web{{- end -}}` + "\n",
		"web/templates/cm.yaml":           "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include \"web.fullname\" . }}\ndata:\n  replicas: \"{{ .Values.replicaCount }}\"\n  mode: {{ .Values.mode | quote }}\n  conf: {{ .Values.conf | default \"none\" | quote }}\n  ns: {{ .Release.Namespace }}\n",
		"web/templates/lookup.yaml":       "{{- $x := lookup \"v1\" \"Secret\" .Release.Namespace \"creds\" -}}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-found\ndata:\n  found: \"{{ if $x }}yes{{ else }}no{{ end }}\"\n",
		"plain/cm.yaml":                   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n",
		"broken/Chart.yaml":               "apiVersion: v2\nname: broken\nversion: 0.1.0\n",
		"broken/templates/cm.yaml":        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ .Values.a | nosuchfunction }}\n",
		"web/charts/db/Chart.yaml":        "apiVersion: v2\nname: db\nversion: 0.1.0\n",
		"web/charts/db/templates/db.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-db\n",
	})
	web := filepath.Join(root, "web")
	chartArgs := []string{"-n", ns, "--release", "shop", "--values", "values-prod.yaml", "--set-file", "conf=files/app.conf"}
	steps := []struct {
		name, verb, dir string
		args            []string
		code            int
		stdout, stderr  []string
	}{
		{"diff of a chart with its settings", "diff", web, chartArgs, diffChanges,
			[]string{"+++ rigel/v1/ConfigMap/" + ns + "/shop-web", `+  replicas: "3"`, "+  mode: dev", "+  conf: |\n+    mode = prod", "+  ns: " + ns, "ConfigMap/" + ns + "/shop-db", `+  found: "no"`},
			[]string{"3 to create", "note: the chart calls `lookup`, which finds nothing", "web/templates/lookup.yaml"}},
		{"apply of the chart", "apply", web, chartArgs, applyHealthy, nil, []string{"apply Succeeded"}},
		{"diff after apply", "diff", web, chartArgs, diffNoChanges, nil, []string{"3 unchanged"}},
		{"the chart's defaults are another release", "diff", web, []string{"-n", ns}, diffChanges, []string{"ConfigMap/" + ns + "/web-web", `+  replicas: "1"`}, nil},
		{"a template error names the template and line", "diff", filepath.Join(root, "broken"), []string{"-n", ns}, diffError, nil,
			[]string{"Error: ", "broken/templates/cm.yaml", "line 6", "nosuchfunction"}},
		{"chart flags on a folder with no chart", "apply", filepath.Join(root, "plain"), []string{"-n", ns, "--values", "values-prod.yaml"}, applyError, nil,
			[]string{"are for a Helm chart", "holds no Chart.yaml"}},
		{"a set-file that is not key=path", "diff", web, []string{"-n", ns, "--set-file", "files/app.conf"}, diffError, nil, []string{"write key=path"}},
		{"a values file outside the checkout", "diff", web, []string{"-n", ns, "--values", "../../etc/passwd.yaml"}, diffError, nil, []string{"not valid", "values file"}},
		{"a release helm refuses", "apply", web, []string{"-n", ns, "--release", "Shop_1"}, applyError, nil, []string{"is not a release name"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			checkLocalRun(t, st.verb, st.dir, st.args, st.code, st.stdout, st.stderr) // local_helm_fetch_test.go
		})
	}
	cs := kubernetes.NewForConfigOrDie(cluster.Config)
	cm, err := cs.CoreV1().ConfigMaps(ns).Get(context.Background(), "shop-web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Data["replicas"] != "3" || cm.Annotations["helmsman.dev/source-path"] != "web" {
		t.Errorf("applied %v %v: want the prod values and the chart folder as source path", cm.Data, cm.Annotations)
	}
	if _, err := cs.CoreV1().ConfigMaps(ns).Get(context.Background(), "x", metav1.GetOptions{}); err == nil {
		t.Error("the broken chart was applied")
	}
}
