package e2e

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// driftGauge is rigel_deployment_drift{deployment=name} as scraped, -1 when it has no series.
func driftGauge(t *testing.T, b *bot, name string) float64 {
	t.Helper()
	m := find(scrape(t, b.internal), "rigel_deployment_drift", map[string]string{"deployment": name})
	if m == nil {
		return -1
	}
	return m.GetGauge().GetValue()
}

// waitDrift waits (up to within) until the drift gauge of name is want.
func waitDrift(t *testing.T, b *bot, name string, want float64, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := driftGauge(t, b, name)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("rigel_deployment_drift{deployment=%q} = %v after %v, want %v", name, got, within, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// apiDrift is the drift object GET /api/git/sources gives name, nil when none.
func apiDrift(b *bot, name string) map[string]any {
	b.t.Helper()
	r := b.api("GET", "/api/git/sources", nil, 200)
	all, _ := r.body["drift"].(map[string]any)
	d, _ := all[name].(map[string]any)
	return d
}

// TestDrift (issue 12): with RIGEL_DRIFT_INTERVAL 1s, the leader finds an applied deployment
// in sync; a hand edit of an applied object shows as drift within an interval (metric 1,
// /rigel list, GET /api/git/sources) and nothing is applied; after a sync it clears.
func TestDrift(t *testing.T) {
	b := startBotWith(t, func(s *config.Settings) { s.APIToken, s.DriftInterval = apiToken, time.Second })
	ns := unique("drift")
	r := newRepo(t, webFiles(ns, 1, "pw"))
	name := unique("driftweb")
	c := b.issue(r)
	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s --name "+name), "Registered deployment")
	if d := apiDrift(b, name); d != nil {
		t.Fatalf("drift of a deployment never applied: %v", d)
	}
	// A cluster admin asks for a tracking issue in the ConfigMap.
	if _, err := config.NewRegistry(kc.Typed, b.namespace).Update(context.Background(), func(src *config.Sources) error {
		_, d := src.FindDeployment(name)
		d.DriftIssue = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	mustContain(t, c.reply("/rigel sync "+name), "/rigel apply "+name)
	mustContain(t, c.reply("/rigel apply "+name), "Succeeded")

	_, dep := b.registry().FindDeployment(name)
	if dep == nil || dep.LastSync == nil {
		t.Fatalf("%s has no last sync after its apply", name)
	}
	waitDrift(t, b, name, 0, 10*time.Second)
	if d := apiDrift(b, name); d["state"] != "in-sync" || d["drifted"] != false || d["commit"] != dep.LastSync.Commit {
		t.Fatalf("API drift after the apply: %v, want in sync at %s", d, dep.LastSync.Commit)
	}
	mustContain(t, c.reply("/rigel list"), "in sync with")
	if is := gh.Issues(r.full, gh.AppSlug+"[bot]"); len(is) != 0 {
		t.Fatalf("issues opened while in sync: %+v", is)
	}

	// A hand edit, as kubectl edit would make it.
	handEdit(t, ns, "web-config", "LOG_LEVEL", "debug") // as kubectl edit makes it
	waitDrift(t, b, name, 1, 5*time.Second)             // within one interval, and a sweep's time
	d := apiDrift(b, name)
	if d["state"] != "drifted" || d["drifted"] != true || d["update"] != float64(1) || d["create"] != float64(0) {
		t.Fatalf("API drift after a hand edit: %v, want drifted with 1 update", d)
	}
	mustContain(t, c.reply("/rigel list"), "**drifted**", "update 1 object", "/rigel sync "+name)
	issue := waitIssue(t, r, func(is testenv.Issue) bool { return is.State == "open" })
	mustContain(t, issue.Title, name)
	mustContain(t, issue.Body, "drifted from git", "LOG_LEVEL", "/rigel sync "+name, "<!-- rigel:drift-issue deployment="+name+" mac=")
	time.Sleep(1500 * time.Millisecond) // more sweeps: drift detection applies nothing, opens no second issue
	if is := gh.Issues(r.full, gh.AppSlug+"[bot]"); len(is) != 1 || is[0].State != "open" || is[0].Edits != 0 {
		t.Fatalf("issues after more sweeps of the same drift: %+v, want the one issue, open and not edited", is)
	}
	if cm, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(context.Background(), "web-config", metav1.GetOptions{}); err != nil || cm.Data["LOG_LEVEL"] != "debug" {
		t.Fatalf("the hand edit was undone by drift detection: %v %v", cm.Data, err)
	}

	// A sync restores git's state: drift clears.
	mustContain(t, c.reply("/rigel sync "+name), "/rigel apply "+name)
	mustContain(t, c.reply("/rigel apply "+name), "Succeeded")
	waitDrift(t, b, name, 0, 5*time.Second)
	if d := apiDrift(b, name); d["state"] != "in-sync" {
		t.Fatalf("API drift after the sync: %v, want in sync", d)
	}
	mustContain(t, c.reply("/rigel list"), "in sync with")
	closed := waitIssue(t, r, func(is testenv.Issue) bool { return is.State == "closed" })
	if closed.Number != issue.Number || len(gh.Issues(r.full, gh.AppSlug+"[bot]")) != 1 {
		t.Fatalf("closed issue %d, want %d, the only one", closed.Number, issue.Number)
	}
	mustContain(t, closed.Body, "is gone")
}

// waitIssue waits until the bot's only issue in r is as ok says, and returns it.
func waitIssue(t *testing.T, r repo, ok func(testenv.Issue) bool) testenv.Issue {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		is := gh.Issues(r.full, gh.AppSlug+"[bot]")
		if len(is) == 1 && ok(is[0]) {
			return is[0]
		}
		if len(is) > 1 || time.Now().After(deadline) {
			t.Fatalf("the bot's issues in %s: %+v", r.full, is)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// handEdit sets key of the ConfigMap ns/name to value, as `kubectl edit` would (its own field
// manager): drift for Rigel.
func handEdit(t *testing.T, ns, name, key, value string) {
	t.Helper()
	ctx := context.Background()
	cms := kc.Typed.CoreV1().ConfigMaps(ns)
	cm, err := cms.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data[key] = value
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
}
