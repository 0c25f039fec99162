package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	gosync "sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/rs/zerolog"

	dto "github.com/prometheus/client_model/go"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/config"
)

// TestMetricsAndLogs runs commands through the real hook, then scrapes /metrics over HTTP and
// reads the bot's JSON logs.
func TestMetricsAndLogs(t *testing.T) {
	logs := &lockedBuffer{}
	b := startBotLogging(t, logs)
	ns := unique("metrics")
	r := newRepo(t, webFiles(ns, 1, "pw"))
	name := unique("metricsweb")
	c := b.issue(r)
	reader := unique("reader")
	gh.SetPermission(r.full, reader, "read")

	begin := time.Now().Add(-time.Second)
	mustContain(t, c.reply("/rigel help"), "/rigel diff")
	mustContain(t, c.reply("/rigel frobnicate"), "not a Rigel command")
	mustContain(t, c.replyAs(reader, "/rigel sync "+name), "Nothing was done")
	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s --name "+name), "Registered deployment")
	mustContain(t, c.reply("/rigel apply "+name), "nothing was previewed")
	mustContain(t, c.reply("/rigel sync "+name), "/rigel apply "+name)
	mustContain(t, c.reply("/rigel apply "+name), "Succeeded")
	mustContain(t, c.reply("/rigel diff "+name), "0 to create, 0 to change")
	end := time.Now().Add(time.Second)

	mfs := scrape(t, b.url)
	t.Run("commands by verb and outcome", func(t *testing.T) {
		want := map[[2]string]float64{
			{"help", "ok"}: 1, {"unknown", "refused"}: 1, {"sync", "refused"}: 1, {"add-deployment", "ok"}: 1,
			{"apply", "refused"}: 1, {"sync", "ok"}: 1, {"apply", "ok"}: 1, {"diff", "ok"}: 1,
		}
		got := map[[2]string]float64{}
		for _, m := range mfs["rigel_commands_total"].GetMetric() {
			got[[2]string{label(m, "verb"), label(m, "outcome")}] = m.GetCounter().GetValue()
		}
		if len(got) != len(want) {
			t.Errorf("series %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("rigel_commands_total{verb=%q,outcome=%q} = %v, want %v", k[0], k[1], got[k], v)
			}
		}
	})
	t.Run("diff and apply durations", func(t *testing.T) {
		// sync and diff each diff once, and apply diffs again before it applies.
		for metric, want := range map[string]uint64{"rigel_diff_duration_seconds": 3, "rigel_apply_duration_seconds": 1} {
			m := find(mfs, metric, map[string]string{"deployment": name})
			if m == nil {
				t.Fatalf("no %s{deployment=%q}", metric, name)
			}
			h := m.GetHistogram()
			if h.GetSampleCount() != want || h.GetSampleSum() <= 0 || h.GetSampleSum() > end.Sub(begin).Seconds() {
				t.Errorf("%s: %d samples summing to %vs, want %d within the test's %v", metric, h.GetSampleCount(), h.GetSampleSum(), want, end.Sub(begin))
			}
		}
	})
	t.Run("sync status", func(t *testing.T) {
		for status, want := range map[string]float64{"Succeeded": 1, "Failed": 0, "Unhealthy": 0} {
			m := find(mfs, "rigel_deployment_sync_status", map[string]string{"deployment": name, "status": status})
			if m == nil || m.GetGauge().GetValue() != want {
				t.Errorf("rigel_deployment_sync_status{status=%q} = %v, want %v", status, m.GetGauge().GetValue(), want)
			}
		}
		m := find(mfs, "rigel_deployment_last_sync_timestamp_seconds", map[string]string{"deployment": name})
		if ts := m.GetGauge().GetValue(); ts < float64(begin.Unix()) || ts > float64(end.Unix()) {
			t.Errorf("last sync at %v, want between %d and %d", ts, begin.Unix(), end.Unix())
		}
	})
	t.Run("webhook queue", func(t *testing.T) {
		for metric, labels := range map[string]map[string]string{
			"rigel_queue_depth": nil, "rigel_workers_busy": nil, "rigel_webhook_rejected_total": {"reason": "queue_full"},
		} {
			m := find(mfs, metric, labels)
			if m == nil {
				t.Fatalf("no %s%v", metric, labels)
			}
			if v := m.GetGauge().GetValue() + m.GetCounter().GetValue(); v != 0 {
				t.Errorf("%s%v = %v with every delivery answered, want 0", metric, labels, v)
			}
		}
	})
	t.Run("GitHub requests by code", func(t *testing.T) {
		codes := map[string]float64{}
		for _, m := range mfs["rigel_github_requests_total"].GetMetric() {
			codes[label(m, "code")] = m.GetCounter().GetValue()
		}
		// 8 replies and 8 reactions were created; every command read the commenter's role.
		if codes["201"] < 8 || codes["200"] < 8 {
			t.Errorf("GitHub requests by code = %v, want at least 8 created (201) and 8 read (200)", codes)
		}
	})

	t.Run("every log line of a command names the delivery, repo and issue, and the deployment inside one", func(t *testing.T) {
		summaries := map[string]bool{"command done": true, "command refused": true, "command failed": true, "permission checked": true}
		inside := 0
		sc := bufio.NewScanner(bytes.NewReader(logs.Bytes()))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var line map[string]any
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatalf("a log line is not JSON: %s", sc.Text())
			}
			verb, _ := line["verb"].(string)
			if line["repo"] != r.full || (verb != "sync" && verb != "apply" && verb != "diff") {
				continue
			}
			if line["delivery"] == "" || line["delivery"] == nil || line["issue"] != float64(c.number) {
				t.Errorf("log line without delivery or issue: %s", sc.Text())
			}
			if msg, _ := line["message"].(string); !summaries[msg] && line["author"] != reader {
				inside++
				if line["deployment"] != name {
					t.Errorf("log line of %s without deployment %s: %s", verb, name, sc.Text())
				}
			}
		}
		if inside < 3 { // at least a fetch or diff line each for sync, apply and diff
			t.Errorf("%d log lines from inside diff, sync and apply, want at least 3:\n%s", inside, logs.Bytes())
		}
	})
}

