package ops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	gosync "sync"
	"testing"
	"testing/fstest"
	"time"

	k8sfake "k8s.io/client-go/kubernetes/fake"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/gitsrc"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/sync"
)

// Fakes of the service's interfaces (needs.go), for table tests without a cluster, a git
// server or GitHub. The registry is the real config.Registry over client-go's fake clientset.

// newFakeRegistry is an empty registry in namespace rigel.
func newFakeRegistry() *config.Registry {
	return config.NewRegistry(k8sfake.NewSimpleClientset(), "rigel")
}

// fakeSource serves commits from memory: refs maps a ref ("refs/heads/main",
// "refs/pull/7/head") to a commit, commits a commit to its files.
type fakeSource struct {
	mu      gosync.Mutex
	refs    map[string]string
	commits map[string]fstest.MapFS
	fetches []gitsrc.FetchRequest
	pushes  []gitsrc.PushRequest
	push    func(gitsrc.PushRequest) (gitsrc.PushResult, error) // nil: pushed
}

// commit adds a commit of files at ref and returns its (fake, 40-hex) SHA.
func (s *fakeSource) commit(ref string, files map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs == nil {
		s.refs, s.commits = map[string]string{}, map[string]fstest.MapFS{}
	}
	fsys := fstest.MapFS{}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d", ref, len(s.commits))
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body), Mode: 0o644}
		fmt.Fprintf(h, "\x00%s\x00%s", name, body)
	}
	sha := hex.EncodeToString(h.Sum(nil))[:40]
	s.refs[ref], s.commits[sha] = sha, fsys
	return sha
}

func (s *fakeSource) Fetch(_ context.Context, req gitsrc.FetchRequest) (*gitsrc.Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fetches = append(s.fetches, req)
	ref := req.Ref
	if ref != "" && !strings.HasPrefix(ref, "refs/") {
		ref = "refs/heads/" + ref
	}
	sha := req.Commit
	if sha == "" {
		sha = s.refs[ref]
	}
	fsys, ok := s.commits[sha]
	if !ok {
		return nil, &gitsrc.CommitMissingError{Repo: req.Repo, Commit: req.Commit + " (" + ref + ")"}
	}
	return &gitsrc.Snapshot{Commit: sha, FS: fsys}, nil
}

func (s *fakeSource) Push(_ context.Context, req gitsrc.PushRequest) (gitsrc.PushResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pushes = append(s.pushes, req)
	if s.push != nil {
		return s.push(req)
	}
	return gitsrc.PushResult{Commit: strings.Repeat("f", 40), Pushed: true}, nil
}

func (s *fakeSource) Host() gitsrc.Host { return gitsrc.Host{} }

// fakePlanner plans every rendered object as a create (or as changes says, by object name),
// with a digest over the commit and the objects, and records applies.
type fakePlanner struct {
	mu      gosync.Mutex
	changes map[string]func(*sync.Change) // by object name: how to alter its change
	salt    string                        // changes every digest: "the cluster changed"
	applied []*sync.Plan
	status  string // of each apply; "": Succeeded
}

func (p *fakePlanner) DiffWith(_ context.Context, objs []sync.Object, prov sync.Provenance, opts sync.DiffOptions) (*sync.Plan, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	plan := &sync.Plan{Deployment: prov.Deployment, Path: prov.Path, Commit: prov.Commit}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s", prov.Deployment, prov.Commit, p.salt)
	for _, o := range objs {
		ch := sync.Change{Ref: sync.RefOf(o.Obj), Action: sync.ActionCreate}
		if f := p.changes[ch.Ref.Name]; f != nil {
			f(&ch)
		}
		if opts.Refuse != nil {
			ch.Violations = opts.Refuse(ch)
		}
		fmt.Fprintf(h, "\x00%s\x00%s", ch.Ref.String(), ch.Action)
		plan.Changes = append(plan.Changes, ch)
	}
	plan.Digest = hex.EncodeToString(h.Sum(nil))
	return plan, nil
}

func (p *fakePlanner) Apply(_ context.Context, plan *sync.Plan, _ sync.ApplyOptions) (*sync.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.applied = append(p.applied, plan)
	st := p.status
	if st == "" {
		st = sync.StatusSucceeded
	}
	now := time.Now()
	res := &sync.Result{Status: st, Started: now, Finished: now}
	for _, c := range plan.Changes {
		res.Objects = append(res.Objects, sync.ObjectResult{Ref: c.Ref, Action: c.Action})
	}
	return res, nil
}

// fakeLocker locks deployments in memory; held names those another apply holds.
type fakeLocker struct {
	mu   gosync.Mutex
	held map[string]Holder
}

func (l *fakeLocker) LockDeployment(ctx context.Context, deployment string, h Holder) (context.Context, func(), error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held == nil {
		l.held = map[string]Holder{}
	}
	if other, ok := l.held[deployment]; ok {
		return nil, nil, &Held{Deployment: deployment, Command: other.Command, Repo: other.Repo, Number: fmt.Sprint(other.Number), Replica: "rigel-0", Since: time.Now()}
	}
	l.held[deployment] = h
	return ctx, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.held, deployment)
	}, nil
}

// fakeWorkloads holds workloads in memory, by WorkloadRef.
type fakeWorkloads struct {
	mu        gosync.Mutex
	workloads map[kube.WorkloadRef]*kube.Workload
	states    map[kube.WorkloadRef]*kube.WorkloadState
}

func (w *fakeWorkloads) GetWorkload(_ context.Context, ref kube.WorkloadRef) (*kube.Workload, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if wl, ok := w.workloads[ref]; ok {
		return wl, nil
	}
	return nil, &NotFound{Kind: ref.Kind, Name: ref.Name, Namespace: ref.Namespace}
}

