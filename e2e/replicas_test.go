package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	coordv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// replica is one of several Rigels sharing a namespace (registry, Leases), the cluster and
// the fake GitHub. It can stop gracefully (SIGTERM) or die (cut: from then on nothing it
// sends reaches the cluster or GitHub, as when its process is killed).
type replica struct {
	*bot
	identity string
	stop     func() // cancels Serve (the drain runs) and waits for it to return
	cut      func()
}

// severable is a RoundTripper that fails every request once cut.
type severable struct {
	next http.RoundTripper
	dead *atomic.Bool
}

func (s severable) RoundTrip(req *http.Request) (*http.Response, error) {
	if s.dead.Load() {
		return nil, errors.New("simulated crash: this replica is gone")
	}
	return s.next.RoundTrip(req)
}

// startReplica starts a Rigel called identity in namespace ns ("": a new one), with short
// leases (2 s) so that expiry and leader takeover happen within a test.
func startReplica(t *testing.T, ns, identity string, tune func(*config.Settings)) *replica {
	t.Helper()
	return startReplicaOn(t, gh, ns, identity, nil, tune)
}

// startReplicaOn is startReplica talking to the fake GitHub ghub, its requests to the
// cluster going through wrap (nil: as they are) before the cut.
func startReplicaOn(t *testing.T, ghub *testenv.GitHub, ns, identity string, wrap func(http.RoundTripper) http.RoundTripper, tune func(*config.Settings)) *replica {
	t.Helper()
	if ns == "" {
		ns = unique("rigel-")
		if err := cluster.CreateNamespace(ns); err != nil {
			t.Fatal(err)
		}
	}
	dead := &atomic.Bool{}
	rkc := wrappedKube(t, cluster, func(rt http.RoundTripper) http.RoundTripper {
		if wrap != nil {
			rt = wrap(rt)
		}
		return severable{next: rt, dead: dead}
	})
	// GitHub through a proxy that stops answering this replica when it dies.
	ghURL, err := url.Parse(ghub.WebURL())
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(ghURL)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if dead.Load() {
			panic(http.ErrAbortHandler) // the connection drops
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	clusterScoped := clusterScopedOpen
	s := &config.Settings{
		Namespace: ns, GitHubAPIURL: front.URL + strings.TrimPrefix(ghub.URL(), ghub.WebURL()), GitHubWebURL: ghub.WebURL(), GitURL: git.URL(), ListenAddr: "127.0.0.1:0", InternalListenAddr: "127.0.0.1:0",
		AppID: ghub.AppID, PrivateKey: ghub.PrivateKeyPEM, WebhookSecret: webhookSecret, CacheDir: t.TempDir(), DiffConcurrency: 16, Workers: 4, QueueSize: 100,
		ApplyWait: 60 * time.Second, RequireApproval: true, RequireMergeable: true,
		Identity: identity, LeaseDuration: 2 * time.Second, ShutdownGrace: 20 * time.Second,
		DefaultPolicy: config.Policy{ClusterScoped: &clusterScoped}, // the folders hold Namespace objects (botSettings)
	}
	if tune != nil {
		tune(s)
	}
	b := serveBot(t, s, rkc, zerolog.New(newTestLog(t)).Level(zerolog.InfoLevel).With().Str("test_replica", identity).Logger())
	return &replica{
		bot:      b,
		identity: identity,
		stop:     b.stop,
		cut:      func() { dead.Store(true) },
	}
}

// on is the same conversation, talked to through replica r.
func (c *conversation) on(r *replica) *conversation {
	return &conversation{b: r.bot, r: c.r, number: c.number, isPR: c.isPR}
}

// stuckWebFiles is a folder whose Deployment the test bed's kubelet keeps unready until the
// test unsticks it, so that an apply waits for health as long as the test wants.
func stuckWebFiles(ns string) map[string]string {
	return map[string]string{
		"apps/web/k8s/namespace.yaml":  fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n", ns),
		"apps/web/k8s/deployment.yaml": webDeployment(ns, 1, fmt.Sprintf("  annotations:\n    %s: \"true\"\n", testenv.StuckAnnotation)),
	}
}

// unstick lets the test bed's kubelet make the Deployment web ready.
func unstick(t *testing.T, ns string) {
	t.Helper()
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:null}}}`, testenv.StuckAnnotation)
	// The apply may be recorded as applying a moment before it has created the Deployment.
	var err error
	waitUntil(t, 10*time.Second, "the Deployment web to exist, to unstick it", func() bool {
		_, err = kc.Typed.AppsV1().Deployments(ns).Patch(context.Background(), "web", types.MergePatchType, []byte(patch), metav1.PatchOptions{})
		return !apierrors.IsNotFound(err)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func leases(t *testing.T, ns, selector string) []coordv1.Lease {
	t.Helper()
	list, err := kc.Typed.CoordinationV1().Leases(ns).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// waitUntil polls cond until it holds, for up to timeout.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitApplying waits until replica identity is applying (its command record says so).
func waitApplying(t *testing.T, ns, identity string) {
	t.Helper()
	waitUntil(t, 60*time.Second, identity+" never started applying", func() bool {
		for _, l := range leases(t, ns, "rigel.dev/lease=command") {
			if l.Annotations["rigel.dev/phase"] == "applying" && l.Annotations["rigel.dev/replica"] == identity {
				return true
			}
		}
		return false
	})
}

// armStuckWeb registers a stuck web in r's registry and arms its apply in c.
func armStuckWeb(t *testing.T, c *conversation) {
	t.Helper()
	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s"), "Registered deployment `web`")
	mustContain(t, c.reply("/rigel sync web"), "<!-- rigel:plan deployment=web")
}

// commentsWith are the bot's comments in c that contain s.
func commentsWith(c *conversation, s string) []string {
	var out []string
	for _, cm := range c.botComments() {
		if strings.Contains(cm.Body, s) {
			out = append(out, cm.Body)
		}
	}
	return out
}

// TestReplicasLockApplies: an apply on replica A holds the deployment's Lease; a second apply
// of the same deployment through replica B is refused with who holds it, and changes nothing.
func TestReplicasLockApplies(t *testing.T) {
	a := startReplica(t, "", "rigel-a", nil)
	b := startReplica(t, a.namespace, "rigel-b", nil)
	ns := unique("shop")
	r := newRepo(t, stuckWebFiles(ns))
	c := a.issue(r)
	armStuckWeb(t, c)

	before := len(c.botComments())
	if code := c.post("/rigel apply web"); code >= 300 {
		t.Fatalf("webhook answered %d", code)
	}
	waitUntil(t, 60*time.Second, "the apply on A never took the deployment's Lease", func() bool {
		l, err := kc.Typed.CoordinationV1().Leases(a.namespace).Get(context.Background(), "rigel-deploy-web", metav1.GetOptions{})
		return err == nil && l.Spec.HolderIdentity != nil && *l.Spec.HolderIdentity == "rigel-a"
	})

	t.Run("a second apply through B is told who holds the lock", func(t *testing.T) {
		other := b.issue(r)
		got := other.reply("/rigel apply web")
		mustContain(t, got, "`web` is being applied right now", fmt.Sprintf("`/rigel apply web` from %s#%d started", r.full, c.number),
			"on replica `rigel-a`", "Nothing was done")
		got = c.on(b).reply("/rigel apply web")
		mustContain(t, got, "is being applied right now", "`rigel-a`")
	})

	t.Run("the first apply finishes and gives the lock back", func(t *testing.T) {
		unstick(t, ns)
		c.waitReplies(before + 2) // B's refusal in this conversation, then A's result
		applied := commentsWith(c, "Rigel applied `web`")
		if len(applied) != 1 {
			t.Fatalf("%d apply results, want 1: %v", len(applied), c.botComments())
		}
		mustContain(t, applied[0], "Succeeded")
		waitUntil(t, 10*time.Second, "the deployment's Lease and the command records are still there", func() bool {
			_, err := kc.Typed.CoordinationV1().Leases(a.namespace).Get(context.Background(), "rigel-deploy-web", metav1.GetOptions{})
			return apierrors.IsNotFound(err) && len(leases(t, a.namespace, "rigel.dev/lease=command")) == 0
		})
		mustContain(t, c.on(b).reply("/rigel apply web"), "already applied")
	})
}

// TestReplicasElectOneLeader: of two replicas exactly one leads (log, gauge); when it stops the
// other takes over. Both stay ready.
func TestReplicasElectOneLeader(t *testing.T) {
	a := startReplica(t, "", "rigel-a", nil)
	b := startReplica(t, a.namespace, "rigel-b", nil)
	waitUntil(t, 20*time.Second, "no replica leads", func() bool { return a.app.Leader() || b.app.Leader() })
	for i := 0; i < 10; i++ {
		if a.app.Leader() && b.app.Leader() {
			t.Fatal("both replicas lead")
		}
		time.Sleep(100 * time.Millisecond)
	}
	leader, follower := a, b
	if b.app.Leader() {
		leader, follower = b, a
	}
	l, err := kc.Typed.CoordinationV1().Leases(a.namespace).Get(context.Background(), app.LeaderLease, metav1.GetOptions{})
	if err != nil || l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity != leader.identity {
		t.Fatalf("Lease %s = %+v (%v), want it held by %s", app.LeaderLease, l, err, leader.identity)
	}
	for _, r := range []*replica{leader, follower} {
		want := "rigel_leader 0"
		if r == leader {
			want = "rigel_leader 1"
		}
		mustContain(t, httpGet(t, r.internal+"/metrics"), want)
		mustContain(t, httpGet(t, r.internal+"/readyz"), "ok")
	}

	leader.stop()
	waitUntil(t, 10*time.Second, follower.identity+" did not take over when "+leader.identity+" stopped", follower.app.Leader)
	mustContain(t, httpGet(t, follower.internal+"/metrics"), "rigel_leader 1")
}

func httpGet(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReplicaKilledMidApply: the replica applying dies (its process is gone: no reply, no
// release). The other replica's leader tells the conversation exactly once that the apply did
// not finish, records the interrupted sync, and the dead replica's lock expires.
func TestReplicaKilledMidApply(t *testing.T) {
	survivor := startReplica(t, "", "rigel-survivor", func(s *config.Settings) { s.ApplyWait = 3 * time.Second })
	doomed := startReplica(t, survivor.namespace, "rigel-doomed", nil)
	ns := unique("shop")
	r := newRepo(t, stuckWebFiles(ns))
	c := survivor.issue(r)
	armStuckWeb(t, c)
	before := len(c.botComments())

	if code := c.on(doomed).post("/rigel apply web"); code >= 300 {
		t.Fatalf("webhook answered %d", code)
	}
	waitApplying(t, survivor.namespace, "rigel-doomed")
	doomed.cut()

	const told = "Rigel stopped before `/rigel apply web` finished (the replica `rigel-doomed` running it went away at"
	waitUntil(t, 30*time.Second, "the conversation was not told that the apply did not finish", func() bool { return len(commentsWith(c, told)) > 0 })
	time.Sleep(5 * time.Second) // more sweeps by whichever replica leads: still one report
	if got := commentsWith(c, told); len(got) != 1 {
		t.Fatalf("%d reports, want exactly 1: %v", len(got), got)
	}
	mustContain(t, commentsWith(c, told)[0], "Nothing after that point ran; check `/rigel list` and run it again.",
		"It was applying `web`", "The registry now records that sync as Failed.", "`/rigel diff web`")
	if n := len(c.botComments()); n != before+1 {
		t.Errorf("%d comments after the apply, want only the report: %v", n-before, c.botComments()[before:])
	}
	_, dep := survivor.registry().FindDeployment("web")
	if dep == nil || dep.LastSync == nil || dep.LastSync.Status != "Failed" || !strings.Contains(dep.LastSync.Message, "rigel-doomed went away") {
		t.Fatalf("the registry does not record the interrupted sync: %+v", dep)
	}
	if recs := leases(t, survivor.namespace, "rigel.dev/lease=command"); len(recs) != 0 {
		t.Errorf("command records left: %d", len(recs))
	}

	t.Run("the dead replica's lock expires and the apply can run again", func(t *testing.T) {
		mustContain(t, c.reply("/rigel sync web"), "<!-- rigel:plan deployment=web")
		got := c.reply("/rigel apply web") // still stuck: Unhealthy after the survivor's 3 s wait
		mustContain(t, got, "Rigel applied `web`", "Unhealthy")
		mustNotContain(t, got, "is being applied right now")
	})
}

// TestReplicaShutdown: on SIGTERM the hook answers 503 and a running command may finish within
// the grace period; past it, the command is cut short and the conversation is told so.
func TestReplicaShutdown(t *testing.T) {
	tests := []struct {
		name      string
		grace     time.Duration
		unstick   bool
		want      []string
		status    string
		unwanted  string
		recordMsg string
	}{
		{"a command that finishes within the grace period replies as usual", 30 * time.Second, true,
			[]string{"Rigel applied `web`", "Succeeded"}, "Succeeded", "shutting down", ""},
		{"a command still running after the grace period is cut short and says so", time.Second, false,
			[]string{"Rigel is shutting down and stopped `/rigel apply web` before it finished; run it again.",
				"was waiting for it to become healthy", "The registry records this sync as Unhealthy", "`/rigel diff web`"},
			"Unhealthy", "Rigel applied", "interrupted while waiting for health (Rigel was shutting down)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := startReplica(t, "", "rigel-a", func(s *config.Settings) { s.ShutdownGrace = tc.grace })
			ns := unique("shop")
			r := newRepo(t, stuckWebFiles(ns))
			c := a.issue(r)
			armStuckWeb(t, c)
			before := len(c.botComments())
			if code := c.post("/rigel apply web"); code >= 300 {
				t.Fatalf("webhook answered %d", code)
			}
			waitApplying(t, a.namespace, "rigel-a")

			stopped := make(chan struct{})
			go func() { a.stop(); close(stopped) }()
			waitUntil(t, 10*time.Second, "the hook never answered 503 while draining", func() bool {
				return c.post("thanks, no command here") == http.StatusServiceUnavailable
			})
			if code := c.post("/rigel list"); code != http.StatusServiceUnavailable {
				t.Errorf("a command sent while draining was answered %d, want 503", code)
			}
			if tc.unstick {
				unstick(t, ns)
			}
			select {
			case <-stopped:
			case <-time.After(tc.grace + 30*time.Second):
				t.Fatal("Serve did not return after the grace period")
			}
			if n := len(c.botComments()); n != before+1 {
				t.Fatalf("%d replies after shutdown, want 1: %v", n-before, c.botComments()[before:])
			}
			got := c.botComments()[before].Body
			mustContain(t, got, tc.want...)
			mustNotContain(t, got, tc.unwanted)
			_, dep := a.registry().FindDeployment("web")
			if dep == nil || dep.LastSync == nil || dep.LastSync.Status != tc.status || !strings.Contains(dep.LastSync.Message, tc.recordMsg) {
				t.Errorf("last sync = %+v, want %s with %q", dep, tc.status, tc.recordMsg)
			}
			if recs := leases(t, a.namespace, "rigel.dev/lease"); len(recs) != 0 {
				t.Errorf("Leases left after shutdown: %v", leaseNames(recs))
			}

			// A replica started afterwards finds nothing unfinished to report.
			next := startReplica(t, a.namespace, "rigel-next", nil)
			waitUntil(t, 20*time.Second, "the next replica never led", next.app.Leader)
			time.Sleep(5 * time.Second)
			if reports := commentsWith(c, "Rigel stopped before"); len(reports) != 0 {
				t.Errorf("a command the drain dealt with was reported again: %v", reports)
			}
		})
	}
}

func leaseNames(ls []coordv1.Lease) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Name)
	}
	return out
}
