package commands

import (
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

// TestChartFlags: the chart flags of add-deployment become the chart settings the service
// gets; what cannot be read is refused with how to write it.
func TestChartFlags(t *testing.T) {
	tests := []flagCase[*config.Chart]{
		{"/rigel add-deployment charts/web", nil, ""},
		{"/rigel add-deployment charts/web --name web --namespaces shop", nil, ""},
		{"/rigel add-deployment charts/web --values values.yaml,values-prod.yaml --release web --namespace prod --set-file config.nginx=files/nginx.conf,a=b.txt",
			&config.Chart{Release: "web", Namespace: "prod", Values: []string{"values.yaml", "values-prod.yaml"}, SetFiles: map[string]string{"config.nginx": "files/nginx.conf", "a": "b.txt"}}, ""},
		{"/rigel add-deployment charts/web --values=' values-prod.yaml , ' -n prod", &config.Chart{Namespace: "prod", Values: []string{"values-prod.yaml"}}, ""},
		{"/rigel add-deployment charts/web --release web", &config.Chart{Release: "web"}, ""},
		{"/rigel add-deployment charts/web --values a.yaml --values b.yaml", nil, "`--values` is given 2 times"},
		{"/rigel add-deployment charts/web --namespace a -n b", nil, "`--namespace` is given 2 times"},
		{"/rigel add-deployment charts/web --values ,", nil, "`--values` needs at least one values file"},
		{"/rigel add-deployment charts/web --set-file config", nil, "`config` is not KEY=PATH"},
		{"/rigel add-deployment charts/web --set-file =x", nil, "is not KEY=PATH"},
		{"/rigel add-deployment charts/web --set-file a=x,a=y", nil, "names the key `a` twice"},
	}
	flagCases(t, (*call).chartSettings, tests)
}

// TestAddDeploymentChartFlagsWithoutFolder: the chart flags need the folder; the refusal
// comes before anything is asked of the service.
func TestAddDeploymentChartFlagsWithoutFolder(t *testing.T) {
	addRefused(t, "/rigel add-deployment --values values-prod.yaml", "need the chart folder")
}

// TestChartRepliesGolden: the list with chart settings, the folder browser with charts and
// their values files, a chart registered, and the refusals of chart settings.
func TestChartRepliesGolden(t *testing.T) {
	repo := &config.Repo{Repo: "acme/web", Branch: "main", Deployments: []config.Deployment{
		{Name: "web", Path: "charts/web"},
		{Name: "web-prod", Path: "charts/web", Chart: &config.Chart{Release: "web", Namespace: "prod", Values: []string{"values-prod.yaml", "../../shared/common.yaml"}, SetFiles: map[string]string{"config.nginx": "files/nginx.conf"}}},
		{Name: "web-staging", Path: "charts/web", Chart: &config.Chart{Values: []string{"values.staging.yml"}}},
	}}
	charts := map[string]ops.ChartFolder{
		"charts/web": {Values: []string{"values.yaml", "values-prod.yaml", "values.staging.yml"}, Deployments: []string{"web", "web-prod"}},
		"charts/db":  {},
	}
	added := &ops.Added{Deployment: repo.Deployments[1], Branch: "main", Commit: commit, Objects: 7, Chart: true}
	addedPlain := &ops.Added{Deployment: config.Deployment{Name: "web", Path: "charts/web"}, Branch: "main", Commit: commit, Objects: 3, Chart: true}
	at := ops.BranchTarget("main")
	refusals := []error{
		&ops.BadChart{Folder: "charts/web", Name: "web-x", Problems: config.Chart{Release: "Web_1", Values: []string{"../../../x.yaml"}}.Problems("charts/web")},
		&ops.NotAChart{Folder: "apps/web", At: at, Commit: commit},
		&ops.ChartFileMissing{Folder: "charts/web", What: "values file", File: "values-qa.yaml", Path: "charts/web/values-qa.yaml", At: at, Commit: commit},
		&ops.ChartFileMissing{Folder: "charts/web", What: "set-file config.nginx", File: "files/none.conf", Path: "charts/web/files/none.conf", At: at, Commit: commit},
		&ops.Taken{Why: ops.TakenFolder, Name: "web-again", Folder: "charts/web", By: "web-prod", Chart: true},
	}
	refused := worded(t, refusals)
	tests := []struct{ name, got string }{
		{"list_chart", renderList("acme/web", repo, nil, nil, nil)},
		{"folders_charts", renderFolders("acme/web", "branch `main`", commit, []string{"apps/web/k8s", "charts/db", "charts/web"}, map[string]string{"charts/web": "web"}, charts)},
		{"added_chart", renderAdded("acme/web", added)},
		{"added_chart_defaults", renderAdded("acme/web", addedPlain)},
		{"chart_refused", strings.Join(refused, "\n\n---\n\n")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			goldenReply(t, tc.name, tc.got)
		})
	}
}
