package ops

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// rollbackEnv is a planEnv where web was synced at commit a (one object) and then at commit b
// (two objects): its last sync is b, its history [a].
type rollbackEnv struct {
	*planEnv
	a, b string
}

func newRollbackEnv(t *testing.T) *rollbackEnv {
	t.Helper()
	e := &rollbackEnv{planEnv: newPlanEnv(t, nil)}
	e.a = e.main
	e.sync(t)
	e.b = e.src.commit("refs/heads/main", map[string]string{"app/cm.yaml": cmIn("a", "shop"), "app/b.yaml": cmIn("b", "shop")})
	e.main = e.b
	e.sync(t)
	return e
}

// sync previews web at main's tip and applies it, as `/rigel sync` then `/rigel apply` would.
func (e *rollbackEnv) sync(t *testing.T) {
	t.Helper()
	p := e.preview(t)
	if _, err := e.svc.Apply(context.Background(), e.call(&fakeForge{}, 1, false), e.dep, ApplyRequest{Plan: p.ID(), At: BranchTarget("main")}); err != nil {
		t.Fatalf("apply: %v", err)
	}
}

// web is the deployment as the registry holds it now.
func (e *rollbackEnv) web(t *testing.T) config.Deployment {
	t.Helper()
	src, err := e.svc.Registry.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, d := src.FindDeployment("web")
	return *d
}

