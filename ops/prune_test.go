package ops

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// orphanPlanner is the fake planner with orphans in every plan (asked KeepOrphan, as
// sync.Engine does), recording the options of each apply.
type orphanPlanner struct {
	*fakePlanner
	orphans []sync.Orphan
	opts    []sync.ApplyOptions
}

func (p *orphanPlanner) DiffWith(ctx context.Context, objs []sync.Object, prov sync.Provenance, opts sync.DiffOptions) (*sync.Plan, error) {
	plan, err := p.fakePlanner.DiffWith(ctx, objs, prov, opts)
	if err != nil {
		return nil, err
	}
	for _, o := range p.orphans {
		if opts.KeepOrphan != nil {
			o.Keep = opts.KeepOrphan(o)
		}
		plan.Orphans = append(plan.Orphans, o)
	}
	return plan, nil
}

func (p *orphanPlanner) Apply(ctx context.Context, plan *sync.Plan, opts sync.ApplyOptions) (*sync.Result, error) {
	p.opts = append(p.opts, opts)
	return p.fakePlanner.Apply(ctx, plan, opts)
}

func TestApplyPrunes(t *testing.T) {
	tests := []struct {
		name      string
		asked     bool // /rigel apply --prune
		depPrune  bool // prune: true in the registry
		wantPrune bool
	}{
		{name: "an apply without prune keeps the orphans"},
		{name: "--prune deletes them", asked: true, wantPrune: true},
		{name: "prune: true on the deployment deletes them", depPrune: true, wantPrune: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newPlanEnv(t, nil)
			pl := &orphanPlanner{fakePlanner: e.pl, orphans: []sync.Orphan{{Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "gone"}}}}
			e.svc.Planner = pl
			e.dep.Prune = tt.depPrune
			p := e.preview(t)
			if len(p.Plan.Orphans) != 1 || p.Plan.Orphans[0].Keep != "" {
				t.Fatalf("preview orphans %+v", p.Plan.Orphans)
			}
			if _, err := e.svc.Apply(context.Background(), e.call(&fakeForge{}, 1, false), e.dep,
				ApplyRequest{Plan: p.ID(), At: BranchTarget("main"), Prune: tt.asked}); err != nil {
				t.Fatal(err)
			}
			if len(pl.opts) != 1 || pl.opts[0].Prune != tt.wantPrune {
				t.Fatalf("apply options %+v, want Prune %v", pl.opts, tt.wantPrune)
			}
		})
	}
}

func TestKeepByPolicy(t *testing.T) {
	yes := true
	ns := sync.Ref{Version: "v1", Kind: "Namespace", Name: "shop"}
	crd := sync.Ref{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition", Name: "widgets.example.com"}
	cm := sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "a"}
	cr := sync.Ref{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole", Name: "r"}
	tests := []struct {
		name   string
		pol    config.Policy
		ref    sync.Ref
		scoped bool
		want   string // a part of the reason; "": deleted
	}{
		{name: "a namespaced object", ref: cm},
		{name: "a namespace outside the policy's", pol: config.Policy{Namespaces: []string{"web"}}, ref: cm, want: "policy refuses it"},
		{name: "a Namespace without clusterScoped", pol: config.Policy{NamespaceObjects: &yes}, ref: ns, scoped: true, want: "clusterScoped: true"},
		{name: "a CRD without clusterScoped", ref: crd, scoped: true, want: "clusterScoped: true"},
		{name: "a Namespace with clusterScoped", pol: config.Policy{ClusterScoped: &yes}, ref: ns, scoped: true},
		{name: "a CRD with clusterScoped", pol: config.Policy{ClusterScoped: &yes}, ref: crd, scoped: true},
		{name: "another cluster-scoped kind without clusterScoped", ref: cr, scoped: true, want: "cluster-scoped"},
		{name: "a refused kind", pol: config.Policy{RefusedKinds: []string{"ConfigMap"}}, ref: cm, want: "refusedKinds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := keepByPolicy(tt.pol)(sync.Orphan{Ref: tt.ref, ClusterScoped: tt.scoped})
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("keep = %q, want %s", got, fmt.Sprintf("%q in it", tt.want))
			}
		})
	}
}

func TestResultMessageSaysWhatWasPruned(t *testing.T) {
	cm := sync.ObjectResult{Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "a"}, Action: sync.ActionUnchanged}
	tests := []struct {
		pruned []sync.Action
		want   string
	}{
		{nil, "0 created, 0 changed, 1 unchanged, 0 failed"},
		{[]sync.Action{sync.ActionKeep}, "0 created, 0 changed, 1 unchanged, 0 failed"},
		{[]sync.Action{sync.ActionDelete, sync.ActionDelete, sync.ActionKeep}, "0 created, 0 changed, 1 unchanged, 0 failed, 2 deleted"},
		{[]sync.Action{sync.ActionDelete, sync.ActionError}, "0 created, 0 changed, 1 unchanged, 0 failed, 1 deleted, 1 not deleted"},
	}
	for _, tt := range tests {
		res := &sync.Result{Objects: []sync.ObjectResult{cm}}
		for _, a := range tt.pruned {
			res.Pruned = append(res.Pruned, sync.ObjectResult{Action: a})
		}
		if got := ResultMessage(res); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.pruned, got, tt.want)
		}
	}
}
