package e2e

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
)

// inNamespace counts the requests in flight through it to one namespace's objects (the
// previews' dry-runs and reads), and the most at once.
type inNamespace struct {
	next      http.RoundTripper
	path      string // "/namespaces/NS/"
	now, most atomic.Int64
	total     atomic.Int64
}

func (c *inNamespace) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.Contains(r.URL.Path, c.path) {
		return c.next.RoundTrip(r)
	}
	c.total.Add(1)
	n := c.now.Add(1)
	defer c.now.Add(-1)
	for m := c.most.Load(); n > m && !c.most.CompareAndSwap(m, n); m = c.most.Load() {
	}
	return c.next.RoundTrip(r)
}

// TestDiffAllSharesOneBound (issue 14): two `/rigel diff --all` typed at once in two issues of
// a repository of 12 deployments × 10 ConfigMaps, on a bot with RIGEL_DIFF_CONCURRENCY 4, never
// have more than 4 requests in flight at the apiserver together (counted at the bot's HTTP
// transport), though each command previews 8 deployments at once with up to 4 requests each;
// both replies show every deployment.
func TestDiffAllSharesOneBound(t *testing.T) {
	const deployments, objects, bound = 12, 10, 4
	ns := unique("many-")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for d := range deployments {
		for o := range objects {
			files[fmt.Sprintf("apps/d%02d/cm-%02d.yaml", d, o)] = fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d%02d-cm-%02d\n  namespace: %s\ndata:\n  i: %q\n", d, o, ns, fmt.Sprint(o))
		}
	}
	r := newRepo(t, files)
	counter := &inNamespace{path: "/namespaces/" + ns + "/"}
	k := wrappedKube(t, cluster, func(rt http.RoundTripper) http.RoundTripper { counter.next = rt; return counter })
	s := botSettings(t, cluster)
	s.DiffConcurrency = bound
	b := serveBot(t, s, k, zerolog.New(newTestLog(t)).Level(zerolog.InfoLevel))
	entry := config.Repo{Repo: r.full, Branch: "main", CloneURL: git.CloneURL(r.full), InstallationID: gh.InstallationID}
	if _, err := config.NewRegistry(kc.Typed, b.namespace).Update(context.Background(), func(src *config.Sources) error {
		for d := range deployments {
			if err := src.AddDeployment(entry, config.Deployment{Name: fmt.Sprintf("%s-d%02d", strings.ReplaceAll(strings.TrimPrefix(r.full, "acme/"), "/", "-"), d), Path: fmt.Sprintf("apps/d%02d", d)}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	convs := []*conversation{b.issue(r), b.issue(r)}
	var wg gosync.WaitGroup
	for _, c := range convs {
		wg.Add(1)
		go func() { defer wg.Done(); c.post("/rigel diff --all") }()
	}
	wg.Wait()
	for _, c := range convs {
		got := c.wholeReply()
		if n := strings.Count(got, "10 to create"); n != deployments {
			t.Errorf("#%d: %d deployments with 10 to create, want %d:\n%s", c.number, n, deployments, got)
		}
	}
	most, total := counter.most.Load(), counter.total.Load()
	t.Logf("%d requests to %s, at most %d in flight at once", total, ns, most)
	if total < 2*deployments*objects {
		t.Errorf("%d requests to %s, want at least the %d dry-runs of both commands", total, ns, 2*deployments*objects)
	}
	if most > bound || most < 2 {
		t.Errorf("at most %d requests in flight at once, want 2…%d (RIGEL_DIFF_CONCURRENCY across both commands)", most, bound)
	}
}

var partOf = regexp.MustCompile(`Part (\d+) of (\d+)`)

// wholeReply waits for the bot's one reply in the conversation, all its parts when it is split
// (commands/split.go), and returns them joined.
func (c *conversation) wholeReply() string {
	c.b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var bodies []string
		for _, cm := range c.botComments() {
			bodies = append(bodies, cm.Body)
		}
		if len(bodies) > 0 {
			if m := partOf.FindStringSubmatch(bodies[len(bodies)-1]); m == nil || m[1] == m[2] {
				return strings.Join(bodies, "\n")
			}
		}
		if time.Now().After(deadline) {
			c.b.t.Fatalf("#%d: the reply is not whole after 60s: %d comments", c.number, len(bodies))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
