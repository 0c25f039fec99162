package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/kube"
)

const webhookSecret = "e2e-webhook-secret"

var (
	cluster *testenv.Cluster
	git     *testenv.GitServer
	gh      *testenv.GitHub
	kc      *kube.Client
)

func TestMain(m *testing.M) {
	os.Exit(func() int {
		var err error
		if cluster, err = testenv.StartCluster(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		defer cluster.Stop()
		if git, err = testenv.StartGitServer(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		defer git.Stop()
		if gh, err = testenv.StartGitHub(git); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		defer gh.Stop()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if err := testenv.RunWorkloadStatus(ctx, cluster.Config); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		if kc, err = kube.New(cluster.Config); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		code := m.Run()
		if v := gh.Violations(); len(v) > 0 {
			fmt.Fprintf(os.Stderr, "e2e: Rigel sent GitHub %d request(s) the real API would reject:\n%s\n", len(v), strings.Join(v, "\n"))
			return 1
		}
		return code
	}())
}

var seq atomic.Int64

// unique returns a name no other test uses.
func unique(prefix string) string { return fmt.Sprintf("%s%d", prefix, seq.Add(1)) }

// bot is one running Rigel with its own namespace (so its registry is its own).
type bot struct {
	t         *testing.T
	url       string // the webhook's listener (the only one exposed)
	internal  string // the HTTP API, /metrics and /readyz
	namespace string
	app       *app.App
	stop      func() // stops it and waits (also done when the test ends)
}

func startBot(t *testing.T) *bot {
	t.Helper()
	return startBotWith(t, nil)
}

// startBotWith starts a bot whose settings tune changes first.
func startBotWith(t *testing.T, tune func(*config.Settings)) *bot {
	t.Helper()
	s := botSettings(t, cluster)
	if tune != nil {
		tune(s)
	}
	return serveBot(t, s, kc, zerolog.New(newTestLog(t)).Level(zerolog.InfoLevel))
}

// clusterScopedOpen is the default policy's clusterScoped of the test bots (botSettings).
var clusterScopedOpen = true

// botSettings are the settings of a bot with a namespace of its own on c, talking to the fake
// GitHub.
func botSettings(t *testing.T, c *testenv.Cluster) *config.Settings {
	t.Helper()
	ns := unique("rigel-")
	if err := c.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	clusterScoped := clusterScopedOpen
	return &config.Settings{
		Namespace: ns, GitHubAPIURL: gh.URL(), GitHubWebURL: gh.WebURL(), GitURL: git.URL(), ListenAddr: "127.0.0.1:0", InternalListenAddr: "127.0.0.1:0", AppID: gh.AppID, PrivateKey: gh.PrivateKeyPEM,
		WebhookSecret: webhookSecret, CacheDir: t.TempDir(), DiffConcurrency: 16, Workers: 4, QueueSize: 100,
		ApplyWait: 20 * time.Second, RequireApproval: true, RequireMergeable: true, // the defaults of LoadSettings
		// The test folders hold their Namespace objects: opened as a cluster admin would, since
		// Rigel refuses cluster-scoped objects unless the default policy allows them (issue 18;
		// trust_defaults_test.go runs with the shipped default instead).
		DefaultPolicy: config.Policy{ClusterScoped: &clusterScoped},
	}
}

// wrappedKube is a kube client of c whose requests go through wrap.
func wrappedKube(t *testing.T, c *testenv.Cluster, wrap func(http.RoundTripper) http.RoundTripper) *kube.Client {
	t.Helper()
	cfg := rest.CopyConfig(c.Config)
	cfg.WrapTransport = wrap
	k, err := kube.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// serveBot runs Rigel with settings s, kube client k and logger log until the test ends.
func serveBot(t *testing.T, s *config.Settings, k *kube.Client, log zerolog.Logger) *bot {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, s, k, log)
	if err != nil {
		t.Fatal(err)
	}
	l, in, err := app.Listen("127.0.0.1:0", "127.0.0.1:0") // loopback whatever s says
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = a.Serve(ctx, l, in); close(done) }()
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	return &bot{t: t, url: "http://" + l.Addr().String(), internal: "http://" + in.Addr().String(), namespace: s.Namespace, app: a, stop: stop}
}

// repo is a test repository known to the git server and the fake GitHub.
type repo struct {
	full, branch string
}

func newRepo(t *testing.T, files map[string]string) repo {
	t.Helper()
	full := unique("acme/web")
	if _, err := git.CreateRepo(full, "main", files); err != nil {
		t.Fatal(err)
	}
	gh.AddRepo(full, "main", git.CloneURL(full))
	return repo{full: full, branch: "main"}
}

var issueSeq atomic.Int64

// conversation is an issue or PR in which a person talks to the bot.
type conversation struct {
	b      *bot
	r      repo
	number int
	isPR   bool
}

func (b *bot) issue(r repo) *conversation {
	n := int(issueSeq.Add(1))
	gh.AddIssue(r.full, n, "Deploy web")
	return &conversation{b: b, r: r, number: n}
}

func (b *bot) pull(r repo, headSHA string) *conversation {
	n := int(issueSeq.Add(1))
	if err := gh.AddPull(r.full, n, headSHA, "feature", r.branch); err != nil {
		b.t.Fatal(err)
	}
	return &conversation{b: b, r: r, number: n, isPR: true}
}

var sayMu gosync.Mutex

// post delivers a comment by a person and returns the delivery's HTTP status.
func (c *conversation) post(body string, mutate ...func(*testenv.CommentOpts)) int {
	c.b.t.Helper()
	opts := testenv.CommentOpts{
		Repo: c.r.full, DefaultBranch: c.r.branch, CloneURL: git.CloneURL(c.r.full), Issue: c.number, IsPull: c.isPR,
		Body: body, User: "octocat", UserType: "User", InstallationID: gh.InstallationID,
	}
	for _, m := range mutate {
		m(&opts)
	}
	var payload []byte
	if strings.HasSuffix(opts.User, "[bot]") {
		payload = testenv.IssueComment(opts) // a bot's comment: not recorded, so replies stay countable
	} else {
		payload = gh.CommentEvent(opts) // the person's comment exists on GitHub, as it would
	}
	resp, err := testenv.PostWebhook(c.b.url+app.HookPath, webhookSecret, "issue_comment", payload)
	if err != nil {
		c.b.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// say posts a comment and waits for the bot's replies: want of them.
func (c *conversation) say(body string, want int) []testenv.Comment {
	c.b.t.Helper()
	before := len(c.botComments())
	if code := c.post(body); code >= 300 {
		c.b.t.Fatalf("webhook answered %d", code)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		got := c.botComments()
		if len(got) >= before+want {
			time.Sleep(50 * time.Millisecond)
			return c.botComments()[before:]
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.b.t.Fatalf("no reply to %q after 60s; comments: %v", body, c.botComments())
	return nil
}

// reply is say for one command with one reply.
func (c *conversation) reply(body string) string {
	c.b.t.Helper()
	return c.say(body, 1)[0].Body
}

func (c *conversation) botComments() []testenv.Comment {
	var out []testenv.Comment
	for _, cm := range gh.Comments(c.r.full, c.number) {
		if cm.User == c.b.app.BotLogin {
			out = append(out, cm)
		}
	}
	return out
}

// registry reads the bot's registry from the cluster.
func (b *bot) registry() *config.Sources {
	b.t.Helper()
	src, err := config.NewRegistry(kc.Typed, b.namespace).Load(context.Background())
	if err != nil {
		b.t.Fatal(err)
	}
	return src
}

func mustContain(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("reply lacks %q; it is:\n%s", w, got)
		}
	}
}

func mustNotContain(t *testing.T, got string, nots ...string) {
	t.Helper()
	for _, n := range nots {
		if strings.Contains(got, n) {
			t.Errorf("reply must not contain %q; it is:\n%s", n, got)
		}
	}
}

func getConfigMap(t *testing.T, ns, name string) *corev1.ConfigMap {
	t.Helper()
	cm, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cm
}

type commentOpts = testenv.CommentOpts

// waitReplies waits until the bot has answered want times in the conversation.
func (c *conversation) waitReplies(want int) {
	c.b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for len(c.botComments()) < want {
		if time.Now().After(deadline) {
			c.b.t.Fatalf("#%d: %d replies after 60s, want %d", c.number, len(c.botComments()), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// createLegacy writes a registry ConfigMap in the old single-source shape.
func createLegacy(t *testing.T, ns, sources string) {
	t.Helper()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: config.SourcesConfigMap, Namespace: ns}, Data: map[string]string{"sources": sources}}
	if _, err := kc.Typed.CoreV1().ConfigMaps(ns).Create(context.Background(), cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testLog sends the bot's logs to the test, and drops them once the test is over: deliveries
// still queued when a test ends must not log to a finished test.
type testLog struct {
	mu   gosync.Mutex
	done bool
	w    zerolog.TestWriter
}

func newTestLog(t *testing.T) *testLog {
	l := &testLog{w: zerolog.NewTestWriter(t)}
	t.Cleanup(func() {
		l.mu.Lock()
		l.done = true
		l.mu.Unlock()
	})
	return l
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return len(p), nil
	}
	return l.w.Write(p)
}
