package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"

	"github.com/rs/zerolog"
	"helm.sh/helm/v3/pkg/chart"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// Chart dependencies fetched end to end (issue 13): a chart whose Chart.lock dependency comes
// from an allowlisted chart repository over TLS with its own CA — trusted by the bot only
// through RIGEL_HELM_CA_FILE — is registered, previewed and applied through the bot; and one
// from a private repository, with the credentials of RIGEL_HELM_CREDENTIALS_FILE, which go to
// that repository only and never show in a reply or a log.

// fetchedChartFiles is chartRepoFiles with charts/web depending on the charts of repos
// (name -> repository URL), each locked at 1.2.3, and a template naming the namespace.
func fetchedChartFiles(t *testing.T, ns string, repos map[string]string) map[string]string {
	t.Helper()
	files := chartRepoFiles(ns)
	deps := []*chart.Dependency{{Name: "db", Version: "0.1.0"}}
	pinned := map[string]string{}
	for _, name := range []string{"common", "extra"} {
		if u, ok := repos[name]; ok {
			deps = append(deps, &chart.Dependency{Name: name, Version: "~1.2.0", Repository: u})
			pinned[name] = "1.2.3"
		}
	}
	files["charts/web/Chart.yaml"], files["charts/web/Chart.lock"] = testenv.LockedChart(t, "web", deps, pinned)
	return files
}

// fetchedChart is a chart the test repositories serve: a ConfigMap named after it.
func fetchedChart(name string) testenv.ChartArchive {
	return testenv.ChartArchive{Name: name, Version: "1.2.3", Files: map[string]string{
		"values.yaml":       "greeting: hello\n",
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-" + name + "\n  namespace: {{ .Release.Namespace }}\ndata:\n  greeting: {{ .Values.greeting }}\n",
	}}
}

// writeTemp writes data to a file of the test's.
func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// keptLog keeps the bot's log to search it, and sends it to the test too.
type keptLog struct {
	mu   gosync.Mutex
	buf  bytes.Buffer
	next io.Writer
}

func (l *keptLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.buf.Write(p)
	l.mu.Unlock()
	return l.next.Write(p)
}

