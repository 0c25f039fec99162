package ops

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// overlapPlanner is a Planner that counts the previews diffing at once (each takes a little
// while), and moves main to a new commit during the first one: a push landing while
// `/rigel diff --all` runs.
type overlapPlanner struct {
	Planner
	now, most atomic.Int64
	moved     atomic.Bool
	push      func()
}

func (p *overlapPlanner) DiffWith(ctx context.Context, objs []sync.Object, prov sync.Provenance, opts sync.DiffOptions) (*sync.Plan, error) {
	n := p.now.Add(1)
	defer p.now.Add(-1)
	for m := p.most.Load(); n > m && !p.most.CompareAndSwap(m, n); m = p.most.Load() {
	}
	if p.moved.CompareAndSwap(false, true) {
		p.push()
	}
	time.Sleep(5 * time.Millisecond)
	return p.Planner.DiffWith(ctx, objs, prov, opts)
}

// TestPreviewEach: `/rigel diff --all` of 20 deployments previews them several at once
// (more than one, at most PreviewWorkers), all at the commit main pointed at when it began
// (fetched once by ref; a push during the previews changes nothing), keeps the order asked,
// and a deployment that fails to render fails alone. A PR from a fork is refused for every
// deployment before anything is fetched.
func TestPreviewEach(t *testing.T) {
	files := map[string]string{}
	var deps []config.Deployment
	for i := range 20 {
		name := fmt.Sprintf("d%02d", i)
		files[name+"/cm.yaml"] = cmIn(name, "shop")
		deps = append(deps, config.Deployment{Name: name, Path: name})
	}
	files["d07/cm.yaml"] = "kind: [not yaml" // d07 fails to render
	e := newPlanEnv(t, files)
	for _, d := range deps {
		e.register(t, "acme/web", d)
	}
	op := &overlapPlanner{Planner: e.pl, push: func() { e.src.commit("refs/heads/main", map[string]string{"d00/cm.yaml": cmIn("pushed", "shop")}) }}
	e.svc.Planner = op
	scoped := atomic.Int64{}
	previews, errs := e.svc.PreviewEach(context.Background(), e.call(&fakeForge{}, 1, false), deps, PreviewRequest{At: BranchTarget("main"), Verb: "diff"},
		func(ctx context.Context, _ config.Deployment) context.Context { scoped.Add(1); return ctx })
	for i, d := range deps {
		switch {
		case d.Name == "d07":
			var rf *RenderFailed
			if !errors.As(errs[i], &rf) || previews[i] != nil {
				t.Errorf("d07: %v, %v; want a RenderFailed alone", previews[i], errs[i])
			}
		case errs[i] != nil:
			t.Errorf("%s: %v", d.Name, errs[i])
		case previews[i].Plan.Deployment != d.Name || previews[i].Plan.Commit != e.main:
			t.Errorf("preview %d is of %s at %s, want %s at %s (main when the command began)", i, previews[i].Plan.Deployment, previews[i].Plan.Commit, d.Name, e.main)
		case previews[i].Target.Branch != "main":
			t.Errorf("%s: target %+v, want branch main", d.Name, previews[i].Target)
		}
	}
	if most := op.most.Load(); most < 2 || most > PreviewWorkers {
		t.Errorf("%d previews diffed at once at most, want 2…%d", most, PreviewWorkers)
	}
	if scoped.Load() != int64(len(deps)) {
		t.Errorf("scope called %d times, want %d", scoped.Load(), len(deps))
	}
	byRef := 0
	for _, f := range e.src.fetches {
		if f.Commit == "" {
			byRef++
		} else if f.Commit != e.main {
			t.Errorf("a fetch of %s, want only %s", f.Commit, e.main)
		}
	}
	if byRef != 1 {
		t.Errorf("%d fetches by ref, want 1 (then the commit it resolved to)", byRef)
	}

	// A PR from a fork: refused for each deployment, nothing fetched.
	e.src.fetches = nil
	fork := &fakeForge{heads: map[int]PullHead{7: {SHA: "x", HeadRepo: "mallory/web", BaseRepo: "acme/web"}}, roles: map[string]string{"alice": "read"}}
	_, errs = e.svc.PreviewEach(context.Background(), e.call(fork, 7, true), deps[:3], PreviewRequest{At: PullTarget(7, ""), Verb: "diff"}, nil)
	for i, err := range errs {
		var fp *ForkPreview
		if !errors.As(err, &fp) {
			t.Errorf("fork PR, %s: %v, want ForkPreview", deps[i].Name, err)
		}
	}
	if len(e.src.fetches) != 0 {
		t.Errorf("fork PR: %d fetches, want none", len(e.src.fetches))
	}
}
