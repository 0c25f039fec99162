package deploy

import (
	"encoding/json"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"sigs.k8s.io/yaml"
)

const rulesPath = chartDir + "/rules/rigel-alerts.yaml"

// rulesFile is the chart's rules/rigel-alerts.yaml, the one source of Rigel's alerts.
func rulesFile(t *testing.T) promRule {
	t.Helper()
	raw, err := os.ReadFile(rulesPath)
	if err != nil {
		t.Fatal(err)
	}
	var p promRule
	if err := yaml.UnmarshalStrict(raw, &p); err != nil {
		t.Fatalf("%s: %v", rulesPath, err)
	}
	if len(p.alerts()) == 0 {
		t.Fatalf("%s holds no alert", rulesPath)
	}
	return p
}

// TestAlertRules checks every rule of the rendered PrometheusRule as promtool would (Prometheus's
// rulefmt: fields, durations, templates of the annotations, PromQL), and that every metric an
// expression reads is one Rigel exports, so that renaming a metric breaks this test. Each
// alert has a severity and a summary.
func TestAlertRules(t *testing.T) {
	objs := renderChart(t, rigelNS, valuesOf(t, `metrics: {prometheusRule: {enabled: true}}`))
	pr := find(t, objs, "PrometheusRule", rigelNS, "rigel")
	raw, err := yaml.Marshal(pr.Object["spec"])
	if err != nil {
		t.Fatal(err)
	}
	groups, errs := rulefmt.Parse(raw, false, model.UTF8Validation, promQL, slog.New(slog.DiscardHandler))
	for _, err := range errs {
		t.Errorf("promtool would refuse the rules: %v", err)
	}
	if groups == nil {
		t.FailNow()
	}
	exported := exportedMetrics(t)
	n := 0
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			n++
			name := r.Alert + r.Record
			for _, bad := range checkPromQL(r.Expr, exported) {
				t.Errorf("%s: %s", name, bad)
			}
			if r.Alert == "" {
				continue
			}
			if !slices.Contains([]string{"critical", "warning", "info"}, r.Labels["severity"]) {
				t.Errorf("%s: severity %q, want critical, warning or info", name, r.Labels["severity"])
			}
			if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("%s: no summary or description", name)
			}
		}
	}
	if n != len(rulesFile(t).alerts()) {
		t.Errorf("%d rules rendered, want the %d of %s", n, len(rulesFile(t).alerts()), rulesPath)
	}
}

// TestAlertRulesRefuseBadRules keeps TestAlertRules able to fail: rulefmt refuses a rule
// whose expression does not parse or whose template is broken.
func TestAlertRulesRefuseBadRules(t *testing.T) {
	for name, rule := range map[string]string{
		"bad PromQL":   `{alert: A, expr: "sum(rate(x[5m])"}`,
		"bad template": `{alert: A, expr: "x > 0", annotations: {summary: "{{ $labels.x "}}`,
		"bad for":      `{alert: A, expr: "x > 0", for: soon}`,
		"unknown key":  `{alert: A, expr: "x > 0", severity: warning}`,
	} {
		_, errs := rulefmt.Parse([]byte("groups: [{name: g, rules: ["+rule+"]}]"), false, model.UTF8Validation, promQL, slog.New(slog.DiscardHandler))
		if len(errs) == 0 {
			t.Errorf("%s: rulefmt accepts %s", name, rule)
		}
	}
}

// TestAlertsDocumented keeps docs/install.md's table of alerts and the schema's list of alert
// names (metrics.prometheusRule.disabledAlerts) the same as the rule file.
func TestAlertsDocumented(t *testing.T) {
	file := rulesFile(t)
	doc, err := os.ReadFile("../docs/install.md")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			names = append(names, r.Alert)
			for _, want := range []string{"`" + r.Alert + "`", "`" + r.Expr + "`"} {
				if !strings.Contains(string(doc), want) {
					t.Errorf("docs/install.md does not show %s of rules/rigel-alerts.yaml", want)
				}
			}
		}
	}
	raw, err := os.ReadFile(chartDir + "/values.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Properties struct {
			Metrics struct {
				Properties struct {
					PrometheusRule struct {
						Properties struct {
							DisabledAlerts struct {
								Items struct {
									Enum []string `json:"enum"`
								} `json:"items"`
							} `json:"disabledAlerts"`
						} `json:"properties"`
					} `json:"prometheusRule"`
				} `json:"properties"`
			} `json:"metrics"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	enum := slices.Clone(schema.Properties.Metrics.Properties.PrometheusRule.Properties.DisabledAlerts.Items.Enum)
	sort.Strings(enum)
	sort.Strings(names)
	if !slices.Equal(enum, names) {
		t.Errorf("values.schema.json's disabledAlerts names %v, the rule file %v", enum, names)
	}
}
