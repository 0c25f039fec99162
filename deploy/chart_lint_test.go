package deploy

import (
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	"sigs.k8s.io/yaml"
)

// TestChartLint runs `helm lint` (Helm's own pkg/lint: Chart.yaml, values and the schema, every
// template rendered and checked) on the chart, with its defaults and with every optional part
// switched on, against the Kubernetes version the test bed runs. An error or a warning fails;
// Helm's informational notes (e.g. "icon is recommended") do not.
func TestChartLint(t *testing.T) {
	kubeVersion, err := chartutil.ParseKubeVersion(testbedKubeVersion(t, "apiserver"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, vals string }{
		{"defaults", ``},
		{"everything on", `
metrics:
  serviceMonitor: {enabled: true, interval: 15s, scrapeTimeout: 10s, labels: {release: kube-prometheus-stack}}
  prometheusRule: {enabled: true, labels: {release: kube-prometheus-stack}, alertLabels: {team: platform}, disabledAlerts: [RigelVersionsMixed]}
secret: {create: true, appID: "1", privateKey: PEM, webhookSecret: hush}
apiToken: {create: true, token: 0123456789abcdef0123}
rbac: {scope: namespaced, namespaces: [team-a]}
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals := map[string]any{}
			if err := yaml.Unmarshal([]byte(tt.vals), &vals); err != nil {
				t.Fatal(err)
			}
			l := lint.AllWithKubeVersion(chartDir, vals, rigelNS, kubeVersion)
			var notes []string
			for _, m := range l.Messages {
				if m.Severity >= support.WarningSev {
					t.Errorf("helm lint: %s", m)
				} else {
					notes = append(notes, m.Error())
				}
			}
			if len(notes) > 0 {
				t.Logf("helm lint notes:\n%s", strings.Join(notes, "\n"))
			}
		})
	}
}

// TestChartLintFails keeps TestChartLint able to fail: the linter, given values the schema
// refuses, reports an error.
func TestChartLintFails(t *testing.T) {
	l := lint.All(chartDir, map[string]any{"metrics": map[string]any{"serviceMonitor": map[string]any{"enabled": "yes"}}}, rigelNS, false)
	if l.HighestSeverity < support.ErrorSev {
		t.Fatalf("helm lint of values the schema refuses: %v, want an error", l.Messages)
	}
}
