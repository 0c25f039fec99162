package ops

import (
	"context"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
)

// chartFixFiles are a chart two deployments render: prod (values-prod.yaml pins the tag) and
// staging (values-staging.yaml sets replicas only).
var chartFixFiles = map[string]string{
	"charts/web/Chart.yaml":          "apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: \"1.27\"\n",
	"charts/web/values.yaml":         "replicaCount: 1\nimage:\n  repository: nginx\n  tag: \"\" # the appVersion\n",
	"charts/web/values-prod.yaml":    "# prod\nreplicaCount: 3\nimage:\n  tag: \"1.27.1\"  # pinned\n",
	"charts/web/values-staging.yaml": "replicaCount: 2\n",
	"charts/web/templates/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicaCount }}\n" +
		"  template:\n    spec:\n      containers:\n        - name: web\n          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}\"\n",
}

// A fix of a chart deployment's workload edits the values file its settings name that sets the
// value, renders the chart with those settings, and tells no other deployment shares the file.
func TestProposeFixChart(t *testing.T) {
	ctx := context.Background()
	svc, src, _, _ := newTestService(t)
	w := &fixWorld{svc: svc, src: src, wl: svc.Workloads.(*fakeWorkloads), forge: &fakeForge{}}
	seedRegistry(t, svc, entry(webRepo,
		config.Deployment{Name: "web", Path: "charts/web", Chart: &config.Chart{Namespace: "shop", Values: []string{"values-prod.yaml"}}},
		config.Deployment{Name: "web-staging", Path: "charts/web", Chart: &config.Chart{Release: "web", Namespace: "staging", Values: []string{"values-staging.yaml"}}}))
	w.main = src.commit("refs/heads/main", chartFixFiles)
	addWorkload(w.wl, shopWeb, linkedTo("web", "charts/web"))

	out, err := svc.ProposeFix(ctx, w.call(), FixRequest{Workload: shopWeb, Edits: edits(t, "image=nginx:1.28"), Bot: "rigel[bot]"})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Opened || len(w.src.pushes) != 1 {
		t.Fatalf("outcome %+v; pushes %d", out, len(w.src.pushes))
	}
	files := w.src.pushes[0].Files
	want := strings.Replace(chartFixFiles["charts/web/values-prod.yaml"], `"1.27.1"`, `"1.28"`, 1)
	if len(files) != 1 || string(files["charts/web/values-prod.yaml"]) != want {
		t.Fatalf("pushed %q, want only charts/web/values-prod.yaml as\n%s", files, want)
	}
	if p := out.Proposal; len(p.Shared) != 0 || len(p.Unknown) != 0 {
		t.Fatalf("shared %+v, unknown %v: staging does not read values-prod.yaml", p.Shared, p.Unknown)
	}

	// staging's workload: values.yaml sets the tag for it, which prod reads too
	staging := shopWeb
	staging.Namespace = "staging"
	addWorkload(w.wl, staging, linkedTo("web-staging", "charts/web"))
	out, err = svc.ProposeFix(ctx, w.call(), FixRequest{Workload: staging, Edits: edits(t, "image=nginx:1.28")})
	if err != nil {
		t.Fatal(err)
	}
	files = w.src.pushes[1].Files
	if len(files) != 1 || !strings.Contains(string(files["charts/web/values.yaml"]), "  tag: \"1.28\" # the appVersion\n") {
		t.Fatalf("pushed %q, want values.yaml's tag set", files)
	}
	if p := out.Proposal; len(p.Shared) != 1 || p.Shared[0].Path != "charts/web/values.yaml" || p.Shared[0].Deployments[0] != "web" {
		t.Fatalf("shared %+v: prod reads values.yaml too", p.Shared)
	}

	// what the template does not map from one values key: refused, nothing pushed
	_, err = svc.ProposeFix(ctx, w.call(), FixRequest{Workload: shopWeb, Edits: edits(t, "env.LOG_LEVEL=debug")})
	if c, ok := refusalOf(err).(*CannotPlace); !ok || !strings.Contains(c.Msg, "proposes nothing") || len(w.src.pushes) != 2 {
		t.Fatalf("ProposeFix = %v, want a *CannotPlace saying it cannot trace the value, and nothing pushed", err)
	}
}