func (w *fakeWorkloads) Annotate(_ context.Context, ref kube.WorkloadRef, _ string, set map[string]string, remove ...string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	wl, ok := w.workloads[ref]
	if !ok {
		return &NotFound{Kind: ref.Kind, Name: ref.Name, Namespace: ref.Namespace}
	}
	if wl.Annotations == nil {
		wl.Annotations = map[string]string{}
	}
	for k, v := range set {
		wl.Annotations[k] = v
	}
	for _, k := range remove {
		delete(wl.Annotations, k)
	}
	return nil
}

func (w *fakeWorkloads) FindWorkloads(_ context.Context, key string) (map[string][]kube.WorkloadRef, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string][]kube.WorkloadRef{}
	for ref, wl := range w.workloads {
		if v, ok := wl.Annotations[key]; ok {
			out[v] = append(out[v], ref)
		}
	}
	return out, nil
}

func (w *fakeWorkloads) WorkloadState(_ context.Context, ref kube.WorkloadRef) (*kube.WorkloadState, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if st, ok := w.states[ref]; ok {
		return st, nil
	}
	return nil, &NotFound{Kind: ref.Kind, Name: ref.Name, Namespace: ref.Namespace}
}

// fakeForge is one installation's GitHub in memory.
type fakeForge struct {
	mu       gosync.Mutex
	heads    map[int]PullHead  // by PR number
	reviews  map[int][]Review  // by PR number
	roles    map[string]string // login → role; missing: read
	comments map[int][]IssueComment
	pulls    []Pull // open pull requests
	opened   []NewPull
	merge    fakeMerges // apply on merge (fakes_merge_test.go)
}

func (f *fakeForge) Comment(_ context.Context, _ Repo, number int, body string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.comments == nil {
		f.comments = map[int][]IssueComment{}
	}
	id := int64(len(f.comments[number]) + 1)
	f.comments[number] = append(f.comments[number], IssueComment{ID: id, Author: "rigel[bot]", Body: body})
	return id, nil
}

func (f *fakeForge) React(context.Context, Repo, int64, string) error { return nil }

func (f *fakeForge) PullHead(_ context.Context, repo Repo, number int) (PullHead, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ph, ok := f.heads[number]
	if !ok {
		return PullHead{}, fmt.Errorf("fake: no PR #%d in %s", number, repo.FullName())
	}
	return ph, nil
}

func (f *fakeForge) Reviews(_ context.Context, _ Repo, number int) ([]Review, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reviews[number], nil
}

func (f *fakeForge) Permission(_ context.Context, _ Repo, user string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.roles[strings.ToLower(user)]; ok {
		return r, nil
	}
	return "read", nil
}

func (f *fakeForge) Comments(_ context.Context, _ Repo, number int) ([]IssueComment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.comments[number], nil
}

func (f *fakeForge) FindPull(_ context.Context, _ Repo, branch string) (*Pull, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.pulls {
		if p.Head == branch {
			return &p, nil
		}
	}
	return nil, nil
}

func (f *fakeForge) OpenPull(_ context.Context, _ Repo, p NewPull) (Pull, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opened = append(f.opened, p)
	pull := Pull{Number: 100 + len(f.opened), URL: "https://github.test/pull", Head: p.Head, Base: p.Base}
	f.pulls = append(f.pulls, pull)
	return pull, nil
}

func (f *fakeForge) GitCredentials(context.Context) (string, string, error) {
	return "x-access-token", "fake", nil
}

// newTestService is a service over fresh fakes.
func newTestService(t *testing.T) (*Service, *fakeSource, *fakePlanner, *fakeLocker) {
	t.Helper()
	src, pl, lk := &fakeSource{}, &fakePlanner{}, &fakeLocker{}
	return &Service{Registry: newFakeRegistry(), Source: src, Planner: pl, Workloads: &fakeWorkloads{}, Locker: lk}, src, pl, lk
}

// TestFakes: the fakes answer as the real parts do for what the tests use.
func TestFakes(t *testing.T) {
	ctx := context.Background()
	svc, src, pl, lk := newTestService(t)
	sha := src.commit("refs/heads/main", map[string]string{"app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\n"})
	snap, err := src.Fetch(ctx, gitsrc.FetchRequest{Repo: "acme/web", Ref: "main"})
	if err != nil || snap.Commit != sha {
		t.Fatalf("Fetch main = %v, %v; want %s", snap, err, sha)
	}
	objs, err := sync.Render(ctx, snap, "app")
	if err != nil || len(objs) != 1 {
		t.Fatalf("Render = %d objects, %v", len(objs), err)
	}
	p1, _ := pl.DiffWith(ctx, objs, sync.Provenance{Deployment: "web", Commit: sha}, sync.DiffOptions{})
	pl.salt = "cluster changed"
	p2, _ := pl.DiffWith(ctx, objs, sync.Provenance{Deployment: "web", Commit: sha}, sync.DiffOptions{})
	if p1.Digest == p2.Digest || len(p1.Changes) != 1 || p1.Changes[0].Ref.Name != "a" {
		t.Fatalf("plans %+v and %+v: want one change and different digests", p1, p2)
	}
	_, release, err := lk.LockDeployment(ctx, "web", Holder{Command: "apply web"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := lk.LockDeployment(ctx, "web", Holder{}); !IsRefusal(err) {
		t.Fatalf("second lock: %v, want a *Held refusal", err)
	}
	release()
	if _, err := svc.Registry.Load(ctx); err != nil {
		t.Fatalf("empty registry: %v", err)
	}
}
