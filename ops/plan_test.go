package ops

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/replica"
	"github.com/rigel-gitops/rigel/sync"
)

// TestApply: Apply applies exactly the preview, or refuses with the refusal of its meaning and
// applies and records nothing.
func TestApply(t *testing.T) {
	const pr = 7
	approved := func(head string) *fakeForge {
		return &fakeForge{
			heads:   map[int]PullHead{pr: {SHA: head, State: "open", HeadRepo: "acme/web", BaseRepo: "acme/web", BaseRef: "main"}},
			reviews: map[int][]Review{pr: {{User: "bob", State: "APPROVED", CommitID: head}}},
			roles:   map[string]string{"bob": "write", "alice": "write"}, // alice previews a fork
		}
	}
	// prEnv previews web at the head of PR 7 and returns the call of an apply there.
	prEnv := func(t *testing.T, e *planEnv, forge func(head string) *fakeForge, req *ApplyRequest) Call {
		head := e.src.commit("refs/pull/7/head", map[string]string{"app/cm.yaml": cmIn("a", "shop"), "app/b.yaml": cmIn("b", "shop")})
		f := forge(head)
		call := e.call(f, pr, true)
		p, err := e.svc.Preview(context.Background(), call, e.dep, PreviewRequest{At: PullTarget(pr, head), Verb: "sync"})
		if err != nil {
			t.Fatal(err)
		}
		req.Plan = p.ID()
		return call
	}
	tests := []struct {
		name   string
		access Access
		// arrange changes the world after the preview (req holds its identity), and may
		// return the call to apply with (nil: an issue's comment)
		arrange func(t *testing.T, e *planEnv, req *ApplyRequest) *Call
		want    any // the refusal's type and facts (compared with check, or DeepEqual when check is nil); nil: applied
		check   func(t *testing.T, e *planEnv, err error)
	}{
		{name: "applies exactly the preview"},
		{name: "applies the tip when the preview named no commit", arrange: func(t *testing.T, e *planEnv, req *ApplyRequest) *Call {
			req.Plan.Commit = ""
			return nil
		}},
		{name: "another apply holds the lock", arrange: func(t *testing.T, e *planEnv, req *ApplyRequest) *Call {
			e.lk.held = map[string]Holder{"web": {Command: "/rigel apply web", Repo: "acme/web", Number: 3}}
			return nil
		}, check: func(t *testing.T, e *planEnv, err error) {
			var h *Held
			if !errors.As(err, &h) || h.Deployment != "web" || h.Command != "/rigel apply web" {
				t.Fatalf("err = %v, want *Held naming the other apply", err)
			}
		}},
		{name: "nothing armed: Find's refusal, under the lock", arrange: func(t *testing.T, e *planEnv, req *ApplyRequest) *Call {
			req.Find = func(ctx context.Context) (PlanID, error) {
				if _, _, err := e.lk.LockDeployment(ctx, "web", Holder{}); err == nil {
					t.Error("Find ran without the deployment's lock held")
				}
				return PlanID{}, &fault.Invalid{Msg: "nothing was previewed"}
			}
			return nil
		}, want: &fault.Invalid{Msg: "nothing was previewed"}},
		{name: "Find gives the plan", arrange: func(t *testing.T, e *planEnv, req *ApplyRequest) *Call {
			id := req.Plan
			req.Plan = PlanID{}
			req.Find = func(context.Context) (PlanID, error) { return id, nil }
			return nil
		}},
		{name: "the branch moved on", arrange: func(t *testing.T, e *planEnv, req *ApplyRequest) *Call {
			e.src.commit("refs/heads/main", map[string]string{"app/cm.yaml": cmIn("a", "shop"), "app/new.yaml": cmIn("n", "shop")})
			return nil
		}, check: func(t *testing.T, e *planEnv, err error) {
			var s *Stale
			if !errors.As(err, &s) || s.Why != StaleCommit || s.Commit != e.main || s.Now.Branch != "main" || s.Now.Commit == e.main || s.Deployment != "web" {
				t.Fatalf("err = %#v, want *Stale{StaleCommit} from %s to the new tip", err, e.main)
			}
		}},
		{name: "the cluster changed", arrange: func(t *testing.T, e *planEnv, req *ApplyRequest) *Call {
			e.pl.salt = "changed"
			return nil
		}, check: func(t *testing.T, e *planEnv, err error) {
			var s *Stale
			if !errors.As(err, &s) || s.Why != StaleDigest || s.Commit != e.main || s.Digest == s.NowDigest || s.Now.Commit != e.main {
				t.Fatalf("err = %#v, want *Stale{StaleDigest} at %s", err, e.main)
			}
		}},
		{name: "the policy refuses, even forced and stale", arrange: func(t *testing.T, e *planEnv, req *ApplyRequest) *Call {
			e.src.commit("refs/heads/main", map[string]string{"app/cm.yaml": cmIn("a", "kube-system")})
			req.Plan.Commit, req.Force = "", true
			return nil
		}, check: func(t *testing.T, e *planEnv, err error) {
			var p *Policy
			if !errors.As(err, &p) || p.Namespace != "rigel" || len(p.Plan.Violating()) != 1 || p.Plan.Violating()[0].Ref.Namespace != "kube-system" {
				t.Fatalf("err = %#v, want *Policy naming the object in kube-system", err)
			}
		}},
		{name: "an object of another registered deployment, even forced", arrange: func(t *testing.T, e *planEnv, req *ApplyRequest) *Call {
			e.register(t, "acme/api", config.Deployment{Name: "api", Path: "api"})
			e.pl.changes = map[string]func(*sync.Change){"a": func(c *sync.Change) { c.Unmanaged = &sync.Unmanaged{Deployment: "api", Path: "api"} }}
			req.Force = true
			return nil
		}, check: func(t *testing.T, e *planEnv, err error) {
			var to *Takeover
			if !errors.As(err, &to) || len(TakenFrom(to.Plan)) != 1 || TakenFrom(to.Plan)[0].Unmanaged.OwnerRepo != "acme/api" {
				t.Fatalf("err = %#v, want *Takeover of a from acme/api", err)
			}
		}},
		{name: "an object of a deployment no longer registered is adopted", arrange: func(t *testing.T, e *planEnv, req *ApplyRequest) *Call {
			e.pl.changes = map[string]func(*sync.Change){"a": func(c *sync.Change) { c.Unmanaged = &sync.Unmanaged{Deployment: "gone", Path: "gone"} }}
			e.preview(t) // the digest does not depend on it
			return nil
		}},
		{name: "another reconciler's object, not forced", arrange: func(t *testing.T, e *planEnv, req *ApplyRequest) *Call {
			e.pl.changes = map[string]func(*sync.Change){"a": func(c *sync.Change) { c.ManagedBy = &sync.Reconciler{Tool: "Argo CD", Evidence: "label"} }}
			return nil
		}, check: func(t *testing.T, e *planEnv, err error) {
			var r *Reconciler
			if !errors.As(err, &r) || len(r.Plan.Reconciled()) != 1 {
				t.Fatalf("err = %#v, want *Reconciler", err)
			}
		}},
		{name: "another reconciler's object, forced", arrange: func(t *testing.T, e *planEnv, req *ApplyRequest) *Call {
			e.pl.changes = map[string]func(*sync.Change){"a": func(c *sync.Change) { c.ManagedBy = &sync.Reconciler{Tool: "Flux", Evidence: "field manager"} }}
			req.Force = true
			return nil
		}},
		{name: "a PR approved at its head", access: Access{RequireApproval: true}, arrange: func(t *testing.T, e *planEnv, req *ApplyRequest) *Call {
			c := prEnv(t, e, approved, req)
			return &c
		}},
		{name: "a PR not approved", access: Access{RequireApproval: true}, arrange: func(t *testing.T, e *planEnv, req *ApplyRequest) *Call {
			c := prEnv(t, e, func(head string) *fakeForge { f := approved(head); f.reviews = nil; return f }, req)
			return &c
		}, check: func(t *testing.T, e *planEnv, err error) {
			var nr *NotReady
			if !errors.As(err, &nr) || nr.Pull != pr || len(nr.Missing) != 1 || nr.Missing[0].Kind != Unapproved {
				t.Fatalf("err = %#v, want *NotReady{Unapproved}", err)
			}
		}},
		{name: "a closed PR", arrange: func(t *testing.T, e *planEnv, req *ApplyRequest) *Call {
			c := prEnv(t, e, func(head string) *fakeForge {
				f := approved(head)
				ph := f.heads[pr]
				ph.State = "closed"
				f.heads[pr] = ph
				return f
			}, req)
			return &c
		}, want: &PullNotOpen{Pull: pr, Repo: "acme/web", Branch: "main", State: PullClosed}},
		{name: "a PR from a fork", arrange: func(t *testing.T, e *planEnv, req *ApplyRequest) *Call {
			c := prEnv(t, e, func(head string) *fakeForge {
				f := approved(head)
				ph := f.heads[pr]
				ph.HeadRepo = "mallory/web"
				f.heads[pr] = ph
				return f
			}, req)
			return &c
		}, want: &ForkApply{Pull: pr, Repo: "acme/web", HeadRepo: "mallory/web"}},
		{name: "a PR pushed to since the preview", access: Access{RequireApproval: true}, arrange: func(t *testing.T, e *planEnv, req *ApplyRequest) *Call {
			c := prEnv(t, e, approved, req)
			moved := e.src.commit("refs/pull/7/head", map[string]string{"app/cm.yaml": cmIn("a", "shop")})
			f := c.Forge.(*fakeForge)
			f.heads[pr] = PullHead{SHA: moved, State: "open", HeadRepo: "acme/web", BaseRepo: "acme/web"}
			return &c
		}, check: func(t *testing.T, e *planEnv, err error) {
			var s *Stale
			if !errors.As(err, &s) || s.Why != StaleCommit || s.Now.Pull != pr {
				t.Fatalf("err = %#v, want *Stale{StaleCommit} of the PR head", err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newPlanEnv(t, nil)
			e.svc.Access = tc.access
			req := ApplyRequest{Plan: e.preview(t).ID(), At: BranchTarget("main")}
			call := e.call(&fakeForge{}, 1, false)
			if tc.arrange != nil {
				if c := tc.arrange(t, e, &req); c != nil {
					call = *c
				}
			}
			rec := &fakeRecorder{}
			call.Record = rec
			got, err := e.svc.Apply(context.Background(), call, e.dep, req)
			if tc.want == nil && tc.check == nil {
				if err != nil {
					t.Fatalf("Apply: %v", err)
				}
				if len(e.pl.applied) != 1 || got.Plan != e.pl.applied[0] || got.Result.Status != sync.StatusSucceeded {
					t.Fatalf("applied %d plans, result %+v", len(e.pl.applied), got)
				}
				ls := e.lastSync(t)
				if ls == nil || ls.Commit != got.Plan.Commit || ls.Status != sync.StatusSucceeded || ls.Message != "1 created, 0 changed, 0 unchanged, 0 failed" && ls.Message != "2 created, 0 changed, 0 unchanged, 0 failed" {
					t.Fatalf("recorded %+v", ls)
				}
				if want := []string{"web@" + got.Plan.Commit}; !reflect.DeepEqual(rec.notes, want) {
					t.Fatalf("the record was told %v, want %v", rec.notes, want)
				}
				if len(e.lk.held) != 0 {
					t.Fatalf("the lock is still held: %v", e.lk.held)
				}
				return
			}
			if !IsRefusal(err) {
				t.Fatalf("err = %v, want a refusal", err)
			}
			if tc.check != nil {
				tc.check(t, e, err)
			} else if !reflect.DeepEqual(err, tc.want) {
				t.Fatalf("err = %#v, want %#v", err, tc.want)
			}
			if len(e.pl.applied) != 0 || e.lastSync(t) != nil || len(rec.notes) != 0 {
				t.Fatalf("a refused apply applied %d plans, recorded %+v, noted %v", len(e.pl.applied), e.lastSync(t), rec.notes)
			}
		})
	}
}

// TestApplyInterrupted: an apply cut short (its lock lost, Rigel shutting down) records the
// interrupted sync in the registry and says what is known, as a failure (not a refusal).
func TestApplyInterrupted(t *testing.T) {
	tests := []struct {
		name       string
		cause      error
		applyErr   error // what the planner returns once cut short
		wantResult bool  // it had applied and was waiting for health
		wantStatus string
		wantMsg    string
	}{
		{"lock lost while waiting for health", replica.ErrLockLost, nil, true, sync.StatusSucceeded,
			"1 created, 0 changed, 0 unchanged, 0 failed; interrupted while waiting for health (the deployment's lock was lost)"},
		{"shutting down while applying", replica.ErrShuttingDown, context.Canceled, false, sync.StatusFailed,
			"interrupted while applying (Rigel was shutting down): some objects may not have been applied"},
		{"record lost while applying", replica.ErrRecordLost, context.Canceled, false, sync.StatusFailed,
			"interrupted while applying (the command's record was lost): some objects may not have been applied"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newPlanEnv(t, nil)
			lk := &stoppingLocker{}
			hp := &hookPlanner{fakePlanner: e.pl, err: tc.applyErr, noRes: tc.applyErr != nil}
			hp.during = func() { lk.cancel(tc.cause) }
			e.svc.Locker, e.svc.Planner = lk, hp
			req := ApplyRequest{Plan: e.preview(t).ID(), At: BranchTarget("main")}
			_, err := e.svc.Apply(context.Background(), e.call(&fakeForge{}, 1, false), e.dep, req)
			var in *Interrupted
			if !errors.As(err, &in) || IsRefusal(err) || !errors.Is(err, tc.cause) || err.Error() != tc.cause.Error() {
				t.Fatalf("err = %#v, want an *Interrupted by %v", err, tc.cause)
			}
			if in.Deployment != "web" || in.Commit != e.main || (in.Result != nil) != tc.wantResult || in.Recorded != tc.wantStatus || in.RecordErr != nil {
				t.Fatalf("interrupted = %+v", in)
			}
			ls := e.lastSync(t)
			if ls == nil || ls.Commit != e.main || ls.Status != tc.wantStatus || ls.Message != tc.wantMsg {
				t.Fatalf("recorded %+v, want status %s, message %q", ls, tc.wantStatus, tc.wantMsg)
			}
		})
	}
}

func TestApplyWithoutLocker(t *testing.T) {
	e := newPlanEnv(t, nil)
	e.svc.Locker = nil
	_, err := e.svc.Apply(context.Background(), e.call(&fakeForge{}, 1, false), e.dep, ApplyRequest{Plan: e.preview(t).ID(), At: BranchTarget("main")})
	if err == nil || IsRefusal(err) || len(e.pl.applied) != 0 {
		t.Fatalf("err = %v, want a failure and nothing applied", err)
	}
}

// TestPreview: a preview is a plan of the folder at the target, with the policy's refusals and
// the owners of unmanaged objects marked; a fork's PR is previewed only for those allowed.
func TestPreview(t *testing.T) {
	fork := func(head, role string) *fakeForge {
		return &fakeForge{heads: map[int]PullHead{7: {SHA: "x", HeadRepo: head, BaseRepo: "acme/web"}}, roles: map[string]string{"alice": role}}
	}
	tests := []struct {
		name    string
		open    bool // RIGEL_ALLOW_FORK_PREVIEW
		forge   *fakeForge
		pr      bool
		folder  string
		want    error // nil: previewed
		fetched bool  // with want: whether anything was fetched before the refusal
	}{
		{name: "not a pull request", forge: fork("mallory/web", "read")},
		{name: "same repository", forge: fork("acme/web", "read"), pr: true},
		{name: "same repository, other case", forge: fork("ACME/web", "none"), pr: true},
		{name: "fork, write", forge: fork("mallory/web", "write"), pr: true},
		{name: "fork, admin", forge: fork("mallory/web", "admin"), pr: true},
		{name: "fork, read, previews opened", forge: fork("mallory/web", "read"), pr: true, open: true},
		{name: "fork, read", forge: fork("mallory/web", "read"), pr: true,
			want: &ForkPreview{Pull: 7, Repo: "acme/web", HeadRepo: "mallory/web", Author: "alice", Have: "read", Need: "write", Verb: "diff"}},
		{name: "fork, triage", forge: fork("mallory/web", "triage"), pr: true,
			want: &ForkPreview{Pull: 7, Repo: "acme/web", HeadRepo: "mallory/web", Author: "alice", Have: "triage", Need: "write", Verb: "diff"}},
		{name: "deleted fork, read", forge: fork("", "read"), pr: true,
			want: &ForkPreview{Pull: 7, Repo: "acme/web", Author: "alice", Have: "read", Need: "write", Verb: "diff"}},
		{name: "no such folder", forge: &fakeForge{}, folder: "nowhere", fetched: true,
			want: &RenderFailed{Folder: "nowhere", At: BranchTarget("main")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newPlanEnv(t, map[string]string{"app/cm.yaml": cmIn("a", "shop"), "app/sys.yaml": cmIn("s", "kube-system"), "app/old.yaml": cmIn("o", "shop")})
			e.register(t, "acme/api", config.Deployment{Name: "api", Path: "api"})
			e.pl.changes = map[string]func(*sync.Change){
				"o": func(c *sync.Change) { c.Unmanaged = &sync.Unmanaged{Deployment: "api"} },
			}
			e.svc.Access.AllowForkPreview = tc.open
			dep := e.dep
			if tc.folder != "" {
				dep.Path = tc.folder
			}
			p, err := e.svc.Preview(context.Background(), e.call(tc.forge, 7, tc.pr), dep, PreviewRequest{At: BranchTarget("main"), Verb: "diff"})
			if tc.want != nil {
				var rf *RenderFailed
				if errors.As(err, &rf) { // its cause is the renderer's
					rf.Commit, rf.Err = "", nil
				}
				if !IsRefusal(err) || !reflect.DeepEqual(err, tc.want) {
					t.Fatalf("err = %#v, want %#v", err, tc.want)
				}
				if fetched := len(e.src.fetches) > 0; fetched != tc.fetched {
					t.Fatalf("fetched = %v, want %v", fetched, tc.fetched)
				}
				return
			}
			if err != nil {
				t.Fatalf("Preview: %v", err)
			}
			if p.Plan.Commit != e.main || p.Plan.Deployment != "web" || p.Target != BranchTarget("main") || p.ID() != (PlanID{Deployment: "web", Commit: e.main, Digest: p.Plan.Digest}) {
				t.Fatalf("preview = %+v", p)
			}
			var violating, owned []string
			for _, c := range p.Plan.Violating() {
				violating = append(violating, c.Ref.Name)
			}
			for _, c := range TakenFrom(p.Plan) {
				owned = append(owned, c.Ref.Name+"@"+c.Unmanaged.OwnerRepo)
			}
			if strings.Join(violating, ",") != "s" || strings.Join(owned, ",") != "o@acme/api" {
				t.Fatalf("against the policy: %v (want s); another deployment's: %v (want o@acme/api)", violating, owned)
			}
		})
	}
}
