package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/config"
)

// Helm charts as deployments (issue 13), registration: the folder browser lists charts and
// their values files, chart settings are checked before anything is registered (over a
// comment and the HTTP API), the registry keeps them per deployment, and /rigel list shows
// them. The render of a chart is part A's (sync/render_helm*.go).

// chartRepoFiles is a repository with a plain folder and a chart (helpers, a subchart, a
// values file per environment, a file for set-file) whose objects go into namespace ns.
func chartRepoFiles(ns string) map[string]string {
	return map[string]string{
		"apps/web/k8s/cm.yaml":              fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n  namespace: %s\n", ns),
		"charts/web/Chart.yaml":             "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"charts/web/values.yaml":            "replicaCount: 1\nimage:\n  repository: nginx\n  tag: \"1.27\"\n",
		"charts/web/values-prod.yaml":       "replicaCount: 3\n",
		"charts/web/values.schema.json":     "{}\n",
		"charts/web/files/app.conf":         "mode = prod\n",
		"charts/web/templates/_helpers.tpl": `{{- define "web.fullname" -}}{{ .Release.Name }}-web{{- end -}}` + "\n",
		"charts/web/templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "web.fullname" . }}
  namespace: {{ .Release.Namespace }}
data:
  replicas: "{{ .Values.replicaCount }}"
  conf: {{ .Values.conf | default "none" | quote }}
`,
		"charts/web/charts/db/Chart.yaml":  "apiVersion: v2\nname: db\nversion: 0.1.0\n",
		"charts/web/charts/db/values.yaml": "size: 1\n",
	}
}

func TestChartRegistration(t *testing.T) {
	b := startAPIBot(t)
	r := newRepo(t, chartRepoFiles(unique("chart")))
	c := b.issue(r)

	t.Run("the folder browser lists the chart and its values files", func(t *testing.T) {
		got := c.reply("/rigel add-deployment")
		mustContain(t, got, "`charts/web`", "`apps/web/k8s`", "Helm charts", "values files `values.yaml`, `values-prod.yaml`",
			"`/rigel add-deployment charts/web --name web-prod --values values-prod.yaml`")
		mustNotContain(t, got, "charts/web/charts/db", "values.schema.json", "charts/web/templates")
		tree := b.api("GET", "/api/git/repo-tree?repo="+r.full, nil, http.StatusOK)
		mustContain(t, tree.raw, `{"path":"charts/web","chart":{"values":["values.yaml","values-prod.yaml"],"deployments":[]}}`, `{"path":"apps/web/k8s"}`)
	})

	before := b.registryYAML()
	refusals := []struct {
		name, say string
		wants     []string
	}{
		{"a values file that is not there", "/rigel add-deployment charts/web --name web-qa --values values-qa.yaml",
			[]string{"❌", "the values file `values-qa.yaml` is not a file of the repository", "`charts/web/values-qa.yaml`", "Nothing was registered"}},
		{"a set-file file that is not there", "/rigel add-deployment charts/web --name web-qa --set-file conf=files/none.conf",
			[]string{"❌", "`files/none.conf` is not a file of the repository", "Nothing was registered"}},
		{"a release that is no DNS label", "/rigel add-deployment charts/web --name web-qa --release Web_QA",
			[]string{"❌", "not valid", "is not a release name", "nothing was registered"}},
		{"a values file outside the repository", "/rigel add-deployment charts/web --name web-qa --values ../../../../etc/passwd.yaml",
			[]string{"❌", "leaves the repository"}},
		{"settings for a folder that is no chart", "/rigel add-deployment apps/web/k8s --values values.yaml",
			[]string{"❌", "holds no Helm chart (no `Chart.yaml`)", "Nothing was registered"}},
		{"a flag given twice", "/rigel add-deployment charts/web --values a.yaml --values b.yaml",
			[]string{"❌", "`--values` is given 2 times", "separated by commas"}},
		{"chart flags without the folder", "/rigel add-deployment --release web",
			[]string{"❌", "need the chart folder"}},
	}
	for _, tc := range refusals {
		t.Run("comment: "+tc.name, func(t *testing.T) {
			mustContain(t, c.reply(tc.say), tc.wants...)
		})
	}
	apiRefusals := []struct {
		name  string
		chart any
		wants []string
	}{
		{"a namespace that is no DNS label", map[string]any{"namespace": "Prod!"}, []string{`namespace \"Prod!\" is not a namespace name`}},
		{"a values file that is not there", map[string]any{"values": []string{"values-qa.yaml"}}, []string{"values-qa.yaml", "is not a file of the repository"}},
		{"an unknown chart field", map[string]any{"valuesFiles": []string{"values-prod.yaml"}}, []string{"valuesFiles", "is not a field"}},
		{"a set-file key helm cannot read", map[string]any{"setFiles": map[string]string{"a b": "files/app.conf"}}, []string{`set-file key \"a b\"`}},
	}
	for _, tc := range apiRefusals {
		t.Run("API: "+tc.name, func(t *testing.T) {
			got := b.api("POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "charts/web", "name": "web-qa", "chart": tc.chart}, http.StatusBadRequest)
			mustContain(t, got.raw, tc.wants...)
		})
	}
	if after := b.registryYAML(); after != before {
		t.Fatalf("a refusal changed the registry:\n%s\nwas\n%s", after, before)
	}

	t.Run("the registry keeps the settings a cluster admin writes, and list shows them", func(t *testing.T) {
		prod := config.Deployment{Name: unique("web-prod"), Path: "charts/web", Chart: &config.Chart{Release: "web", Namespace: "prod", Values: []string{"values-prod.yaml"}, SetFiles: map[string]string{"conf": "files/app.conf"}}}
		staging := config.Deployment{Name: unique("web-staging"), Path: "charts/web", Chart: &config.Chart{Values: []string{"values.yaml"}}}
		reg := config.NewRegistry(kc.Typed, b.namespace)
		if _, err := reg.Update(context.Background(), func(s *config.Sources) error {
			if err := s.AddDeployment(config.Repo{Repo: r.full, Branch: "main"}, prod); err != nil {
				return err
			}
			return s.AddDeployment(config.Repo{Repo: r.full, Branch: "main"}, staging)
		}); err != nil {
			t.Fatal(err)
		}
		cm, err := kc.Typed.CoreV1().ConfigMaps(b.namespace).Get(context.Background(), config.SourcesConfigMap, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, cm.Data["repos.yaml"], `"chart":{"release":"web","namespace":"prod","values":["values-prod.yaml"],"setFiles":{"conf":"files/app.conf"}}`)
		mustContain(t, c.reply("/rigel list"), "Helm chart settings", "`"+prod.Name+"`: release `web`, namespace `prod`, values `values-prod.yaml`, set-file `conf=files/app.conf`",
			"`"+staging.Name+"`: values `values.yaml`")
		src := b.api("GET", "/api/git/sources", nil, http.StatusOK)
		mustContain(t, src.raw, `"chart":{"release":"web","namespace":"prod","values":["values-prod.yaml"],"setFiles":{"conf":"files/app.conf"}}`)
		tree := b.api("GET", "/api/git/repo-tree?repo="+r.full, nil, http.StatusOK)
		names := []string{prod.Name, staging.Name}
		if names[1] < names[0] {
			names[0], names[1] = names[1], names[0]
		}
		mustContain(t, tree.raw, `"deployments":["`+strings.Join(names, `","`)+`"]`)
	})

	t.Run("an entry written by hand with a chart outside the repository is ignored, the others kept", func(t *testing.T) {
		cm, err := kc.Typed.CoreV1().ConfigMaps(b.namespace).Get(context.Background(), config.SourcesConfigMap, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		bad := unique("web-bad")
		// as an admin edits what Rigel wrote (JSON, one deployment a line: config/registry_encode.go)
		cm.Data["repos.yaml"] = strings.Replace(cm.Data["repos.yaml"], `"deployments":[`, `"deployments":[`+"\n  "+`{"name":"`+bad+`","path":"charts/web","chart":{"values":["../../../../etc/shadow.yaml"]}},`, 1)
		if _, err := kc.Typed.CoreV1().ConfigMaps(b.namespace).Update(context.Background(), cm, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		got := c.reply("/rigel list")
		mustContain(t, got, "Helm chart settings", "invalid and ignored", bad, "leaves the repository")
		mustContain(t, c.reply("/rigel diff "+bad), "❌", "leaves the repository")
	})
}

// TestChartRegisterAndPreview: a chart registered with its settings renders with them: the
// release names the objects, the values file in order sets the value, set-file fills one.
func TestChartRegisterAndPreview(t *testing.T) {
	b := startAPIBot(t)
	ns := unique("chart")
	files := chartRepoFiles(ns)
	files["apps/ns/ns.yaml"] = fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n", ns)
	r := newRepo(t, files)
	c := b.issue(r)
	nsDep := unique("ns")
	c.reply("/rigel add-deployment apps/ns --name " + nsDep)
	c.reply("/rigel sync " + nsDep)
	mustContain(t, c.reply("/rigel apply "+nsDep), "Succeeded")

	name := unique("web-prod")
	got := c.reply(fmt.Sprintf("/rigel add-deployment charts/web --name %s --values values-prod.yaml --release shop --namespace %s --set-file conf=files/app.conf", name, ns))
	mustContain(t, got, "✅ Registered deployment `"+name+"`", "It is a Helm chart", "release `shop`", "`values-prod.yaml`", "(1 object at")
	diff := c.reply("/rigel diff " + name)
	mustContain(t, diff, "ConfigMap/"+ns+"/shop-web", `+  replicas: "3"`, "mode = prod")

	// A second deployment of the same chart with the chart's defaults.
	other := unique("web")
	mustContain(t, c.reply(fmt.Sprintf("/rigel add-deployment charts/web --name %s --namespace %s", other, ns)), "✅ Registered deployment `"+other+"`")
	mustContain(t, c.reply("/rigel diff "+other), "ConfigMap/"+ns+"/"+other+"-web", `+  replicas: "1"`)

	// Over the HTTP API, with the same settings as the first: the folder is taken.
	b.api("POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "charts/web", "name": unique("again"),
		"chart": map[string]any{"release": "shop", "namespace": ns, "values": []string{"values-prod.yaml"}, "setFiles": map[string]string{"conf": "files/app.conf"}}}, http.StatusBadRequest)
}
