package ops

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// pushRegistry: web and api apply on push, docs only by command; web's base is in a folder of
// its own (a kustomize input outside its folder).
const pushRegistry = "- {repo: acme/web, branch: main, deployments: [{name: web, path: apps/web, applyOn: push}, {name: api, path: apps/api, applyOn: push}, {name: docs, path: apps/docs}]}\n"

func pushFiles(webData, apiData, baseData string) map[string]string {
	return map[string]string{
		"apps/web/kustomization.yaml": "resources: [cm.yaml, ../../base/web]\n",
		"apps/web/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: web}\ndata: {a: \"" + webData + "\"}\n",
		"base/web/kustomization.yaml": "resources: [base.yaml]\n",
		"base/web/base.yaml":          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-base, namespace: web}\ndata: {b: \"" + baseData + "\"}\n",
		"apps/api/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: api, namespace: web}\ndata: {a: \"" + apiData + "\"}\n",
		"apps/docs/cm.yaml":           "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: docs, namespace: web}\ndata: {a: \"" + webData + "\"}\n",
		"README.md":                   "hello " + webData + apiData + baseData,
	}
}

type pushWorld struct {
	svc           *Service
	src           *fakeSource
	pl            *fakePlanner
	before, after string
	forced        bool
	branch        string // "": main
}

func newPushWorld(t *testing.T, registry string, before, after map[string]string) *pushWorld {
	t.Helper()
	svc, _, _ := registryService(t, registry, nil)
	w := &pushWorld{svc: svc, src: svc.Source.(*fakeSource), pl: svc.Planner.(*fakePlanner)}
	w.before = w.src.commit("refs/heads/main", before)
	w.after = w.src.commit("refs/heads/main", after)
	return w
}

func (w *pushWorld) call() Call {
	return Call{Repo: Repo{Owner: "acme", Name: "web", DefaultBranch: "main"}, Forge: &fakeForge{}, Holder: Holder{Repo: "acme/web", Command: "apply on push"}}
}

func (w *pushWorld) push() PushSync {
	branch := w.branch
	if branch == "" {
		branch = "main"
	}
	return PushSync{Branch: branch, Before: w.before, After: w.after, Forced: w.forced}
}

func (w *pushWorld) outcome(t *testing.T, out *PushApplies, dep string) PushOutcome {
	t.Helper()
	for _, o := range out.Outcomes {
		if o.Deployment.Name == dep {
			return o
		}
	}
	t.Fatalf("no outcome for %s in %+v", dep, out.Outcomes)
	return PushOutcome{}
}

// shortPushLockWait makes a push wait for a held lock briefly, for the tests.
func shortPushLockWait(t *testing.T) {
	wait, retry := minPushLockWait, pushLockRetry
	minPushLockWait, pushLockRetry = 50*time.Millisecond, 5*time.Millisecond
	t.Cleanup(func() { minPushLockWait, pushLockRetry = wait, retry })
}

