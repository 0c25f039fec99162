package deploy

import (
	"maps"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

func valuesOf(t *testing.T, text string) map[string]any {
	t.Helper()
	vals := map[string]any{}
	if err := yaml.Unmarshal([]byte(text), &vals); err != nil {
		t.Fatal(err)
	}
	return vals
}

// TestChartMonitoringOnlyWhenEnabled checks that the ServiceMonitor and the PrometheusRule
// (which need the Prometheus Operator's CRDs) are rendered only when asked for, each alone.
func TestChartMonitoringOnlyWhenEnabled(t *testing.T) {
	tests := []struct {
		name, vals    string
		monitor, rule bool
	}{
		{"defaults", ``, false, false},
		{"ServiceMonitor", `metrics: {serviceMonitor: {enabled: true}}`, true, false},
		{"PrometheusRule", `metrics: {prometheusRule: {enabled: true}}`, false, true},
		{"both", `metrics: {serviceMonitor: {enabled: true}, prometheusRule: {enabled: true}}`, true, true},
		{"explicitly off", `metrics: {serviceMonitor: {enabled: false, labels: {a: b}}, prometheusRule: {enabled: false}}`, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := renderChart(t, rigelNS, valuesOf(t, tt.vals))
			if got := has(objs, "ServiceMonitor", rigelNS, "rigel"); got != tt.monitor {
				t.Errorf("ServiceMonitor rendered: %v, want %v", got, tt.monitor)
			}
			if got := has(objs, "PrometheusRule", rigelNS, "rigel"); got != tt.rule {
				t.Errorf("PrometheusRule rendered: %v, want %v", got, tt.rule)
			}
			for _, u := range objs {
				if u.GetAPIVersion() == "monitoring.coreos.com/v1" && u.GetKind() != "ServiceMonitor" && u.GetKind() != "PrometheusRule" {
					t.Errorf("unexpected %s %s", u.GetKind(), u.GetName())
				}
			}
		})
	}
}

// TestChartServiceMonitor checks that the ServiceMonitor scrapes /metrics on the internal
// port of rigel-internal and of no other Service (the webhook's Service answers /metrics 404),
// in the release's namespace, with the interval and labels of the values.
func TestChartServiceMonitor(t *testing.T) {
	objs := renderChart(t, "mon", valuesOf(t, `
internalService: {port: 9999}
metrics: {serviceMonitor: {enabled: true, interval: 15s, scrapeTimeout: 5s, labels: {release: kube-prometheus-stack}}}`))
	sm := find(t, objs, "ServiceMonitor", "mon", "rigel")
	if sm.GetAPIVersion() != "monitoring.coreos.com/v1" {
		t.Errorf("apiVersion %s, want monitoring.coreos.com/v1", sm.GetAPIVersion())
	}
	if l := sm.GetLabels(); l["release"] != "kube-prometheus-stack" || l["app.kubernetes.io/managed-by"] != "Helm" {
		t.Errorf("labels %v, want the values' release label and Helm's", l)
	}
	var spec struct {
		Selector struct {
			MatchLabels map[string]string `json:"matchLabels"`
		} `json:"selector"`
		NamespaceSelector struct {
			MatchNames []string `json:"matchNames"`
		} `json:"namespaceSelector"`
		Endpoints []map[string]any `json:"endpoints"`
	}
	decodeField(t, sm, "spec", &spec)
	if !slices.Equal(spec.NamespaceSelector.MatchNames, []string{"mon"}) {
		t.Errorf("namespaceSelector %v, want the release's namespace only", spec.NamespaceSelector.MatchNames)
	}
	selector := labels.SelectorFromSet(spec.Selector.MatchLabels)
	var selected []string
	for _, u := range objs {
		if u.GetKind() == "Service" && u.GetNamespace() == "mon" && selector.Matches(labels.Set(u.GetLabels())) {
			selected = append(selected, u.GetName())
		}
	}
	if !slices.Equal(selected, []string{"rigel-internal"}) {
		t.Fatalf("the ServiceMonitor selects Services %v, want [rigel-internal]", selected)
	}
	if len(spec.Endpoints) != 1 {
		t.Fatalf("endpoints %v, want one", spec.Endpoints)
	}
	want := map[string]any{"port": "internal", "path": "/metrics", "scheme": "http", "interval": "15s", "scrapeTimeout": "5s"}
	if !maps.Equal(spec.Endpoints[0], want) {
		t.Errorf("endpoint %v, want %v", spec.Endpoints[0], want)
	}
	// The port it names is the Service's, and leads to the container's port that serves /metrics.
	var svc corev1.Service
	convert(t, find(t, objs, "Service", "mon", "rigel-internal"), &svc)
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Name != "internal" || svc.Spec.Ports[0].TargetPort.String() != "internal" || svc.Spec.Ports[0].Port != 9999 {
		t.Errorf("rigel-internal ports %+v, want one named internal to the container's port internal", svc.Spec.Ports)
	}

	// Without scrapeTimeout, Prometheus's default: the field is left out.
	objs = renderChart(t, "mon", valuesOf(t, `metrics: {serviceMonitor: {enabled: true}}`))
	spec.Endpoints = nil
	decodeField(t, find(t, objs, "ServiceMonitor", "mon", "rigel"), "spec", &spec)
	if _, ok := spec.Endpoints[0]["scrapeTimeout"]; ok || spec.Endpoints[0]["interval"] != "30s" {
		t.Errorf("default endpoint %v, want interval 30s and no scrapeTimeout", spec.Endpoints[0])
	}
}

