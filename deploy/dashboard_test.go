package deploy

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

const dashboardPath = "grafana/rigel-dashboard.json"

// grafanaPanel is what the test reads of a panel of the dashboard.
type grafanaPanel struct {
	ID         int             `json:"id"`
	Type       string          `json:"type"`
	Title      string          `json:"title"`
	Datasource json.RawMessage `json:"datasource"`
	GridPos    struct {
		H, W, X, Y int
	} `json:"gridPos"`
	Targets []struct {
		Datasource json.RawMessage `json:"datasource"`
		Expr       string          `json:"expr"`
		RefID      string          `json:"refId"`
	} `json:"targets"`
	Panels []grafanaPanel `json:"panels"` // a row's, when collapsed
}

type grafanaDashboard struct {
	Title         string         `json:"title"`
	UID           string         `json:"uid"`
	SchemaVersion int            `json:"schemaVersion"`
	Panels        []grafanaPanel `json:"panels"`
	Templating    struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

// grafanaVariables are the values the test gives Grafana's variables to parse a query as
// Prometheus would receive it.
var grafanaVariables = strings.NewReplacer(
	"$__rate_interval", "5m", "${__rate_interval}", "5m", "$__interval", "1m", "$__range", "1h",
	"${namespace}", ".*", "$namespace", ".*",
)

// TestDashboard checks deploy/grafana/rigel-dashboard.json: valid JSON of a current Grafana
// schema; the Prometheus data source a variable (${datasource}) everywhere, never a uid of
// someone's Grafana; unique panel ids; every query parses as PromQL and reads only metrics
// Rigel exports (the same check as the alert rules, against a real Rigel's /metrics); and the
// dashboard shows what operators need: commands by outcome, diff and apply latency
// (quantiles), the queue and refused deliveries, the GitHub rate limit, each deployment's
// sync status, the leader and the build info.
func TestDashboard(t *testing.T) {
	raw, err := os.ReadFile(dashboardPath)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(raw) {
		t.Fatalf("%s is not valid JSON", dashboardPath)
	}
	var d grafanaDashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("%s: %v", dashboardPath, err)
	}
	if d.Title == "" || d.UID == "" {
		t.Errorf("title %q uid %q: both are needed for a stable import", d.Title, d.UID)
	}
	// Grafana 12's dashboards are schema 41 and up (Grafana migrates older ones on load).
	if d.SchemaVersion < 41 {
		t.Errorf("schemaVersion %d, want a current one (41 or later)", d.SchemaVersion)
	}
	for _, v := range d.Templating.List {
		if v.Name == "datasource" && (v.Type != "datasource" || v.Query != "prometheus") {
			t.Errorf("variable datasource is %s %v, want a datasource variable of type prometheus", v.Type, v.Query)
		}
	}
	if !slices.ContainsFunc(d.Templating.List, func(v struct {
		Name  string `json:"name"`
		Type  string `json:"type"`
		Query any    `json:"query"`
	}) bool {
		return v.Name == "datasource"
	}) {
		t.Error("no datasource variable")
	}
	for _, bad := range []string{`"__inputs"`, `${DS_`} {
		if bytes.Contains(raw, []byte(bad)) {
			t.Errorf("%s holds %s: an exported dashboard's data source input, not the ${datasource} variable", dashboardPath, bad)
		}
	}
	for _, uid := range datasourceUIDs(t, raw) {
		if uid != "${datasource}" && uid != "-- Grafana --" {
			t.Errorf("a data source uid %q is hard-coded: use ${datasource}", uid)
		}
	}

	exported := exportedMetrics(t)
	ids := map[int]string{}
	read := map[string]bool{}
	var quantiles []string
	var all []grafanaPanel
	for _, p := range d.Panels {
		all = append(all, p)
		all = append(all, p.Panels...)
	}
	for _, p := range all {
		if p.ID <= 0 {
			t.Errorf("panel %q has id %d", p.Title, p.ID)
		}
		if prev, ok := ids[p.ID]; ok {
			t.Errorf("panels %q and %q share id %d", prev, p.Title, p.ID)
		}
		ids[p.ID] = p.Title
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		refs := map[string]bool{}
		for _, tg := range p.Targets {
			if refs[tg.RefID] {
				t.Errorf("panel %q: two queries %s", p.Title, tg.RefID)
			}
			refs[tg.RefID] = true
			q := grafanaVariables.Replace(tg.Expr)
			if strings.Contains(q, "$") {
				t.Errorf("panel %q: %q uses a variable the dashboard does not define", p.Title, tg.Expr)
				continue
			}
			for _, bad := range checkPromQL(q, exported) {
				t.Errorf("panel %q: %s", p.Title, bad)
			}
			if expr, err := promQL.ParseExpr(q); err == nil {
				names, _ := metricNames(expr)
				for _, n := range names {
					read[n] = true
				}
				if strings.HasPrefix(q, "histogram_quantile(") {
					quantiles = append(quantiles, names...)
				}
			}
		}
	}
	for _, want := range []string{
		"rigel_commands_total", "rigel_diff_duration_seconds_bucket", "rigel_apply_duration_seconds_bucket",
		"rigel_queue_depth", "rigel_webhook_rejected_total", "rigel_github_rate_limit_remaining",
		"rigel_deployment_sync_status", "rigel_leader", "rigel_build_info",
	} {
		if !read[want] {
			t.Errorf("no panel shows %s", want)
		}
	}
	for _, h := range []string{"rigel_diff_duration_seconds_bucket", "rigel_apply_duration_seconds_bucket"} {
		if !slices.Contains(quantiles, h) {
			t.Errorf("no histogram_quantile of %s", h)
		}
	}
	checkGrid(t, all)
}

// datasourceUIDs are the uid of every "datasource" reference in the dashboard, wherever it is.
func datasourceUIDs(t *testing.T, raw []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var uids []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, sub := range v {
				if k == "datasource" {
					switch ds := sub.(type) {
					case string: // the old form: a data source's name
						uids = append(uids, ds)
					case map[string]any:
						uid, _ := ds["uid"].(string)
						uids = append(uids, uid)
					}
				}
				walk(sub)
			}
		case []any:
			for _, sub := range v {
				walk(sub)
			}
		}
	}
	walk(v)
	if len(uids) == 0 {
		t.Fatal("the dashboard names no data source")
	}
	return uids
}

// checkGrid checks that no two panels overlap on Grafana's 24-column grid.
func checkGrid(t *testing.T, panels []grafanaPanel) {
	t.Helper()
	cells := map[[2]int]string{}
	for _, p := range panels {
		g := p.GridPos
		if g.W <= 0 || g.H <= 0 || g.X < 0 || g.X+g.W > 24 {
			t.Errorf("panel %q: gridPos %+v is off the grid", p.Title, g)
			continue
		}
		for x := g.X; x < g.X+g.W; x++ {
			for y := g.Y; y < g.Y+g.H; y++ {
				if other, ok := cells[[2]int{x, y}]; ok {
					t.Errorf("panels %q and %q overlap at %d,%d", other, p.Title, x, y)
					return
				}
				cells[[2]int{x, y}] = p.Title
			}
		}
	}
}

// TestDashboardShowsDrift: drift (issue 12) is on the dashboard, from the metric Rigel exports
// (TestDashboard checks that every metric a query reads is exported).
func TestDashboardShowsDrift(t *testing.T) {
	raw, err := os.ReadFile(dashboardPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "rigel_deployment_drift") {
		t.Errorf("%s has no panel of rigel_deployment_drift", dashboardPath)
	}
}
