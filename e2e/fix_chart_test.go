package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// A fix on a chart deployment (issue 13): `/rigel fix … set image=` edits the values file of
// the deployment's settings that sets the tag, byte for byte but the value, and nothing else.

const fixChartValuesProd = `# Production.
replicaCount: 3   # one per zone

image:
  tag: "1.27.1"  # pinned, see the runbook
`

func fixChartFiles(string) map[string]string {
	return map[string]string{
		"charts/web/Chart.yaml":          "apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: \"1.27\"\n",
		"charts/web/values.yaml":         "replicaCount: 1\nimage:\n  repository: nginx\n  tag: \"\" # the appVersion\n",
		"charts/web/values-prod.yaml":    fixChartValuesProd,
		"charts/web/values-staging.yaml": "replicaCount: 2\n",
		"charts/web/templates/_helpers.tpl": `{{- define "web.labels" -}}
app: {{ .Release.Name }}
{{- end }}
`,
		"charts/web/templates/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  namespace: {{ .Release.Namespace }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      {{- include "web.labels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "web.labels" . | nindent 8 }}
    spec:
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
`,
	}
}

func TestFixSetOnChart(t *testing.T) {
	ns := unique("fixchart-")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	b := startBot(t)
	r := newRepo(t, fixChartFiles(ns))
	c := b.issue(r)
	dep := unique("webprod")
	mustContain(t, c.reply(fmt.Sprintf("/rigel add-deployment charts/web --name %s --values values-prod.yaml --release web --namespace %s", dep, ns)), "Registered deployment")
	staging := unique("webstaging")
	mustContain(t, c.reply(fmt.Sprintf("/rigel add-deployment charts/web --name %s --values values-staging.yaml --release web --namespace %s-staging", staging, ns)), "Registered deployment")
	fixCreateDeployment(t, ns, "web", dep, "charts/web")

	got := c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s set image=nginx:1.28 --container web", ns))
	mustContain(t, got, "🔧 Opened [#", "```diff", `-  tag: "1.27.1"  # pinned, see the runbook`, `+  tag: "1.28"  # pinned, see the runbook`)
	// staging renders the same chart, not with values-prod.yaml: it is not said to share it
	mustContain(t, got, "`charts/web/values-prod.yaml` sets values key `image.tag`: the last of the chart's values files in the deployment's order (`charts/web/values.yaml`, `charts/web/values-prod.yaml`) that sets it.")
	mustNotContain(t, got, "a/charts/web/values.yaml", "values-staging.yaml", staging)
	p := onePull(t, r)
	want := replace(t, fixChartValuesProd, `tag: "1.27.1"`, `tag: "1.28"`)
	if file := branchFile(t, r, p.Head, "charts/web/values-prod.yaml"); file != want {
		t.Errorf("edited values-prod.yaml:\n%s\nwant:\n%s", file, want)
	}
	changed, err := exec.Command("git", "--git-dir", git.RepoDir(r.full), "diff", "--name-only", "refs/heads/main", "refs/heads/"+p.Head).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(changed)); got != "charts/web/values-prod.yaml" {
		t.Errorf("the fix changed %q, want only charts/web/values-prod.yaml", got)
	}

	t.Run("a value the template does not map from one values key is refused", func(t *testing.T) {
		bs := branches(t, r)
		mustContain(t, c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s set env.LOG_LEVEL=debug --container web", ns)), "❌", "Rigel traces only `image`, `memory`, `cpu` and `replicas` to the chart's values", "proposes nothing")
		if len(fixPulls(r)) != 1 || len(branches(t, r)) != len(bs) {
			t.Error("an untraceable fix pushed a branch or opened a PR")
		}
	})
	noPullViolations(t)
}