func (l *keptLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// startChartBot starts a bot with the chart settings tune sets, keeping its log.
func startChartBot(t *testing.T, tune func(s *config.Settings)) (*bot, *keptLog) {
	t.Helper()
	s := botSettings(t, cluster)
	tune(s)
	log := &keptLog{next: newTestLog(t)}
	return serveBot(t, s, kc, zerolog.New(log).Level(zerolog.InfoLevel)), log
}

func TestChartFetchedFromTLSRepository(t *testing.T) {
	charts := testenv.NewChartRepo(t, fetchedChart("common"))
	ca := writeTemp(t, "ca.crt", charts.CAPEM())
	ns := unique("chartfetch")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	r := newRepo(t, fetchedChartFiles(t, ns, map[string]string{"common": charts.URL}))

	t.Run("without the CA file the repository is not trusted", func(t *testing.T) {
		b, _ := startChartBot(t, func(s *config.Settings) { s.HelmRepositories = []string{charts.URL} })
		c := b.issue(r)
		before := b.registryYAML()
		mustContain(t, c.reply("/rigel add-deployment charts/web --name "+unique("web-untrusted")+" --release web --namespace "+ns),
			"failed to read the index of chart repository", "certificate signed by unknown authority", "add that CA to RIGEL_HELM_CA_FILE")
		if after := b.registryYAML(); after != before {
			t.Errorf("the failure changed the registry:\n%s", after)
		}
	})

	b, _ := startChartBot(t, func(s *config.Settings) {
		s.HelmRepositories, s.HelmCAFile = []string{charts.URL}, ca
	})
	c := b.issue(r)
	dep := unique("web-fetched")
	mustContain(t, c.reply("/rigel add-deployment charts/web --name "+dep+" --release web --namespace "+ns),
		"✅ Registered deployment `"+dep+"`", "It is a Helm chart")
	mustContain(t, c.reply("/rigel diff "+dep), "ConfigMap/"+ns+"/web-common", "+  greeting: hello", "ConfigMap/"+ns+"/web-web")
	c.reply("/rigel sync " + dep)
	mustContain(t, c.reply("/rigel apply "+dep), "Succeeded")
	cm := getConfigMap(t, ns, "web-common")
	if cm.Data["greeting"] != "hello" {
		t.Errorf("the fetched chart's ConfigMap holds %v", cm.Data)
	}
	checkProvenance(t, cm, dep)
	// Registered, previewed, armed and applied: the index and the archive were read once,
	// then the archive came from the cache by its digest.
	if got := charts.Requests(); len(got) != 2 || got[0] != "GET /charts/index.yaml" || got[1] != "GET /charts/common-1.2.3.tgz" {
		t.Errorf("the chart repository answered %q, want the index and the archive once", got)
	}
}

func TestChartFetchedFromPrivateRepository(t *testing.T) {
	const user, password = "deployer", "pr1vate/Pa55+word"
	private := testenv.NewChartRepo(t, fetchedChart("common"))
	private.RequireBasic(user, password)
	public := testenv.NewChartRepo(t, fetchedChart("extra"))
	ca := writeTemp(t, "ca.crt", private.CAPEM()) // httptest's one certificate: both repositories
	credsFor := func(pass string) string {
		auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
		data, err := json.Marshal(map[string]any{"auths": map[string]any{strings.TrimPrefix(private.Server.URL, "https://"): map[string]string{"auth": auth}}})
		if err != nil {
			t.Fatal(err)
		}
		return writeTemp(t, "config.json", data)
	}
	ns := unique("chartprivate")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	r := newRepo(t, fetchedChartFiles(t, ns, map[string]string{"common": private.URL, "extra": public.URL}))
	secrets := []string{password, base64.StdEncoding.EncodeToString([]byte(user + ":" + password))}
	noSecret := func(t *testing.T, what, s string) {
		t.Helper()
		for _, sec := range secrets {
			if strings.Contains(s, sec) {
				t.Errorf("%s shows the credentials", what)
			}
		}
	}

	t.Run("wrong credentials are refused by the repository, and never shown", func(t *testing.T) {
		b, log := startChartBot(t, func(s *config.Settings) {
			s.HelmRepositories, s.HelmCAFile, s.HelmCredentialsFile = []string{private.URL, public.URL}, ca, credsFor("wrong-"+password)
		})
		got := b.issue(r).reply("/rigel add-deployment charts/web --name " + unique("web-wrong") + " --release web --namespace " + ns)
		mustContain(t, got, "refused the credentials of RIGEL_HELM_CREDENTIALS_FILE for "+strings.TrimPrefix(private.Server.URL, "https://")+" (user deployer)")
		noSecret(t, "the reply", got)
		noSecret(t, "the log", log.String())
	})

	before := len(private.Requests())
	b, log := startChartBot(t, func(s *config.Settings) {
		s.HelmRepositories, s.HelmCAFile, s.HelmCredentialsFile = []string{private.URL, public.URL}, ca, credsFor(password)
	})
	c := b.issue(r)
	dep := unique("web-private")
	var replies []string
	say := func(cmd string) string {
		got := c.reply(cmd)
		replies = append(replies, got)
		return got
	}
	mustContain(t, say("/rigel add-deployment charts/web --name "+dep+" --release web --namespace "+ns), "✅ Registered deployment `"+dep+"`")
	mustContain(t, say("/rigel diff "+dep), "ConfigMap/"+ns+"/web-common", "ConfigMap/"+ns+"/web-extra")
	say("/rigel sync " + dep)
	mustContain(t, say("/rigel apply "+dep), "Succeeded")
	for _, name := range []string{"web-common", "web-extra"} {
		checkProvenance(t, getConfigMap(t, ns, name), dep)
	}

	wantBasic := "Basic " + secrets[1]
	auths := private.Authorizations()[before:]
	if len(auths) != 2 {
		t.Errorf("the private repository answered %q, want the index and the archive", private.Requests()[before:])
	}
	for i, a := range auths {
		if a != wantBasic {
			t.Errorf("request %d to the private repository bore %q, want its credentials", i, a)
		}
	}
	for i, a := range public.Authorizations() {
		if a != "" {
			t.Errorf("request %d to the other repository bore an Authorization: the credentials are for another host", i)
		}
	}
	if len(public.Requests()) == 0 {
		t.Error("the other repository was never asked: the test proves nothing about it")
	}
	noSecret(t, "the replies", strings.Join(replies, "\n"))
	noSecret(t, "the log", log.String())
}