// promRule is the part of a PrometheusRule's spec (and of a Prometheus rule file) the tests read.
type promRule struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []struct {
			Alert       string            `json:"alert"`
			Expr        string            `json:"expr"`
			For         string            `json:"for"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"rules"`
	} `json:"groups"`
}

func (p promRule) alerts() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, g := range p.Groups {
		for _, r := range g.Rules {
			out[r.Alert] = r.Labels
		}
	}
	return out
}

func decodeField(t *testing.T, u *unstructured.Unstructured, field string, into any) {
	t.Helper()
	raw, err := yaml.Marshal(u.Object[field])
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, into); err != nil {
		t.Fatalf("%s %s: %s: %v", u.GetKind(), u.GetName(), field, err)
	}
}

// TestChartPrometheusRuleValues checks the PrometheusRule's values: its labels, the labels
// added to every alert (an alert's own severity wins) and the alerts left out.
func TestChartPrometheusRuleValues(t *testing.T) {
	file := rulesFile(t)
	all := file.alerts()
	objs := renderChart(t, rigelNS, valuesOf(t, `
metrics:
  prometheusRule:
    enabled: true
    labels: {release: kube-prometheus-stack}
    alertLabels: {team: platform, severity: page}
    disabledAlerts: [RigelVersionsMixed, RigelNoLeader]`))
	pr := find(t, objs, "PrometheusRule", rigelNS, "rigel")
	if pr.GetLabels()["release"] != "kube-prometheus-stack" {
		t.Errorf("labels %v lack release", pr.GetLabels())
	}
	var spec promRule
	decodeField(t, pr, "spec", &spec)
	got := spec.alerts()
	for name, own := range all {
		l, ok := got[name]
		switch {
		case name == "RigelVersionsMixed" || name == "RigelNoLeader":
			if ok {
				t.Errorf("%s is rendered though disabled", name)
			}
		case !ok:
			t.Errorf("%s is not rendered", name)
		case l["team"] != "platform" || l["severity"] != own["severity"] || own["severity"] == "":
			t.Errorf("%s labels %v, want team platform and its own severity %q", name, l, own["severity"])
		}
	}
	if len(got) != len(all)-2 {
		t.Errorf("%d alerts rendered, want %d", len(got), len(all)-2)
	}

	// With the defaults, the rule file as it is.
	objs = renderChart(t, rigelNS, valuesOf(t, `metrics: {prometheusRule: {enabled: true}}`))
	spec = promRule{}
	decodeField(t, find(t, objs, "PrometheusRule", rigelNS, "rigel"), "spec", &spec)
	a, _ := yaml.Marshal(spec)
	b, _ := yaml.Marshal(file)
	if string(a) != string(b) {
		t.Errorf("the PrometheusRule's spec:\n%s\ndiffers from rules/rigel-alerts.yaml:\n%s", a, b)
	}
}
