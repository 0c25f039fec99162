package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/kube"
)

// Faults: a dependency fails or the bot is overloaded; nothing is lost and the conversation
// tells the truth.

// TestQueueFullAnswers503AndRedeliveryRuns: with one worker and one place in the queue, a
// slow GitHub keeps the worker busy; the third delivery is refused with 503 and Retry-After
// and runs nothing; delivered again later (as from the app's settings) it runs, while a
// delivery that did run is still run only once.
func TestQueueFullAnswers503AndRedeliveryRuns(t *testing.T) {
	b := startBotWith(t, func(s *config.Settings) { s.Workers, s.QueueSize = 1, 1 })
	r := newRepo(t, webFiles(unique("queue"), 1, "pw"))
	convs := []*conversation{b.issue(r), b.issue(r), b.issue(r)}
	waiting, release := gh.Hold("", "/repos/"+r.full+"/")
	defer release()

	type delivery struct {
		id      string
		payload []byte
	}
	deliver := func(d delivery) *http.Response {
		t.Helper()
		resp, err := testenv.PostWebhookDelivery(b.url+app.HookPath, webhookSecret, "issue_comment", d.id, d.payload)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	ds := make([]delivery, len(convs))
	for i, c := range convs {
		ds[i] = delivery{id: fmt.Sprintf("queue-%s-%d", r.full, i), payload: gh.CommentEvent(testenv.CommentOpts{
			Repo: r.full, CloneURL: git.CloneURL(r.full), Issue: c.number, Body: "/rigel list", User: "octocat", InstallationID: gh.InstallationID,
		})}
	}
	mustStatus := func(d delivery, want int) *http.Response {
		t.Helper()
		resp := deliver(d)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("delivery %s answered %d, want %d", d.id, resp.StatusCode, want)
		}
		return resp
	}
	mustStatus(ds[0], http.StatusOK)
	deadline := time.Now().Add(30 * time.Second)
	for waiting() == 0 { // the worker is stuck talking to GitHub
		if time.Now().After(deadline) {
			t.Fatal("the worker never called GitHub for the first delivery")
		}
		time.Sleep(10 * time.Millisecond)
	}
	mustStatus(ds[1], http.StatusOK) // waits in the queue
	resp := deliver(ds[2])
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("with the queue full: %d, Retry-After %q, want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	mustContain(t, string(body), "not queued")

	release()
	convs[0].waitReplies(1)
	convs[1].waitReplies(1)
	time.Sleep(time.Second)
	if n := len(convs[2].botComments()); n != 0 {
		t.Fatalf("the refused delivery ran: %d replies", n)
	}
	mustStatus(ds[2], http.StatusOK) // redelivered: it runs
	convs[2].waitReplies(1)
	mustContain(t, convs[2].botComments()[0].Body, "has no deployments yet")

	mustStatus(ds[0], http.StatusOK) // a delivery that ran runs once
	time.Sleep(2 * time.Second)
	for i, c := range convs {
		if n := len(c.botComments()); n != 1 {
			t.Errorf("conversation %d has %d replies, want 1", i, n)
		}
	}
}

// TestGitHubFailuresAreRetried: GitHub answers 5xx, a secondary rate limit and a used-up rate
// limit; Rigel waits and tries again, and each reply arrives exactly once, also when GitHub
// fails after creating the comment.
func TestGitHubFailuresAreRetried(t *testing.T) {
	b := startBot(t)
	r := newRepo(t, webFiles(unique("ghfail"), 1, "pw"))
	c := b.issue(r)
	comments := fmt.Sprintf("/repos/%s/issues/%d/comments", r.full, c.number)
	permission := fmt.Sprintf("/repos/%s/collaborators/", r.full)
	served := func(method, prefix string, status int) int {
		n := 0
		for _, q := range gh.Requests() {
			if q.Method == method && strings.HasPrefix(q.Path, prefix) && q.Status == status {
				n++
			}
		}
		return n
	}
	steps := []struct {
		name     string
		failures []testenv.Failure
		check    func(t *testing.T)
	}{
		{"502 and 503 on reads, a secondary rate limit on the reply", []testenv.Failure{
			{Method: "GET", PathPrefix: permission, Status: http.StatusBadGateway, Times: 1},
			{Method: "GET", PathPrefix: permission, Status: http.StatusServiceUnavailable, Times: 1},
			testenv.SecondaryRateLimit("POST", comments, time.Second, 1),
		}, func(t *testing.T) {
			if served("GET", permission, 502) != 1 || served("GET", permission, 503) != 1 || served("POST", comments, 403) != 1 {
				t.Error("the failures were not all served")
			}
		}},
		{"the rate limit used up until a reset", []testenv.Failure{
			testenv.RateLimitExhausted("GET", permission, time.Now().Add(2*time.Second), 1),
		}, nil},
		{"502 after GitHub created the reply", []testenv.Failure{
			{Method: "POST", PathPrefix: comments, Status: http.StatusBadGateway, Times: 1, After: true},
		}, func(t *testing.T) {
			if served("POST", comments, 502) != 1 {
				t.Error("the failure was not served")
			}
		}},
		{"500 before creating the reply", []testenv.Failure{
			{Method: "POST", PathPrefix: comments, Status: http.StatusInternalServerError, Times: 1},
		}, nil},
	}
	for i, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			for _, f := range s.failures {
				gh.FailWith(f)
			}
			got := c.reply("/rigel list")
			mustContain(t, got, "has no deployments yet")
			time.Sleep(3 * time.Second) // a duplicate would come within the retry delays
			if n := len(c.botComments()); n != i+1 {
				t.Fatalf("%d replies after %d commands, want one each", n, i+1)
			}
			if s.check != nil {
				s.check(t)
			}
		})
	}
	gh.ClearFailures()
}

