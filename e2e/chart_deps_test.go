package e2e

import (
	"testing"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// Chart dependencies (issue 13, part D): a chart whose Chart.lock dependency comes from a
// repository not on RIGEL_HELM_REPOSITORIES is refused with the file, the field and what to
// do, and no request leaves the machine for it: the chart repository it names (a real one,
// on 127.0.0.1) counts zero connections.
func TestChartDependencyNotAllowlisted(t *testing.T) {
	charts := testenv.NewChartRepo(t, testenv.ChartArchive{Name: "common", Version: "1.2.3", Files: map[string]string{
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-common\n",
	}})
	b := startAPIBot(t)
	files := chartRepoFiles(unique("chartdeps"))
	files["charts/web/Chart.yaml"] = "apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n  - name: db\n    version: 0.1.0\n  - name: common\n    version: 1.2.3\n    repository: " + charts.URL + "\n"
	r := newRepo(t, files)
	c := b.issue(r)
	before := b.registryYAML()
	got := c.reply("/rigel add-deployment charts/web --name web-deps")
	mustContain(t, got, "charts/web/Chart.yaml", `dependencies\[1\] (common) repository`, "not on its allowlist (RIGEL_HELM_REPOSITORIES)", "helm dependency build")
	if after := b.registryYAML(); after != before {
		t.Errorf("the refusal changed the registry:\n%s", after)
	}
	if n := charts.Connections(); n != 0 {
		t.Errorf("%d connections reached the chart repository not allowlisted", n)
	}
}