func TestApplyOnPush(t *testing.T) {
	shortPushLockWait(t)
	v1 := pushFiles("1", "1", "1")
	tests := []struct {
		name     string
		registry string
		after    map[string]string
		change   func(w *pushWorld)
		applied  []string // the deployments applied, in order
		refused  any      // web's refusal: a pointer to the type expected; nil: none
		because  string   // web's Because
		quiet    bool     // web's outcome is quiet (nothing said)
		none     bool     // no outcome at all
	}{
		{name: "the folder changed: applied", after: pushFiles("2", "1", "1"), applied: []string{"web"}, because: "apps/web/cm.yaml"},
		{name: "a kustomize base elsewhere changed", after: pushFiles("1", "1", "2"), applied: []string{"web"}, because: "base/web/base.yaml"},
		{name: "both changed: each applied", after: pushFiles("2", "2", "1"), applied: []string{"api", "web"}, because: "apps/web/cm.yaml"},
		{name: "only a README changed", after: func() map[string]string { f := pushFiles("1", "1", "1"); f["README.md"] = "new"; return f }(), quiet: true},
		{name: "a file added to the folder", after: func() map[string]string {
			f := pushFiles("1", "1", "1")
			f["apps/api/more.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: more, namespace: web}\n"
			return f
		}(), applied: []string{"api"}, quiet: true},
		{name: "a force push counts as changed", after: pushFiles("1", "1", "1"), change: func(w *pushWorld) { w.forced = true }, applied: []string{"api", "web"}, because: "a force push"},
		{name: "a new branch counts as changed", after: pushFiles("1", "1", "1"), change: func(w *pushWorld) { w.before = strings.Repeat("0", 40) }, applied: []string{"api", "web"}, because: "no earlier commit to compare with"},
		{name: "an unknown before counts as changed", after: pushFiles("1", "1", "1"), change: func(w *pushWorld) { w.before = strings.Repeat("b", 40) }, applied: []string{"api", "web"}, because: "cannot be read"},
		{name: "the branch moved on: superseded", after: pushFiles("2", "1", "1"), change: func(w *pushWorld) { w.src.commit("refs/heads/main", pushFiles("3", "1", "1")) }, quiet: true},
		{name: "policy refuses", registry: strings.Replace(pushRegistry, "applyOn: push}", "applyOn: push, policy: {namespaces: [other]}}", 1), after: pushFiles("2", "1", "1"),
			refused: new(*Policy), because: "apps/web/cm.yaml"},
		{name: "another reconciler's object", after: pushFiles("2", "1", "1"), change: func(w *pushWorld) {
			w.pl.changes = map[string]func(*sync.Change){"web": func(c *sync.Change) { c.ManagedBy = &sync.Reconciler{Tool: "Argo CD", Evidence: "label"} }}
		}, refused: new(*Reconciler), because: "apps/web/cm.yaml"},
		{name: "another deployment's object", after: pushFiles("2", "1", "1"), change: func(w *pushWorld) {
			w.pl.changes = map[string]func(*sync.Change){"web": func(c *sync.Change) {
				c.Unmanaged = &sync.Unmanaged{Deployment: "docs", Path: "apps/docs", OwnerRepo: "acme/web"}
			}}
		}, refused: new(*Takeover), because: "apps/web/cm.yaml"},
		{name: "a render error", after: func() map[string]string { f := pushFiles("2", "1", "1"); f["apps/web/cm.yaml"] = "kind: [\n"; return f }(), refused: new(*RenderFailed), because: "its folder no longer renders"},
		{name: "the lock is held", after: pushFiles("2", "1", "1"), change: func(w *pushWorld) {
			w.svc.Locker.(*fakeLocker).held = map[string]Holder{"web": {Repo: "acme/web", Number: 3, Command: "apply"}}
		}, refused: new(*Held), because: "apps/web/cm.yaml"},
		{name: "a pull request holds it", after: pushFiles("2", "1", "1"), change: func(w *pushWorld) {
			w.svc.Holds = &fakeHolds{holds: map[string]PullHold{"web": {Deployment: "web", Repo: "acme/web", Number: 9}}}
		}, refused: new(*PullHeld), because: "apps/web/cm.yaml"},
		{name: "no deployment applies on push", registry: "- {repo: acme/web, branch: main, deployments: [{name: web, path: apps/web}]}\n", after: pushFiles("2", "2", "2"), none: true},
		{name: "a push to another branch", after: pushFiles("2", "2", "2"), change: func(w *pushWorld) { w.branch = "dev" }, none: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := tc.registry
			if reg == "" {
				reg = pushRegistry
			}
			w := newPushWorld(t, reg, v1, tc.after)
			if tc.change != nil {
				tc.change(w)
			}
			out, err := w.svc.ApplyOnPush(context.Background(), w.call(), w.push())
			if err != nil {
				t.Fatal(err)
			}
			var applied []string
			for _, p := range w.pl.applied {
				applied = append(applied, p.Deployment)
				if p.Commit != w.after {
					t.Errorf("applied %s at %s, want the pushed commit %s", p.Deployment, p.Commit, w.after)
				}
			}
			if strings.Join(applied, ",") != strings.Join(tc.applied, ",") {
				t.Fatalf("applied %v, want %v", applied, tc.applied)
			}
			src, _ := w.svc.Registry.Load(context.Background())
			for _, name := range []string{"web", "api", "docs"} {
				_, d := src.FindDeployment(name)
				if d == nil {
					continue
				}
				want := strings.Contains(","+strings.Join(tc.applied, ",")+",", ","+name+",")
				if got := d.LastSync != nil; got != want {
					t.Errorf("%s: last sync %+v, want recorded %v", name, d.LastSync, want)
				} else if got && (d.LastSync.Kind != config.SyncKindPush || d.LastSync.Commit != w.after) {
					t.Errorf("%s: last sync %+v, want kind push at %s", name, d.LastSync, w.after)
				}
			}
			if (len(out.Outcomes) == 0) != tc.none {
				t.Fatalf("outcomes %+v, want none %v", out.Outcomes, tc.none)
			}
			if tc.none {
				return
			}
			for _, o := range out.Outcomes {
				if o.Deployment.Name == "docs" {
					t.Fatal("docs does not apply on push, but has an outcome")
				}
			}
			o := w.outcome(t, out, "web")
			if o.Quiet() != tc.quiet {
				t.Fatalf("web: quiet %v (%+v), want %v", o.Quiet(), o, tc.quiet)
			}
			if tc.because != "" && !strings.Contains(o.Changed+o.Because, tc.because) {
				t.Errorf("web: because %q, want %q", o.Because, tc.because)
			}
			if tc.refused == nil {
				if o.Refused != nil {
					t.Fatalf("web refused: %v", o.Refused)
				}
				return
			}
			if o.Applied != nil || !errors.As(o.Refused, tc.refused) || !IsRefusal(o.Refused) {
				t.Fatalf("web: applied %v, refused by %T (%v); want a refusal %T", o.Applied != nil, o.Refused, o.Refused, tc.refused)
			}
		})
	}
}