// startBotLogging is startBot with the bot's debug logs written to w.
func startBotLogging(t *testing.T, w *lockedBuffer) *bot {
	t.Helper()
	ns := unique("rigel-")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	s := &config.Settings{
		Namespace: ns, GitHubAPIURL: gh.URL(), GitHubWebURL: gh.WebURL(), ListenAddr: "127.0.0.1:0", AppID: gh.AppID, PrivateKey: gh.PrivateKeyPEM,
		WebhookSecret: webhookSecret, CacheDir: t.TempDir(), DiffConcurrency: 16, Workers: 4, QueueSize: 100,
		ApplyWait: 20 * time.Second, RequireApproval: true, RequireMergeable: true,
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, s, kc, zerolog.New(w).Level(zerolog.DebugLevel))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = a.Serve(ctx, l); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return &bot{t: t, url: "http://" + l.Addr().String(), namespace: ns, app: a}
}

type lockedBuffer struct {
	mu  gosync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.buf.Bytes())
}

// scrape reads /metrics over HTTP as Prometheus would.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics answered %d", resp.StatusCode)
	}
	var p expfmt.TextParser
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics is not the Prometheus text format: %v", err)
	}
	return mfs
}

// find is the series of metric with exactly labels.
func find(mfs map[string]*dto.MetricFamily, metric string, labels map[string]string) *dto.Metric {
	for _, m := range mfs[metric].GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		ok := true
		for _, lp := range m.GetLabel() {
			ok = ok && labels[lp.GetName()] == lp.GetValue()
		}
		if ok {
			return m
		}
	}
	return nil
}

func label(m *dto.Metric, name string) string {
	for _, lp := range m.GetLabel() {
		if lp.GetName() == name {
			return lp.GetValue()
		}
	}
	return ""
}