// TestGitServerDown: while the git server cannot be reached, diff and apply say so (without
// the token) and change nothing; once it is back, the armed apply goes through.
func TestGitServerDown(t *testing.T) {
	ns := unique("gitdown")
	full := unique("acme/gitdown")
	if _, err := git.CreateRepo(full, "main", webFiles(ns, 1, "pw")); err != nil {
		t.Fatal(err)
	}
	proxy, err := testenv.StartOutage(strings.TrimPrefix(git.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Stop()
	b := startBotWith(t, func(s *config.Settings) { s.GitURL = "http://" + proxy.Addr() }) // the proxy is the git host
	cloneURL := "http://" + proxy.Addr() + "/" + full + ".git"
	gh.AddRepo(full, "main", cloneURL)
	c := b.issue(repo{full: full, branch: "main"})
	say := func(body string) string {
		t.Helper()
		before := len(c.botComments())
		if code := c.post(body, func(o *testenv.CommentOpts) { o.CloneURL = cloneURL }); code >= 300 {
			t.Fatalf("webhook answered %d", code)
		}
		c.waitReplies(before + 1)
		return c.botComments()[before].Body
	}
	mustContain(t, say("/rigel add-deployment apps/web/k8s --name "+ns), "Registered deployment")
	mustContain(t, say("/rigel sync "+ns), "rigel:plan")

	proxy.Down()
	for _, cmd := range []string{"/rigel diff " + ns, "/rigel apply " + ns} {
		got := say(cmd)
		mustContain(t, got, "could not reach the git server for "+full, "connection refused")
		mustNotContain(t, got, "ghs_", "x-access-token:")
	}
	if _, err := kc.Typed.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{}); err == nil {
		t.Error("the namespace was created while the git server was down")
	}
	if _, d := b.registry().FindDeployment(ns); d == nil || d.LastSync != nil {
		t.Fatalf("the registry changed while the git server was down: %+v", d)
	}

	if err := proxy.Up(); err != nil {
		t.Fatal(err)
	}
	mustContain(t, say("/rigel apply "+ns), "Succeeded")
	if _, d := b.registry().FindDeployment(ns); d == nil || d.LastSync == nil || d.LastSync.Status != "Succeeded" {
		t.Fatalf("the apply after the git server came back was not recorded: %+v", d)
	}
}

// applyGate sits in front of the bot's apiserver: it lets the first `after` applies (server-
// side apply PATCHes, not dry-runs) through, then holds the others until the test opens it;
// it counts the registry requests that fail.
type applyGate struct {
	next  http.RoundTripper
	after int

	started, completed atomic.Int64
	held               chan struct{} // closed when an apply is held
	open               chan struct{} // closed by the test
	heldOnce           gosync.Once
	registryFailures   atomic.Int64
}

func (g *applyGate) RoundTrip(req *http.Request) (*http.Response, error) {
	gated := req.Method == http.MethodPatch && strings.HasPrefix(req.Header.Get("Content-Type"), "application/apply-patch") && req.URL.Query().Get("dryRun") == "" &&
		!strings.Contains(req.URL.Path, "/configmaps/rigel-applyset-") // the inventory (issue 12) is not one of the objects
	if gated {
		if g.started.Add(1) > int64(g.after) {
			g.heldOnce.Do(func() { close(g.held) })
			<-g.open
		}
	}
	resp, err := g.next.RoundTrip(req)
	if err != nil && strings.Contains(req.URL.Path, "/configmaps/"+config.SourcesConfigMap) {
		g.registryFailures.Add(1)
	}
	if gated {
		// An apply is complete once its response body is read and closed, not when its headers
		// arrive: stopping the apiserver in between would fail it with "unexpected EOF".
		if err != nil || resp == nil || resp.Body == nil {
			g.completed.Add(1)
		} else {
			resp.Body = &countingBody{ReadCloser: resp.Body, done: &g.completed}
		}
	}
	return resp, err
}

// countingBody counts a response as complete when it is closed.
type countingBody struct {
	io.ReadCloser
	done *atomic.Int64
	once gosync.Once
}

func (b *countingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(func() { b.done.Add(1) })
	return err
}

// startBotOn starts a bot on another cluster, whose requests go through wrap.
func startBotOn(t *testing.T, c *testenv.Cluster, wrap func(http.RoundTripper) http.RoundTripper) *bot {
	t.Helper()
	s := botSettings(t, c)
	s.DiffConcurrency, s.ApplyWait = 8, 5*time.Second
	return serveBot(t, s, wrappedKube(t, c, wrap), zerolog.New(newTestLog(t)).Level(zerolog.InfoLevel))
}

// TestAPIServerStoppedMidApply runs on a cluster of its own. The apiserver is killed after
// 20 of 60 objects are applied: the reply says which were applied and that the sync failed,
// the registry records Failed once the apiserver is back, and a new sync and apply complete.
func TestAPIServerStoppedMidApply(t *testing.T) {
	c2, err := testenv.StartCluster()
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Stop()
	const objects, before = 60, 20
	gate := &applyGate{after: before, held: make(chan struct{}), open: make(chan struct{})}
	opened := false
	defer func() {
		if !opened {
			close(gate.open)
		}
	}()
	b := startBotOn(t, c2, func(rt http.RoundTripper) http.RoundTripper { gate.next = rt; return gate })
	plain, err := kube.New(c2.Config)
	if err != nil {
		t.Fatal(err)
	}
	ns := unique("midapply")
	if err := c2.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for i := 0; i < objects; i++ {
		files[fmt.Sprintf("apps/many/cm-%02d.yaml", i)] = fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%02d\n  namespace: %s\ndata:\n  i: %q\n", i, ns, fmt.Sprint(i))
	}
	r := newRepo(t, files)
	c := b.issue(r)
	name := unique("many")
	mustContain(t, c.reply("/rigel add-deployment apps/many --name "+name), "Registered deployment")
	mustContain(t, c.reply("/rigel sync "+name), fmt.Sprintf("%d to create", objects))

	replies := len(c.botComments())
	if code := c.post("/rigel apply " + name); code >= 300 {
		t.Fatalf("webhook answered %d", code)
	}
	select {
	case <-gate.held:
	case <-time.After(2 * time.Minute):
		t.Fatal("the apply never got past the first objects")
	}
	for gate.completed.Load() < before {
		time.Sleep(10 * time.Millisecond)
	}
	if err := c2.StopAPIServer(); err != nil {
		t.Fatal(err)
	}
	close(gate.open)
	opened = true
	deadline := time.Now().Add(time.Minute)
	for gate.registryFailures.Load() == 0 { // Rigel tries to record the sync while the apiserver is away
		if time.Now().After(deadline) {
			t.Fatal("Rigel never tried to record the sync")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	if err := c2.StartAPIServer(); err != nil {
		t.Fatal(err)
	}
	c.waitReplies(replies + 1)
	got := c.botComments()[replies].Body
	mustContain(t, got, "Failed", fmt.Sprintf("%d created", before), fmt.Sprintf("%d failed", objects-before), "connection refused",
		"Recorded as the last sync")
	applied := 0
	for i := 0; i < objects; i++ {
		_, err := plain.Typed.CoreV1().ConfigMaps(ns).Get(context.Background(), fmt.Sprintf("cm-%02d", i), metav1.GetOptions{})
		if err == nil {
			applied++
			mustContain(t, got, fmt.Sprintf("<code>ConfigMap/%s/cm-%02d</code> | create |", ns, i))
		} else {
			mustContain(t, got, fmt.Sprintf("<code>ConfigMap/%s/cm-%02d</code> | error |", ns, i))
		}
	}
	if applied != before {
		t.Errorf("%d objects exist, the reply says %d were created", applied, before)
	}
	src, err := config.NewRegistry(plain.Typed, b.namespace).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, d := src.FindDeployment(name); d == nil || d.LastSync == nil || d.LastSync.Status != "Failed" ||
		d.LastSync.Message != fmt.Sprintf("%d created, 0 changed, 0 unchanged, %d failed", before, objects-before) {
		t.Fatalf("registry after the outage: %+v", d)
	}

	mustContain(t, c.reply("/rigel sync "+name), fmt.Sprintf("%d to create", objects-before))
	mustContain(t, c.reply("/rigel apply "+name), "Succeeded", fmt.Sprintf("%d created", objects-before))
	list, err := plain.Typed.CoreV1().ConfigMaps(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil || len(list.Items) < objects {
		t.Fatalf("%d ConfigMaps after the second apply (%v), want %d", len(list.Items), err, objects)
	}
}

// TestConcurrentMixedCommandsAllPersist: 20 commands at once in 20 conversations of two
// repos: 10 add-deployment, 5 remove-deployment and 5 apply (each recording its last sync).
// Every update is in the registry afterwards.
func TestConcurrentMixedCommandsAllPersist(t *testing.T) {
	b := startBot(t)
	prefix := unique("mix")
	files := map[string]string{}
	for i := 0; i < 20; i++ {
		files[fmt.Sprintf("apps/svc%d/cm.yaml", i)] = fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s-svc%d\n  namespace: default\n", prefix, i)
	}
	r1, r2 := newRepo(t, files), newRepo(t, files)
	name := func(kind string, i int) string { return fmt.Sprintf("%s-%s%d", prefix, kind, i) }
	// set up, one at a time: 5 to remove, 5 to apply (synced in their own conversations)
	setup := b.issue(r1)
	applyConvs := make([]*conversation, 5)
	for i := 0; i < 5; i++ {
		mustContain(t, setup.reply(fmt.Sprintf("/rigel add-deployment apps/svc%d --name %s", i, name("rm", i))), "Registered deployment")
		mustContain(t, setup.reply(fmt.Sprintf("/rigel add-deployment apps/svc%d --name %s", 5+i, name("ap", i))), "Registered deployment")
		applyConvs[i] = b.issue(r1)
		mustContain(t, applyConvs[i].reply("/rigel sync "+name("ap", i)), "rigel:plan")
	}

	type cmd struct {
		c    *conversation
		body string
	}
	var cmds []cmd
	for i := 0; i < 10; i++ {
		r := []repo{r1, r2}[i%2]
		cmds = append(cmds, cmd{b.issue(r), fmt.Sprintf("/rigel add-deployment apps/svc%d --name %s", 10+i, name("new", i))})
	}
	for i := 0; i < 5; i++ {
		cmds = append(cmds, cmd{b.issue(r1), "/rigel remove-deployment " + name("rm", i)})
		cmds = append(cmds, cmd{applyConvs[i], "/rigel apply " + name("ap", i)})
	}
	before := make([]int, len(cmds))
	for i, c := range cmds {
		before[i] = len(c.c.botComments())
	}
	start := make(chan struct{})
	var wg gosync.WaitGroup
	for _, c := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if code := c.c.post(c.body); code >= 300 {
				t.Errorf("%s: webhook answered %d", c.body, code)
			}
		}()
	}
	close(start)
	wg.Wait()
	for i, c := range cmds {
		c.c.waitReplies(before[i] + 1)
		got := c.c.botComments()[before[i]].Body
		switch {
		case strings.Contains(c.body, "add-deployment"):
			mustContain(t, got, "Registered deployment")
		case strings.Contains(c.body, "remove-deployment"):
			mustContain(t, got, "Removed deployment")
		default:
			mustContain(t, got, "Succeeded", "Recorded as the last sync")
		}
	}
	src := b.registry()
	for i := 0; i < 10; i++ {
		if r, _ := src.FindDeployment(name("new", i)); r == nil || r.Repo != []repo{r1, r2}[i%2].full {
			t.Errorf("deployment %s lost (repo %+v)", name("new", i), r)
		}
	}
	for i := 0; i < 5; i++ {
		if r, _ := src.FindDeployment(name("rm", i)); r != nil {
			t.Errorf("deployment %s was not removed", name("rm", i))
		}
		if _, d := src.FindDeployment(name("ap", i)); d == nil || d.LastSync == nil || d.LastSync.Status != "Succeeded" {
			t.Errorf("the apply of %s was not recorded: %+v", name("ap", i), d)
		}
	}
}
