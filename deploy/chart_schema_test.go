package deploy

import (
	"encoding/json"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"sigs.k8s.io/yaml"
)

// validateValues checks values as `helm install -f` would: coalesced with the chart's
// values.yaml, then against values.schema.json.
func validateValues(t *testing.T, text string) error {
	t.Helper()
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := chartutil.CoalesceValues(ch, valuesOf(t, text))
	if err != nil {
		t.Fatal(err)
	}
	return chartutil.ValidateAgainstSingleSchema(vals, ch.Schema)
}

// TestChartSchemaAccepts checks that the defaults and values that use every part of the chart
// pass values.schema.json.
func TestChartSchemaAccepts(t *testing.T) {
	for name, vals := range map[string]string{
		"defaults": ``,
		"everything": `
image: {repository: registry.example/rigel, tag: v1.2.3, digest: "sha256:` + strings.Repeat("a", 64) + `", pullPolicy: Always}
imagePullSecrets: [{name: pull}]
replicas: 3
terminationGracePeriodSeconds: 40
namespace: {create: false, podSecurity: baseline}
rbac: {scope: namespaced, namespaces: [team-a, team-b], deployerName: d, readerName: r}
settings:
  logLevel: debug
  githubAPIURL: https://ghe.example/api/v3/
  githubWebURL: https://ghe.example/
  gitURL: https://git.example/
  diffConcurrency: 8
  workers: 2
  queueSize: 50
  applyWait: 1m30s
  permissions: {apply: admin, diff: read}
  requireApproval: false
  requireMergeable: false
  allowForkApply: false
  allowForkPreview: true
  refuseMergeableStates: [dirty, blocked]
  mergeableRetryWait: 2s
  commandRate: 0
  leaseDuration: 1m
  shutdownGrace: 30s
  defaultPolicy: {namespaces: ["team-*"], clusterScoped: true, refusedKinds: [Secret], namespaceObjects: true, allowEscalation: false}
  protectedNamespaces: [kube-system]
extraEnv: [{name: HTTPS_PROXY, value: "http://proxy:3128"}, {name: X, valueFrom: {secretKeyRef: {name: s, key: k}}}]
secret: {create: true, appID: 12, privateKey: PEM, webhookSecret: hush, markerKey: 0123456789abcdef}
apiToken: {create: true, token: 0123456789abcdef0123}
resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {cpu: 2, memory: 1Gi}}
cacheSizeLimit: 4Gi
service: {type: ClusterIP, port: 8080}
internalService: {port: 9091}
networkPolicy: {enabled: true, hookFrom: [{namespaceSelector: {matchLabels: {a: b}}}], monitoringNamespaceSelector: null, egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}]}]}
metrics:
  serviceMonitor: {enabled: true, interval: 1m, scrapeTimeout: 30s, labels: {release: prom}}
  prometheusRule: {enabled: true, labels: {release: prom}, alertLabels: {team: platform}, disabledAlerts: [RigelNoLeader, RigelVersionsMixed]}
podAnnotations: {a: b}
nodeSelector: {kubernetes.io/arch: arm64}
tolerations: [{key: k, operator: Exists}]
affinity: {nodeAffinity: {}}
`,
	} {
		t.Run(name, func(t *testing.T) {
			if err := validateValues(t, vals); err != nil {
				t.Errorf("values.schema.json refuses them: %v", err)
			}
		})
	}
}

