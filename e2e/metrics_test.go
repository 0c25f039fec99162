package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/rs/zerolog"

	dto "github.com/prometheus/client_model/go"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/buildinfo"
)

// TestMetricsAndLogs runs commands through the real hook, then scrapes /metrics over HTTP and
// reads the bot's JSON logs. A registry write, a GitHub request and the git cache fail once
// on the way, so that config, githubclient and gitsrc log from inside commands too.
func TestMetricsAndLogs(t *testing.T) {
	logs := &lockedBuffer{}
	flaky := &flakyRegistry{}
	b, s := startBotLogging(t, logs, func(next http.RoundTripper) http.RoundTripper { flaky.next = next; return flaky })
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
	gh.FailNext("GET", "/repos/"+r.full+"/collaborators/", http.StatusBadGateway, 1) // GitHub fails once: Rigel retries
	mustContain(t, c.reply("/rigel sync "+name), "/rigel apply "+name)
	flaky.left.Store(1) // the apiserver refuses the registry's next write (the sync's record): Rigel retries
	mustContain(t, c.reply("/rigel apply "+name), "Succeeded")
	if err := os.Remove(filepath.Join(s.CacheDir, r.full+".git", "HEAD")); err != nil { // the git cache breaks
		t.Fatal(err)
	}
	mustContain(t, c.reply("/rigel diff "+name), "0 to create, 0 to change")
	end := time.Now().Add(time.Second)

	mfs := scrape(t, b.internal)
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
	t.Run("build info", func(t *testing.T) {
		// The binary under test is not stamped: its version and revision are what
		// internal/buildinfo reads of it, and the Go version the one running it.
		i := buildinfo.Read()
		labels := map[string]string{"version": i.Version, "revision": i.Revision, "goversion": runtime.Version()}
		if m := find(mfs, "rigel_build_info", labels); m == nil || m.GetGauge().GetValue() != 1 {
			t.Errorf("rigel_build_info%v = %v, want 1; served: %v", labels, m.GetGauge().GetValue(), mfs["rigel_build_info"].GetMetric())
		}
		// The runtime's and the process's collectors are served too (package collectors).
		for _, metric := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_start_time_seconds"} {
			if mfs[metric] == nil {
				t.Errorf("/metrics serves no %s", metric)
			}
		}
	})

	t.Run("every log line written while a command runs names its delivery, repo and issue, and the deployment once known", func(t *testing.T) {
		checkCommandLogs(t, logs.Bytes(), r.full, c.number, name, map[string]string{
			"the registry cannot be written now; retrying": "apply",
			"GitHub request failed; retrying":              "sync",
			"recreating broken repository cache":           "diff",
		})
	})
}

// logLine is one JSON log line, in order.
type logLine struct {
	raw    string
	fields map[string]any
}

func (l logLine) str(key string) string { s, _ := l.fields[key].(string); return s }

// parseLogs reads the bot's JSON lines, failing on a line that is not one JSON object or that
// names a key twice (log stores keep one of them, or refuse the line).
func parseLogs(t *testing.T, logs []byte) []logLine {
	t.Helper()
	var out []logLine
	sc := bufio.NewScanner(bytes.NewReader(logs))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		l := logLine{raw: sc.Text()}
		if err := json.Unmarshal(sc.Bytes(), &l.fields); err != nil {
			t.Fatalf("a log line is not a JSON object: %s", l.raw)
		}
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		seen := map[string]bool{}
		_, _ = dec.Token() // {
		for dec.More() {
			tok, _ := dec.Token()
			key, _ := tok.(string)
			if seen[key] {
				t.Errorf("log line names %q twice: %s", key, l.raw)
			}
			seen[key] = true
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				t.Fatalf("log line %s: %v", l.raw, err)
			}
		}
		out = append(out, l)
	}
	return out
}

// checkCommandLogs checks each command of repo#issue: every line from its first line naming
// its delivery to its summary line names the delivery, repo and issue (other deliveries'
// lines and the replica's own may come in between); lines of diff, sync and apply from gitsrc
// and sync, and their summary, name deployment. Each message of want must have been logged
// inside the command of its verb.
func checkCommandLogs(t *testing.T, logs []byte, repo string, issue int, deployment string, want map[string]string) {
	t.Helper()
	summaries := map[string]bool{"command done": true, "command refused": true, "command failed": true, "command cut short": true}
	inner := map[string]bool{"fetched": true, "commit already cached": true, "recreating broken repository cache": true, "diff computed": true, "plan applied": true}
	lines := parseLogs(t, logs)
	running := map[string]string{} // delivery → verb, while its command runs
	var order []string
	commands := 0
	for _, l := range lines {
		d := l.str("delivery")
		if d != "" && l.str("repo") == repo && l.fields["issue"] == float64(issue) {
			if _, ok := running[d]; !ok {
				order = append(order, d)
				running[d] = ""
			}
		}
		switch {
		case len(running) == 0:
			continue
		case d == "":
			if l.str("github_delivery_id") != "" || l.str("replica") != "" {
				continue // another delivery arriving, or the replica's own work
			}
			t.Errorf("a line written while %v ran names no delivery: %s", order, l.raw)
			continue
		case running[d] == "" && l.str("verb") != "":
			running[d] = l.str("verb")
		}
		if _, ok := running[d]; !ok {
			continue
		}
		if l.str("repo") != repo || l.fields["issue"] != float64(issue) {
			t.Errorf("line of delivery %s without repo %s and issue %d: %s", d, repo, issue, l.raw)
		}
		verb, msg := running[d], l.str("message")
		if v, ok := want[msg]; ok && v == verb {
			delete(want, msg)
		}
		named := verb == "diff" || verb == "sync" || verb == "apply"
		if named && (inner[msg] || (summaries[msg] && l.str("outcome") == "ok")) && l.str("deployment") != deployment {
			t.Errorf("line of %s without deployment %s: %s", verb, deployment, l.raw)
		}
		if summaries[msg] {
			delete(running, d)
			commands++
		}
	}
	if commands < 6 {
		t.Errorf("%d commands logged a summary, want at least 6:\n%s", commands, logs)
	}
	for msg, verb := range want {
		t.Errorf("no %q line inside %s:\n%s", msg, verb, logs)
	}
}

// flakyRegistry answers the next left writes of the registry ConfigMap with 503, as an
// overloaded apiserver does; other requests go to next.
type flakyRegistry struct {
	next http.RoundTripper
	left atomic.Int64
}

func (f *flakyRegistry) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPut && strings.HasSuffix(req.URL.Path, "/configmaps/"+config.SourcesConfigMap) && f.left.Add(-1) >= 0 {
		body := `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"injected: the apiserver is overloaded","reason":"ServiceUnavailable","code":503}`
		return &http.Response{
			StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)), Request: req,
		}, nil
	}
	return f.next.RoundTrip(req)
}

// startBotLogging starts a bot whose debug logs go to w and whose cluster requests go through
// wrap, and returns it with its settings.
func startBotLogging(t *testing.T, w io.Writer, wrap func(http.RoundTripper) http.RoundTripper) (*bot, *config.Settings) {
	t.Helper()
	s := botSettings(t, cluster)
	return serveBot(t, s, wrappedKube(t, cluster, wrap), zerolog.New(w).Level(zerolog.DebugLevel)), s
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
	// Legacy names (letters, digits, _ and :), so every Prometheus can scrape Rigel's. In
	// prometheus/common v0.70 the zero TextParser has no validation scheme and panics.
	p := expfmt.NewTextParser(model.LegacyValidation)
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