// TestApplyOnPushWaitsForTheLock: a push whose deployment another apply holds waits for the
// lock; when it is given back in time, the push is applied; a push that waited while a newer
// one moved the branch is superseded, and says nothing.
func TestApplyOnPushWaitsForTheLock(t *testing.T) {
	shortPushLockWait(t)
	minPushLockWait = 5 * time.Second
	w := newPushWorld(t, pushRegistry, pushFiles("1", "1", "1"), pushFiles("2", "1", "1"))
	lk := w.svc.Locker.(*fakeLocker)
	_, release, err := lk.LockDeployment(context.Background(), "web", Holder{Repo: "acme/web", Command: "apply"})
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(100*time.Millisecond, release)
	out, err := w.svc.ApplyOnPush(context.Background(), w.call(), PushSync{Branch: "main", Before: w.before, After: w.after, Only: []string{"web"}})
	if err != nil {
		t.Fatal(err)
	}
	if o := w.outcome(t, out, "web"); o.Applied == nil || o.Refused != nil {
		t.Fatalf("web: %+v, want applied once the lock was given back", o)
	}

	// The branch moves while the push waits: superseded.
	older := w.src.commit("refs/heads/main", pushFiles("3", "1", "1"))
	_, release, err = lk.LockDeployment(context.Background(), "web", Holder{Repo: "acme/web", Command: "apply"})
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(100*time.Millisecond, func() { w.src.commit("refs/heads/main", pushFiles("4", "1", "1")); release() })
	out, err = w.svc.ApplyOnPush(context.Background(), w.call(), PushSync{Branch: "main", Before: w.after, After: older, Only: []string{"web"}})
	if err != nil {
		t.Fatal(err)
	}
	if o := w.outcome(t, out, "web"); !o.Superseded || o.Applied != nil || !o.Quiet() {
		t.Fatalf("web: %+v, want superseded by the newer push", o)
	}
	if len(w.pl.applied) != 1 {
		t.Fatalf("%d applies, want 1", len(w.pl.applied))
	}

	// The poller does not wait: busy, quiet, tried again at the next poll.
	newest := w.src.commit("refs/heads/main", pushFiles("5", "1", "1"))
	_, release, err = lk.LockDeployment(context.Background(), "web", Holder{Repo: "acme/web", Command: "apply"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	out, err = w.svc.ApplyOnPush(context.Background(), w.call(), PushSync{Branch: "main", SinceLastSync: true, Only: []string{"web"}})
	release()
	if err != nil {
		t.Fatal(err)
	}
	if o := w.outcome(t, out, "web"); !o.Busy || !o.Quiet() || o.Commit != newest || time.Since(start) > time.Second {
		t.Fatalf("web: %+v after %s, want busy at once", o, time.Since(start))
	}
	out, err = w.svc.ApplyOnPush(context.Background(), w.call(), PushSync{Branch: "main", SinceLastSync: true, Only: []string{"web"}})
	if err != nil {
		t.Fatal(err)
	}
	if o := w.outcome(t, out, "web"); o.Applied == nil {
		t.Fatalf("web at the next poll: %+v, want applied", o)
	}
}

// TestApplyOnPushOnce: the same push handled again (a redelivery, or the poller after it)
// applies nothing more and says nothing.
func TestApplyOnPushOnce(t *testing.T) {
	w := newPushWorld(t, pushRegistry, pushFiles("1", "1", "1"), pushFiles("2", "1", "1"))
	for i, want := range []bool{false, true} {
		out, err := w.svc.ApplyOnPush(context.Background(), w.call(), w.push())
		if err != nil {
			t.Fatal(err)
		}
		if o := w.outcome(t, out, "web"); o.Done != want || (want && !o.Quiet()) {
			t.Fatalf("push %d: %+v, want done %v", i+1, o, want)
		}
	}
	if len(w.pl.applied) != 1 {
		t.Fatalf("%d applies, want 1", len(w.pl.applied))
	}
}

// TestApplyOnPushPollAfterRollback: the poll does not undo a rollback (the tip is the commit
// rolled back from), but applies a commit pushed after it.
func TestApplyOnPushPollAfterRollback(t *testing.T) {
	w := newPushWorld(t, pushRegistry, pushFiles("1", "1", "1"), pushFiles("2", "1", "1"))
	// web applied at after (the tip), then rolled back to before.
	for _, ls := range []config.LastSync{{Commit: w.after, Status: sync.StatusSucceeded, Kind: config.SyncKindPush}, {Commit: w.before, Status: sync.StatusSucceeded, Kind: config.SyncKindRollback}} {
		if _, err := w.svc.Registry.Update(context.Background(), func(s *config.Sources) error { return s.SetLastSync("web", ls) }); err != nil {
			t.Fatal(err)
		}
	}
	poll := PushSync{Branch: "main", SinceLastSync: true, Only: []string{"web"}}
	out, err := w.svc.ApplyOnPush(context.Background(), w.call(), poll)
	if err != nil {
		t.Fatal(err)
	}
	if o := w.outcome(t, out, "web"); !o.Untouched || len(w.pl.applied) != 0 {
		t.Fatalf("web after its rollback: %+v, %d applies; want untouched (the poll does not undo a rollback)", o, len(w.pl.applied))
	}
	next := w.src.commit("refs/heads/main", pushFiles("3", "1", "1"))
	out, err = w.svc.ApplyOnPush(context.Background(), w.call(), poll)
	if err != nil {
		t.Fatal(err)
	}
	if o := w.outcome(t, out, "web"); o.Applied == nil || o.Commit != next {
		t.Fatalf("web after a later push: %+v, want applied at %s", o, next)
	}
}

// TestApplyOnPushSinceLastSync: the poller compares each deployment's inputs with its last
// synced commit: a deployment never synced counts as changed; one synced before an unrelated
// commit is untouched.
func TestApplyOnPushSinceLastSync(t *testing.T) {
	w := newPushWorld(t, pushRegistry, pushFiles("1", "1", "1"), pushFiles("1", "2", "1"))
	if _, err := w.svc.Registry.Update(context.Background(), func(s *config.Sources) error {
		return s.SetLastSync("api", config.LastSync{Commit: w.before, Status: sync.StatusSucceeded})
	}); err != nil {
		t.Fatal(err)
	}
	next := w.src.commit("refs/heads/main", func() map[string]string { f := pushFiles("1", "2", "1"); f["README.md"] = "x"; return f }())
	out, err := w.svc.ApplyOnPush(context.Background(), w.call(), PushSync{Branch: "main", SinceLastSync: true}) // the tip
	if err != nil {
		t.Fatal(err)
	}
	web, api := w.outcome(t, out, "web"), w.outcome(t, out, "api")
	if web.Commit != next || api.Commit != next {
		t.Fatalf("judged at %s and %s, want the tip %s", web.Commit, api.Commit, next)
	}
	if web.Applied == nil || web.Because != "no earlier commit to compare with" || web.Changed != "" {
		t.Errorf("web (never synced): %+v, want applied", web)
	}
	if api.Applied == nil || api.Changed != "apps/api/cm.yaml" || api.Because != "" {
		t.Errorf("api (synced before its change): %+v, want applied because of apps/api/cm.yaml", api)
	}
	// The tip again: both are done.
	out, err = w.svc.ApplyOnPush(context.Background(), w.call(), PushSync{Branch: "main", After: next, SinceLastSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out.Outcomes {
		if !o.Done {
			t.Errorf("%s: %+v, want done", o.Deployment.Name, o)
		}
	}
	if len(w.pl.applied) != 2 {
		t.Fatalf("%d applies, want 2", len(w.pl.applied))
	}
	// A newer tip the adapter says it judged already (Skip) is left alone, without an outcome.
	newer := w.src.commit("refs/heads/main", pushFiles("2", "3", "1"))
	var asked []string
	out, err = w.svc.ApplyOnPush(context.Background(), w.call(), PushSync{Branch: "main", SinceLastSync: true,
		Skip: func(_ context.Context, dep, commit string) bool { asked = append(asked, dep+"@"+commit); return true }})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Outcomes) != 0 || len(w.pl.applied) != 2 || strings.Join(asked, ",") != "api@"+newer+",web@"+newer {
		t.Fatalf("outcomes %+v, %d applies, asked %v; want none, 2, both deployments at the newer tip", out.Outcomes, len(w.pl.applied), asked)
	}
}
