package deploy

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/metrics"
)

// exported caches exportedMetrics: one Rigel is started for all the tests that ask.
var exported struct {
	once  gosync.Once
	names map[string]bool
	err   error
}

// exportedMetrics are the names of the series Rigel exports on /metrics, found as Prometheus
// would find them, never listed by hand: a real Rigel (app.New, against the test bed's
// apiserver and the fake GitHub) is started and its /metrics scraped; and since a labelled
// family has no series until something happens (a command, a diff, an apply, a sync), the
// registry of metrics.New is scraped too after one of each through the package's own methods.
// A histogram gives its _bucket, _sum and _count series, a summary its _sum and _count.
func exportedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	exported.once.Do(func() { exported.names, exported.err = scrapeRigel() })
	if exported.err != nil {
		t.Fatal(exported.err)
	}
	return exported.names
}

func scrapeRigel() (map[string]bool, error) {
	names := map[string]bool{}

	// One of each event through the metrics package, on a registry of its own.
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	m.CommandDone("diff", metrics.OutcomeOK)
	m.Diffed("web", time.Second)
	m.Applied("web", time.Second, "Succeeded", time.Now())
	m.Synced("web", "Failed", time.Now())
	m.Drifted("web", true) // drift (issue 12)
	mfs, err := reg.Gather()
	if err != nil {
		return nil, fmt.Errorf("failed to gather metrics.New's registry: %w", err)
	}
	for _, mf := range mfs {
		addFamily(names, mf)
	}

	// A real Rigel: its /metrics over its internal listener's handler.
	ns := "rigel-metrics"
	if err := cluster.CreateNamespace(ns); err != nil {
		return nil, err
	}
	gh, err := testenv.StartGitHub(nil)
	if err != nil {
		return nil, err
	}
	defer gh.Stop()
	kc, err := kube.New(cluster.Config)
	if err != nil {
		return nil, err
	}
	cache, err := os.MkdirTemp("", "rigel-metric-names-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(cache)
	s := &config.Settings{
		Namespace: ns, GitHubAPIURL: gh.URL(), GitHubWebURL: gh.WebURL(), GitURL: gh.WebURL(),
		ListenAddr: "127.0.0.1:0", InternalListenAddr: "127.0.0.1:0",
		AppID: gh.AppID, PrivateKey: gh.PrivateKeyPEM, WebhookSecret: "metric-names-secret",
		CacheDir: cache, DiffConcurrency: 4, Workers: 1, QueueSize: 10, ApplyWait: time.Minute,
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := app.New(ctx, s, kc, zerolog.Nop())
	if err != nil {
		return nil, fmt.Errorf("failed to start Rigel: %w", err)
	}
	rec := httptest.NewRecorder()
	a.Internal.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics answered %d: %s", rec.Code, rec.Body)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	scraped, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		return nil, fmt.Errorf("/metrics is not Prometheus's text format: %w", err)
	}
	for _, mf := range scraped {
		addFamily(names, mf)
	}
	if v := gh.Violations(); len(v) > 0 {
		return nil, fmt.Errorf("Rigel sent the fake GitHub requests the real API would reject:\n%s", strings.Join(v, "\n"))
	}
	// Rigel's own and the Go collectors'; a scrape that lost one of them is no reference.
	for _, must := range []string{"rigel_build_info", "rigel_leader", "rigel_webhook_busy_total", "rigel_commands_total", "rigel_diff_duration_seconds_bucket", "go_goroutines", "process_start_time_seconds"} {
		if !names[must] {
			return nil, fmt.Errorf("Rigel exports no %s: %v", must, sortedKeys(names))
		}
	}
	return names, nil
}

func addFamily(names map[string]bool, mf *dto.MetricFamily) {
	switch mf.GetType() {
	case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			names[mf.GetName()+suffix] = true
		}
	case dto.MetricType_SUMMARY:
		names[mf.GetName()] = true // the quantiles
		names[mf.GetName()+"_sum"], names[mf.GetName()+"_count"] = true, true
	default:
		names[mf.GetName()] = true
	}
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// promQL is the parser of promtool, with its default options.
var promQL = parser.NewParser(parser.Options{})

// metricNames are the metric names expr reads (each vector selector's name), or an error when
// a selector names none (a regular expression on __name__ cannot be checked).
func metricNames(expr parser.Expr) ([]string, error) {
	var names []string
	var err error
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		vs, ok := node.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := vs.Name
		for _, m := range vs.LabelMatchers {
			if m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual && name == "" {
				name = m.Value
			}
		}
		if name == "" {
			err = fmt.Errorf("selector %s names no metric", vs)
		} else if !slices.Contains(names, name) {
			names = append(names, name)
		}
		return nil
	})
	return names, err
}

// checkPromQL parses q as promtool does and checks that every metric it reads is one Rigel
// exports; it returns what is wrong.
func checkPromQL(q string, exported map[string]bool) []string {
	expr, err := promQL.ParseExpr(q)
	if err != nil {
		return []string{fmt.Sprintf("%q does not parse: %v", q, err)}
	}
	names, err := metricNames(expr)
	var bad []string
	if err != nil {
		bad = append(bad, fmt.Sprintf("%q: %v", q, err))
	}
	if len(names) == 0 {
		bad = append(bad, fmt.Sprintf("%q reads no metric", q))
	}
	for _, n := range names {
		if !exported[n] {
			bad = append(bad, fmt.Sprintf("%q reads %s, which Rigel does not export", q, n))
		}
	}
	return bad
}

// TestMetricNameCheck keeps checkPromQL able to fail.
func TestMetricNameCheck(t *testing.T) {
	exported := map[string]bool{"rigel_commands_total": true, "rigel_diff_duration_seconds_bucket": true}
	tests := []struct {
		q    string
		want string // a part of the first problem; "" for none
	}{
		{`sum by (outcome) (rate(rigel_commands_total[5m]))`, ""},
		{`histogram_quantile(0.9, sum by (le) (rate(rigel_diff_duration_seconds_bucket[5m])))`, ""},
		{`{__name__="rigel_commands_total"}`, ""},
		{`rate(rigel_command_total[5m])`, "rigel_command_total, which Rigel does not export"},
		{`rigel_commands_total + on() rigel_renamed`, "rigel_renamed"},
		{`{__name__=~"rigel_.+"}`, "names no metric"},
		{`sum(rate(rigel_commands_total[5m])`, "does not parse"},
		{`vector(1)`, "reads no metric"},
	}
	for _, tt := range tests {
		bad := checkPromQL(tt.q, exported)
		switch {
		case tt.want == "" && len(bad) > 0:
			t.Errorf("%s: %v", tt.q, bad)
		case tt.want != "" && (len(bad) == 0 || !strings.Contains(bad[0], tt.want)):
			t.Errorf("%s: problems %v, want one with %q", tt.q, bad, tt.want)
		}
	}
}