// setHistory replaces web's history in the registry.
func (e *rollbackEnv) setHistory(t *testing.T, h []config.LastSync) {
	t.Helper()
	if _, err := e.svc.Registry.Update(context.Background(), func(s *config.Sources) error {
		_, d := s.FindDeployment("web")
		d.History = h
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestRollback: a rollback previews the commit of the history it names (or the previous
// successful sync) and arms it, or refuses with the refusal of its meaning and previews nothing.
func TestRollback(t *testing.T) {
	hex := func(c byte) string { return strings.Repeat(string(c), 40) }
	tests := []struct {
		name    string
		arrange func(t *testing.T, e *rollbackEnv) // changes the history before the rollback
		commit  string                             // as typed; a func of the env when set
		commitF func(e *rollbackEnv) string
		pr      bool
		wantTo  func(e *rollbackEnv) string // the commit previewed; "" when refused
		check   func(t *testing.T, e *rollbackEnv, err error)
	}{
		{name: "the previous successful sync", wantTo: func(e *rollbackEnv) string { return e.a }},
		{name: "a full commit of the history", commitF: func(e *rollbackEnv) string { return e.a }, wantTo: func(e *rollbackEnv) string { return e.a }},
		{name: "a unique prefix of 7, in capitals", commitF: func(e *rollbackEnv) string { return strings.ToUpper(e.a[:7]) }, wantTo: func(e *rollbackEnv) string { return e.a }},
		{name: "skips failed syncs and the current commit", arrange: func(t *testing.T, e *rollbackEnv) {
			e.setHistory(t, []config.LastSync{{Commit: e.b, Status: sync.StatusSucceeded}, {Commit: hex('c'), Status: sync.StatusFailed}, {Commit: e.a, Status: sync.StatusSucceeded}})
		}, wantTo: func(e *rollbackEnv) string { return e.a }},
		{name: "never synced before", arrange: func(t *testing.T, e *rollbackEnv) { e.setHistory(t, nil) }, check: func(t *testing.T, e *rollbackEnv, err error) {
			var no *NoRollback
			if !errors.As(err, &no) || no.Deployment != "web" || no.Last == nil || no.Last.Commit != e.b || len(no.History) != 0 || no.Keep != config.HistoryLimit {
				t.Fatalf("err = %#v, want *NoRollback from %s with an empty history", err, e.b)
			}
		}},
		{name: "only the same commit and failures", arrange: func(t *testing.T, e *rollbackEnv) {
			e.setHistory(t, []config.LastSync{{Commit: e.b, Status: sync.StatusSucceeded}, {Commit: e.a, Status: sync.StatusUnhealthy}})
		}, check: func(t *testing.T, e *rollbackEnv, err error) {
			var no *NoRollback
			if !errors.As(err, &no) || len(no.History) != 2 {
				t.Fatalf("err = %#v, want *NoRollback listing the 2 syncs", err)
			}
		}},
		{name: "an unhealthy sync named by its commit", arrange: func(t *testing.T, e *rollbackEnv) {
			e.setHistory(t, []config.LastSync{{Commit: e.a, Status: sync.StatusUnhealthy}})
		}, commitF: func(e *rollbackEnv) string { return e.a[:10] }, wantTo: func(e *rollbackEnv) string { return e.a }},
		{name: "not a commit", commit: "main~1", check: func(t *testing.T, e *rollbackEnv, err error) {
			var n *NotInHistory
			if !errors.As(err, &n) || !n.NotACommit || n.Asked != "main~1" || len(n.Choices) != 1 || n.Choices[0].Commit != e.a {
				t.Fatalf("err = %#v, want *NotInHistory{NotACommit} offering %s", err, e.a)
			}
		}},
		{name: "a prefix shorter than 7", commitF: func(e *rollbackEnv) string { return e.a[:6] }, check: func(t *testing.T, e *rollbackEnv, err error) {
			var n *NotInHistory
			if !errors.As(err, &n) || !n.NotACommit {
				t.Fatalf("err = %#v, want *NotInHistory{NotACommit}", err)
			}
		}},
		{name: "a commit outside the history (the branch's tip)", commitF: func(e *rollbackEnv) string { return e.b }, check: func(t *testing.T, e *rollbackEnv, err error) {
			var n *NotInHistory
			if !errors.As(err, &n) || n.NotACommit || n.Ambiguous || len(n.Choices) != 1 {
				t.Fatalf("err = %#v, want *NotInHistory offering the one commit of the history", err)
			}
		}},
		{name: "an ambiguous prefix", arrange: func(t *testing.T, e *rollbackEnv) {
			e.setHistory(t, []config.LastSync{{Commit: "abcdef0" + hex('1')[7:], Status: sync.StatusSucceeded}, {Commit: "abcdef0" + hex('2')[7:], Status: sync.StatusSucceeded}, {Commit: "abcdef0" + hex('1')[7:], Status: sync.StatusFailed}, {Commit: "not a commit"}})
		}, commit: "abcdef0", check: func(t *testing.T, e *rollbackEnv, err error) {
			var n *NotInHistory
			if !errors.As(err, &n) || !n.Ambiguous || len(n.Choices) != 2 || n.Choices[0].Status != sync.StatusSucceeded {
				t.Fatalf("err = %#v, want *NotInHistory{Ambiguous} with 2 choices (one per commit, the newest sync)", err)
			}
		}},
		{name: "in a pull request", pr: true, check: func(t *testing.T, e *rollbackEnv, err error) {
			want := &RollbackInPull{Deployment: "web", Repo: "acme/web", Pull: 7}
			if !reflect.DeepEqual(err, want) {
				t.Fatalf("err = %#v, want %#v", err, want)
			}
		}},
		{name: "another pull request holds the deployment", arrange: func(t *testing.T, e *rollbackEnv) {
			e.svc.Holds = &fakeHolds{holds: map[string]PullHold{"web": {Deployment: "web", Repo: "acme/web", Number: 9, Author: "bob"}}}
		}, check: func(t *testing.T, e *rollbackEnv, err error) {
			var h *PullHeld
			if !errors.As(err, &h) || h.Hold.Number != 9 || h.Verb != "rollback" {
				t.Fatalf("err = %#v, want *PullHeld by #9", err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newRollbackEnv(t)
			if tc.arrange != nil {
				tc.arrange(t, e)
			}
			commit := tc.commit
			if tc.commitF != nil {
				commit = tc.commitF(e)
			}
			call := e.call(&fakeForge{heads: map[int]PullHead{9: {SHA: e.b, State: "open"}}}, 1, false)
			if tc.pr {
				call = e.call(&fakeForge{}, 7, true)
			}
			dep := e.web(t)
			fetches := len(e.src.fetches)
			p, err := e.svc.Rollback(context.Background(), call, dep, RollbackRequest{At: BranchTarget("main"), Commit: commit})
			if tc.wantTo == nil {
				if err == nil {
					t.Fatalf("rollback previewed %s, want a refusal", p.Plan.Commit)
				}
				if !IsRefusal(err) {
					t.Fatalf("err = %v is no refusal", err)
				}
				tc.check(t, e, err)
				if _, held := err.(*PullHeld); !held && len(e.src.fetches) != fetches {
					t.Errorf("a refused rollback fetched %d times", len(e.src.fetches)-fetches)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			to := tc.wantTo(e)
			id := p.ID()
			if p.Plan.Commit != to || !id.Rollback || id.Commit != to || p.Target.Commit != to || p.Target.Branch != "main" {
				t.Fatalf("preview at %s (id %+v, target %+v), want a rollback preview at %s", p.Plan.Commit, id, p.Target, to)
			}
			if p.Rollback == nil || p.Rollback.To.Commit != to || p.Rollback.From == nil || p.Rollback.From.Commit != e.b {
				t.Fatalf("Rollback = %+v, want from %s to %s", p.Rollback, e.b, to)
			}
			if len(p.Plan.Changes) != 1 || p.Plan.Changes[0].Ref.Name != "a" {
				t.Fatalf("the preview rendered %+v, want commit a's one object", p.Plan.Changes)
			}
		})
	}
}

// TestApplyRollback: the apply of a rollback preview applies its pinned commit, whatever the
// branch's tip, with every guard of an apply, and records it as a rollback; the next
// rollback goes back to the commit it replaced.
func TestApplyRollback(t *testing.T) {
	tests := []struct {
		name    string
		arrange func(t *testing.T, e *rollbackEnv, req *ApplyRequest) *Call
		check   func(t *testing.T, e *rollbackEnv, err error) // nil: applied
	}{
		{name: "applies the pinned commit"},
		{name: "the branch moved on since: still the pinned commit", arrange: func(t *testing.T, e *rollbackEnv, req *ApplyRequest) *Call {
			e.src.commit("refs/heads/main", map[string]string{"app/cm.yaml": cmIn("z", "shop")})
			return nil
		}},
		{name: "found under the lock", arrange: func(t *testing.T, e *rollbackEnv, req *ApplyRequest) *Call {
			id := req.Plan
			req.Plan, req.Find = PlanID{}, func(context.Context) (PlanID, error) { return id, nil }
			return nil
		}},
		{name: "the cluster changed", arrange: func(t *testing.T, e *rollbackEnv, req *ApplyRequest) *Call {
			e.pl.salt = "changed"
			return nil
		}, check: func(t *testing.T, e *rollbackEnv, err error) {
			var s *Stale
			if !errors.As(err, &s) || s.Why != StaleDigest || s.Commit != e.a {
				t.Fatalf("err = %#v, want *Stale{StaleDigest} at %s", err, e.a)
			}
		}},
		{name: "the commit left the history", arrange: func(t *testing.T, e *rollbackEnv, req *ApplyRequest) *Call {
			e.setHistory(t, []config.LastSync{{Commit: strings.Repeat("c", 40), Status: sync.StatusSucceeded}})
			return nil
		}, check: func(t *testing.T, e *rollbackEnv, err error) {
			var n *NotInHistory
			if !errors.As(err, &n) || n.Asked != e.a || len(n.Choices) != 1 {
				t.Fatalf("err = %#v, want *NotInHistory for %s", err, e.a)
			}
		}},
		{name: "no commit (an HTTP body without one)", arrange: func(t *testing.T, e *rollbackEnv, req *ApplyRequest) *Call {
			req.Plan.Commit = ""
			return nil
		}, check: func(t *testing.T, e *rollbackEnv, err error) {
			var n *NotInHistory
			if !errors.As(err, &n) || !n.NotACommit {
				t.Fatalf("err = %#v, want *NotInHistory{NotACommit}", err)
			}
		}},
		{name: "a commit never in the history, signed as a rollback", arrange: func(t *testing.T, e *rollbackEnv, req *ApplyRequest) *Call {
			req.Plan.Commit = e.b // the tip: a plain sync's commit
			return nil
		}, check: func(t *testing.T, e *rollbackEnv, err error) {
			var n *NotInHistory
			if !errors.As(err, &n) || n.Asked != e.b {
				t.Fatalf("err = %#v, want *NotInHistory for %s", err, e.b)
			}
		}},
		{name: "in a pull request", arrange: func(t *testing.T, e *rollbackEnv, req *ApplyRequest) *Call {
			c := e.call(&fakeForge{}, 7, true)
			return &c
		}, check: func(t *testing.T, e *rollbackEnv, err error) {
			var in *RollbackInPull
			if !errors.As(err, &in) || in.Pull != 7 {
				t.Fatalf("err = %#v, want *RollbackInPull", err)
			}
		}},
		{name: "the policy refuses it now", arrange: func(t *testing.T, e *rollbackEnv, req *ApplyRequest) *Call {
			e.svc.Access.DefaultPolicy = config.Policy{Namespaces: []string{"other"}}
			req.Force = true
			return nil
		}, check: func(t *testing.T, e *rollbackEnv, err error) {
			var p *Policy
			if !errors.As(err, &p) || len(p.Plan.Violating()) != 1 {
				t.Fatalf("err = %#v, want *Policy", err)
			}
		}},
		{name: "another reconciler's object, not forced", arrange: func(t *testing.T, e *rollbackEnv, req *ApplyRequest) *Call {
			e.pl.changes = map[string]func(*sync.Change){"a": func(c *sync.Change) { c.ManagedBy = &sync.Reconciler{Tool: "Flux", Evidence: "label"} }}
			return nil
		}, check: func(t *testing.T, e *rollbackEnv, err error) {
			var r *Reconciler
			if !errors.As(err, &r) {
				t.Fatalf("err = %#v, want *Reconciler", err)
			}
		}},
		{name: "another apply holds the lock", arrange: func(t *testing.T, e *rollbackEnv, req *ApplyRequest) *Call {
			e.lk.held = map[string]Holder{"web": {Command: "/rigel apply web"}}
			return nil
		}, check: func(t *testing.T, e *rollbackEnv, err error) {
			var h *Held
			if !errors.As(err, &h) {
				t.Fatalf("err = %#v, want *Held", err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newRollbackEnv(t)
			call := e.call(&fakeForge{}, 1, false)
			p, err := e.svc.Rollback(context.Background(), call, e.web(t), RollbackRequest{At: BranchTarget("main")})
			if err != nil {
				t.Fatal(err)
			}
			req := ApplyRequest{Plan: p.ID(), At: BranchTarget("main")}
			if tc.arrange != nil {
				if c := tc.arrange(t, e, &req); c != nil {
					call = *c
				}
			}
			applies := len(e.pl.applied)
			done, err := e.svc.Apply(context.Background(), call, e.web(t), req)
			if tc.check != nil {
				if err == nil {
					t.Fatalf("applied %s, want a refusal", done.LastSync.Commit)
				}
				tc.check(t, e, err)
				if len(e.pl.applied) != applies || e.lastSync(t).Commit != e.b {
					t.Fatalf("a refused rollback applied or recorded: %d applies, last sync %+v", len(e.pl.applied)-applies, e.lastSync(t))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := e.pl.applied[len(e.pl.applied)-1]; got.Commit != e.a || len(got.Changes) != 1 {
				t.Fatalf("applied %s with %d changes, want %s's one object", got.Commit, len(got.Changes), e.a)
			}
			web := e.web(t)
			if web.LastSync.Commit != e.a || web.LastSync.Kind != config.SyncKindRollback || done.LastSync.Kind != config.SyncKindRollback {
				t.Fatalf("recorded %+v, want a rollback to %s", web.LastSync, e.a)
			}
			if len(web.History) != 2 || web.History[0].Commit != e.b || web.History[0].Kind != config.SyncKindCommand {
				t.Fatalf("history = %+v, want b (a command) then a", web.History)
			}
			// A second rollback offers b, the sync the first replaced.
			if to := DefaultRollback(web); to == nil || to.Commit != e.b {
				t.Fatalf("the next rollback goes to %+v, want %s", to, e.b)
			}
		})
	}
}

// TestSyncHistorySize: the registry keeps Service.SyncHistory earlier syncs.
func TestSyncHistorySize(t *testing.T) {
	e := newRollbackEnv(t)
	e.svc.SyncHistory = 2
	for i := 0; i < 3; i++ {
		e.main = e.src.commit("refs/heads/main", map[string]string{"app/cm.yaml": cmIn("a", "shop"), "app/n.yaml": cmIn(fmt.Sprintf("x%d", i), "shop")})
		e.sync(t)
	}
	if h := e.web(t).History; len(h) != 2 {
		t.Fatalf("history holds %d syncs, want 2", len(h))
	}
}

// TestRollbackPermission: a rollback needs what a sync needs, unless RIGEL_PERMISSIONS sets it
// apart; the history needs read.
func TestRollbackPermission(t *testing.T) {
	for _, tc := range []struct {
		perms          map[string]string
		rollback, hist string
	}{
		{nil, "write", "read"},
		{map[string]string{"sync": "maintain"}, "maintain", "read"},
		{map[string]string{"sync": "maintain", "rollback": "admin", "history": "write"}, "admin", "write"},
	} {
		a := Access{Permissions: tc.perms}
		if got := a.Required("rollback"); got != tc.rollback {
			t.Errorf("with %v rollback needs %q, want %q", tc.perms, got, tc.rollback)
		}
		if got := a.Required("history"); got != tc.hist {
			t.Errorf("with %v history needs %q, want %q", tc.perms, got, tc.hist)
		}
	}
}