// TestChartSchemaRefuses checks that wrong types and unknown keys are refused with the
// schema's message, naming the field (Helm names it by its JSON pointer).
func TestChartSchemaRefuses(t *testing.T) {
	tests := []struct {
		name, vals string
		want       []string
	}{
		{"unknown top-level key", `replica: 2`, []string{"replica", "additional propert"}},
		{"wrong type", `replicas: "2"`, []string{"/replicas", "integer"}},
		{"ServiceMonitor switch not a boolean", `metrics: {serviceMonitor: {enabled: "yes"}}`, []string{"/metrics/serviceMonitor/enabled", "boolean"}},
		{"unknown ServiceMonitor key", `metrics: {serviceMonitor: {intervall: 1m}}`, []string{"/metrics/serviceMonitor", "intervall"}},
		{"interval not a duration", `metrics: {serviceMonitor: {interval: 30}}`, []string{"/metrics/serviceMonitor/interval", "string"}},
		{"interval with a bad unit", `metrics: {serviceMonitor: {interval: 30sec}}`, []string{"/metrics/serviceMonitor/interval"}},
		{"label value not a string", `metrics: {serviceMonitor: {labels: {release: 1}}}`, []string{"/metrics/serviceMonitor/labels/release", "string"}},
		{"unknown alert to disable", `metrics: {prometheusRule: {disabledAlerts: [RigelBroken]}}`, []string{"/metrics/prometheusRule/disabledAlerts/0"}},
		{"unknown metrics key", `metrics: {grafana: {enabled: true}}`, []string{"/metrics", "grafana"}},
		{"unknown resources key", `resources: {limit: {cpu: 1}}`, []string{"/resources", "limit"}},
		{"unknown pull secret key", `imagePullSecrets: [{name: a, namespace: b}]`, []string{"/imagePullSecrets/0", "namespace"}},
		{"env without a name", `extraEnv: [{value: x}]`, []string{"/extraEnv/0", "name"}},
		{"bad digest", `image: {digest: "sha256:abc"}`, []string{"/image/digest"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateValues(t, tt.vals)
			if err == nil {
				t.Fatalf("values.schema.json accepts %s", tt.vals)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// freeForm are the values whose content the schema leaves to Kubernetes (they are passed
// through to an object's field as they are): the schema types them, not their keys.
var freeForm = []string{
	"global", "affinity", "tolerations", "rbac.readerRules", "rbac.deployerRules", "rbac.prunerRules",
	"networkPolicy.hookFrom", "networkPolicy.egress", "networkPolicy.monitoringNamespaceSelector",
	"extraEnv",
}

// TestChartSchemaCoversValues checks that values.schema.json declares every value of
// values.yaml by name (or as the values of a map it types), so that none is left unchecked,
// and that every object of the schema but the free-form ones refuses unknown keys.
func TestChartSchemaCoversValues(t *testing.T) {
	raw, err := os.ReadFile(chartDir + "/values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var vals map[string]any
	if err := yaml.Unmarshal(raw, &vals); err != nil {
		t.Fatal(err)
	}
	rawSchema, err := os.ReadFile(chartDir + "/values.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(rawSchema, &schema); err != nil {
		t.Fatal(err)
	}
	var uncovered []string
	var walk func(path string, v any, s map[string]any)
	walk = func(path string, v any, s map[string]any) {
		if slices.Contains(freeForm, path) {
			return
		}
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		props, _ := s["properties"].(map[string]any)
		for k, sub := range m {
			p := strings.TrimPrefix(path+"."+k, ".")
			if ps, ok := props[k].(map[string]any); ok {
				walk(p, sub, ps)
			} else if ap, ok := s["additionalProperties"].(map[string]any); ok {
				walk(p, sub, ap)
			} else {
				uncovered = append(uncovered, p)
			}
		}
	}
	walk("", vals, schema)
	sort.Strings(uncovered)
	if len(uncovered) > 0 {
		t.Errorf("values.schema.json does not declare %v", uncovered)
	}

	var open []string
	var check func(path string, s map[string]any)
	check = func(path string, s map[string]any) {
		if slices.Contains(freeForm, path) {
			return
		}
		props, hasProps := s["properties"].(map[string]any)
		if hasProps && s["additionalProperties"] != false {
			open = append(open, path)
		}
		for k, sub := range props {
			if ss, ok := sub.(map[string]any); ok {
				check(strings.TrimPrefix(path+"."+k, "."), ss)
			}
		}
	}
	check("", schema)
	sort.Strings(open)
	if len(open) > 0 {
		t.Errorf("values.schema.json objects accept unknown keys: %v", open)
	}
}
