package ops

import (
	"context"
	gosync "sync"
	"testing"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// Fakes and fixtures of the plan tests (preview, apply).

// cmIn is a ConfigMap manifest named name in namespace ns.
func cmIn(name, ns string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", namespace: " + ns + "}\n"
}

// planEnv is a service over fakes with deployment web (folder app of acme/web, branch main)
// registered, and a commit of its folder on main.
type planEnv struct {
	svc  *Service
	src  *fakeSource
	pl   *fakePlanner
	lk   *fakeLocker
	dep  config.Deployment
	main string // the commit main points at
}

func newPlanEnv(t *testing.T, files map[string]string) *planEnv {
	t.Helper()
	svc, src, pl, lk := newTestService(t)
	e := &planEnv{svc: svc, src: src, pl: pl, lk: lk, dep: config.Deployment{Name: "web", Path: "app"}}
	if files == nil {
		files = map[string]string{"app/cm.yaml": cmIn("a", "shop")}
	}
	e.main = src.commit("refs/heads/main", files)
	e.register(t, "acme/web", e.dep)
	return e
}

// register adds a deployment of repo to the registry.
func (e *planEnv) register(t *testing.T, repo string, d config.Deployment) {
	t.Helper()
	if _, err := e.svc.Registry.Update(context.Background(), func(s *config.Sources) error {
		return s.AddDeployment(config.Repo{Repo: repo, Branch: "main"}, d)
	}); err != nil {
		t.Fatal(err)
	}
}

// call is a comment in conversation number of acme/web (a PR when pr).
func (e *planEnv) call(forge Forge, number int, pr bool) Call {
	return Call{Repo: Repo{Owner: "acme", Name: "web", DefaultBranch: "main"}, Number: number, IsPR: pr, Author: "alice", Forge: forge,
		Holder: Holder{Repo: "acme/web", Number: number, Command: "/rigel apply web"}}
}

// preview previews web at the tip of main, as a sync in an issue would.
func (e *planEnv) preview(t *testing.T) *Preview {
	t.Helper()
	p, err := e.svc.Preview(context.Background(), e.call(&fakeForge{}, 1, false), e.dep, PreviewRequest{At: BranchTarget("main"), Verb: "sync"})
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	return p
}

// lastSync is what the registry recorded for web.
func (e *planEnv) lastSync(t *testing.T) *config.LastSync {
	t.Helper()
	src, err := e.svc.Registry.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, d := src.FindDeployment("web")
	if d == nil {
		t.Fatal("web is not registered")
	}
	return d.LastSync
}

// fakeRecorder records what a command's record was told.
type fakeRecorder struct {
	mu    gosync.Mutex
	notes []string // "deployment@commit"
}

func (r *fakeRecorder) NoteApplying(_ context.Context, deployment, commit string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, deployment+"@"+commit)
}

// stoppingLocker locks like fakeLocker, and cancels the lock's context with cause when stop
// is called (a lock lost, Rigel shutting down).
type stoppingLocker struct {
	fakeLocker
	cancel context.CancelCauseFunc
}

func (l *stoppingLocker) LockDeployment(ctx context.Context, deployment string, h Holder) (context.Context, func(), error) {
	ctx, release, err := l.fakeLocker.LockDeployment(ctx, deployment, h)
	if err != nil {
		return nil, nil, err
	}
	ctx, l.cancel = context.WithCancelCause(ctx)
	return ctx, release, nil
}

// hookPlanner is a fakePlanner that calls during (if set) while applying, and then returns
// result (if set) or fails with err.
type hookPlanner struct {
	*fakePlanner
	during func()
	err    error
	noRes  bool
}

func (p *hookPlanner) Apply(ctx context.Context, plan *sync.Plan, opts sync.ApplyOptions) (*sync.Result, error) {
	if p.during != nil {
		p.during()
	}
	res, err := p.fakePlanner.Apply(ctx, plan, opts)
	if p.err != nil {
		if p.noRes {
			res = nil
		}
		return res, p.err
	}
	return res, err
}
