package ops

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/gitsrc"
	"github.com/rigel-gitops/rigel/kube"
)

// fixFiles are the branch main of acme/web: a base two overlays build (prod: deployment web;
// staging: deployment staging, with a name prefix), and a folder without the workload (cm).
var fixFiles = map[string]string{
	"base/kustomization.yaml":             "resources:\n  - deploy.yaml\n",
	"base/deploy.yaml":                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 2 # enough for now\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.25\n",
	"overlays/prod/kustomization.yaml":    "resources:\n  - ../../base\n",
	"overlays/staging/kustomization.yaml": "resources:\n  - ../../base\nnamePrefix: staging-\n",
	"cm/cm.yaml":                          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: shop\n",
}

// fixWorld is a service whose registry has acme/web (web, staging and cm, with the policies
// given) and acme/other (shop), whose branch main of acme/web holds fixFiles, and whose
// cluster has Deployment web in shop with the annotations given (nil: none such).
type fixWorld struct {
	svc   *Service
	src   *fakeSource
	wl    *fakeWorkloads
	forge *fakeForge
	main  string // main's commit
}

var shopWeb = kube.WorkloadRef{Kind: "Deployment", Namespace: "shop", Name: "web"}

func newFixWorld(t *testing.T, ann map[string]string, policies map[string]*config.Policy) *fixWorld {
	t.Helper()
	svc, src, _, _ := newTestService(t)
	w := &fixWorld{svc: svc, src: src, wl: svc.Workloads.(*fakeWorkloads), forge: &fakeForge{}}
	seedRegistry(t, svc,
		entry(webRepo,
			config.Deployment{Name: "web", Path: "overlays/prod", Policy: policies["web"]},
			config.Deployment{Name: "staging", Path: "overlays/staging", Policy: policies["staging"]},
			config.Deployment{Name: "cm", Path: "cm"}),
		entry(otherRepo, config.Deployment{Name: "shop", Path: "shop"}))
	w.main = src.commit("refs/heads/main", fixFiles)
	if ann != nil {
		addWorkload(w.wl, shopWeb, ann)
	}
	return w
}

func (w *fixWorld) call() Call { return conversation(webRepo, "octocat", w.forge) }

func edits(t *testing.T, set ...string) []fix.Edit {
	t.Helper()
	e, err := fix.ParseSet(set)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// factsOf is a refusal without the words of other packages (a policy rule, why an edit cannot
// be placed), which must say something.
func factsOf(t *testing.T, r Refusal) Refusal {
	t.Helper()
	switch e := r.(type) {
	case *Policy:
		if e.Object == nil {
			return e
		}
		c := *e.Object
		if c.Msg == "" {
			t.Errorf("%#v says no rule", e.Object)
		}
		c.Msg = ""
		return &Policy{Object: &c}
	case *CannotPlace:
		c := *e
		if c.Msg == "" {
			t.Errorf("%#v says not why", e)
		}
		c.Msg = ""
		return &c
	}
	return r
}

func TestProposeFixRefusals(t *testing.T) {
	here := []config.Deployment{{Name: "cm", Path: "cm"}, {Name: "staging", Path: "overlays/staging"}, {Name: "web", Path: "overlays/prod"}}
	elsewhere := &config.Policy{Namespaces: []string{"elsewhere"}}
	tests := []struct {
		name     string
		ann      map[string]string // the workload's; nil: no such workload
		policies map[string]*config.Policy
		edits    []string
		taken    bool // every branch name holds another change
		want     Refusal
	}{
		{name: "no such workload", edits: []string{"replicas=3"},
			want: &NotFound{Kind: "Deployment", Name: "web", Namespace: "shop"}},
		{name: "not linked", ann: map[string]string{}, edits: []string{"replicas=3"},
			want: &NotLinked{Workload: shopWeb, Here: here}},
		{name: "linked to a deployment nobody registered", ann: linkedTo("gone", "old"), edits: []string{"replicas=3"},
			want: &NotLinked{Workload: shopWeb, Name: "gone", Here: here}},
		{name: "another repository's", ann: linkedTo("shop", "shop"), edits: []string{"replicas=3"},
			want: &LinkedElsewhere{Workload: shopWeb, Deployment: "shop", Repo: "acme/other", Verb: "fix"}},
		{name: "a workload the policy does not allow", ann: linkedTo("web", "overlays/prod"), policies: map[string]*config.Policy{"web": elsewhere}, edits: []string{"replicas=3"},
			want: &Policy{Object: &PolicyObject{Deployment: "web", Verb: "fix", Kind: "Deployment", Name: "web", Namespace: "shop"}}},
		{name: "a folder without the workload", ann: linkedTo("cm", "cm"), edits: []string{"replicas=3"},
			want: &CannotPlace{Edits: edits(t, "replicas=3"), Deployment: config.Deployment{Name: "cm", Path: "cm"}, Branch: "main"}},
		{name: "what another deployment builds of the edit, against its policy", ann: linkedTo("web", "overlays/prod"), policies: map[string]*config.Policy{"staging": elsewhere}, edits: []string{"replicas=3"},
			want: &Policy{Object: &PolicyObject{Deployment: "staging", Verb: "fix", Kind: "Deployment", Name: "staging-web", Namespace: "shop", Built: true}}},
		{name: "every branch name taken", ann: linkedTo("web", "overlays/prod"), edits: []string{"replicas=3"}, taken: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newFixWorld(t, tc.ann, tc.policies)
			if tc.taken {
				w.src.push = func(req gitsrc.PushRequest) (gitsrc.PushResult, error) {
					return gitsrc.PushResult{}, &gitsrc.BranchTakenError{Repo: req.Repo, Branch: req.Branch, Tip: "1234567", Why: "its tip changes other files"}
				}
			}
			if c, ok := tc.want.(*CannotPlace); ok {
				c.Base = w.main
			}
			_, err := w.svc.ProposeFix(context.Background(), w.call(), FixRequest{Workload: shopWeb, Edits: edits(t, tc.edits...), PullBody: func(*FixProposal) string { return "body" }})
			got := refusalOf(err)
			if got == nil {
				t.Fatalf("ProposeFix = %v, want a refusal", err)
			}
			if tc.taken {
				bt, ok := got.(*BranchesTaken)
				if !ok || len(bt.Branches) != fixBranchTries || len(w.src.pushes) != fixBranchTries || bt.Branches[1] != bt.Branches[0]+"-2" {
					t.Fatalf("ProposeFix = %#v after %d pushes, want a *BranchesTaken naming the %d names tried", err, len(w.src.pushes), fixBranchTries)
				}
			} else if got := factsOf(t, got); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ProposeFix = %#v, want %#v", got, tc.want)
			}
			if !tc.taken && len(w.src.pushes) > 0 || len(w.forge.opened) > 0 {
				t.Fatalf("a refused fix pushed %d branches and opened %d pull requests", len(w.src.pushes), len(w.forge.opened))
			}
		})
	}
	t.Run("an edit wrong for the workload", func(t *testing.T) {
		w := newFixWorld(t, linkedTo("web", "overlays/prod"), nil)
		e := edits(t, "memory=512Mi")
		e[0].Container = "nope"
		_, err := w.svc.ProposeFix(context.Background(), w.call(), FixRequest{Workload: shopWeb, Edits: e})
		var inv *Invalid
		if !errors.As(err, &inv) || !strings.Contains(inv.Msg, "nope") || !strings.HasSuffix(inv.Msg, ". Nothing was changed.") || len(w.src.pushes) > 0 {
			t.Fatalf("ProposeFix = %v, want an *Invalid naming the container, and nothing pushed", err)
		}
	})
	t.Run("outside a conversation, no repository's deployments are offered", func(t *testing.T) {
		w := newFixWorld(t, map[string]string{}, nil)
		_, err := w.svc.ProposeFix(context.Background(), Call{}, FixRequest{Workload: shopWeb, Edits: edits(t, "replicas=3")})
		if got := refusalOf(err); !reflect.DeepEqual(got, &NotLinked{Workload: shopWeb}) {
			t.Fatalf("ProposeFix = %#v", err)
		}
	})
}

func TestProposeFix(t *testing.T) {
	ctx := context.Background()
	t.Run("opened in the conversation's repository", func(t *testing.T) {
		w := newFixWorld(t, linkedTo("web", "overlays/prod"), nil)
		var proposed *FixProposal
		out, err := w.svc.ProposeFix(ctx, w.call(), FixRequest{Workload: shopWeb, Edits: edits(t, "replicas=3"), Bot: "rigel[bot]",
			PullBody: func(p *FixProposal) string { proposed = p; return "the body" }})
		if err != nil {
			t.Fatal(err)
		}
		p := out.Proposal
		if !out.Opened || out.Pull == nil || len(w.forge.opened) != 1 || len(w.src.pushes) != 1 || proposed != p {
			t.Fatalf("outcome %+v; opened %+v; pushes %d", out, w.forge.opened, len(w.src.pushes))
		}
		pushed, opened := w.src.pushes[0], w.forge.opened[0]
		if pushed.Repo != "acme/web" || pushed.CloneURL != webRepo.CloneURL || pushed.Base != w.main || pushed.Branch != p.Head || pushed.Author.Name != "rigel[bot]" || pushed.Author.Email != "rigel[bot]@users.noreply.github.com" {
			t.Fatalf("pushed %+v", pushed)
		}
		if got := string(pushed.Files["base/deploy.yaml"]); !strings.Contains(got, "replicas: 3 # enough for now") {
			t.Fatalf("pushed base/deploy.yaml:\n%s", got)
		}
		if opened.Head != p.Head || opened.Base != "main" || opened.Body != "the body" || opened.Title != "Fix deployment web in shop: replicas=3" {
			t.Fatalf("opened %+v", opened)
		}
		if p.Head != fixBranch(shopWeb, p.Changes) || !p.FromIssue || p.Number != 12 || p.Author != "octocat" || !strings.HasSuffix(pushed.Message, "Proposed by Rigel for octocat in issue acme/web#12 (deployment web, folder overlays/prod).\n") {
			t.Fatalf("proposal %+v; message %q", p, pushed.Message)
		}
		if len(p.Shared) != 1 || p.Shared[0].Path != "base/deploy.yaml" || !reflect.DeepEqual(p.Shared[0].Deployments, []string{"staging"}) {
			t.Fatalf("shared %+v: want base/deploy.yaml, which staging builds too", p.Shared)
		}
	})
	t.Run("the same change open already", func(t *testing.T) {
		w := newFixWorld(t, linkedTo("web", "overlays/prod"), nil)
		w.src.push = func(gitsrc.PushRequest) (gitsrc.PushResult, error) {
			return gitsrc.PushResult{Commit: "c0ffee", Pushed: false}, nil
		}
		first, _ := fix.Plan(w.src.commits[w.main], "overlays/prod", shopWeb, edits(t, "replicas=3"))
		w.forge.pulls = []Pull{{Number: 7, Head: fixBranch(shopWeb, first), Base: "main"}}
		out, err := w.svc.ProposeFix(ctx, w.call(), FixRequest{Workload: shopWeb, Edits: edits(t, "replicas=3")})
		if err != nil || out.Opened || out.Pull == nil || out.Pull.Number != 7 || len(w.forge.opened) != 0 {
			t.Fatalf("outcome %+v, %v; opened %+v", out, err, w.forge.opened)
		}
	})
	t.Run("the manifest has it", func(t *testing.T) {
		w := newFixWorld(t, linkedTo("web", "overlays/prod"), nil)
		out, err := w.svc.ProposeFix(ctx, w.call(), FixRequest{Workload: shopWeb, Edits: edits(t, "replicas=2")})
		if err != nil || !out.Unchanged || out.Pull != nil || len(w.src.pushes) != 0 {
			t.Fatalf("outcome %+v, %v; pushes %d", out, err, len(w.src.pushes))
		}
	})
	t.Run("a diagnosis that finds nothing to fix", func(t *testing.T) {
		w := newFixWorld(t, linkedTo("web", "overlays/prod"), nil)
		w.wl.states = map[kube.WorkloadRef]*kube.WorkloadState{shopWeb: {Ref: shopWeb}}
		out, err := w.svc.ProposeFix(ctx, w.call(), FixRequest{Workload: shopWeb})
		if err != nil || out.NoFix == nil || out.NoFix != out.Diagnosis || len(out.NoFix.Edits) != 0 || len(out.NoFix.Findings) == 0 || len(w.src.pushes) != 0 || len(w.src.fetches) != 0 {
			t.Fatalf("outcome %+v, %v; pushes %d, fetches %d", out, err, len(w.src.pushes), len(w.src.fetches))
		}
	})
	t.Run("outside a conversation, the deployment's repository is reached", func(t *testing.T) {
		w := newFixWorld(t, linkedTo("shop", "shop"), nil)
		w.src.commit("refs/heads/main", map[string]string{"shop/deploy.yaml": fixFiles["base/deploy.yaml"]})
		reached := ""
		reach := func(_ context.Context, repo string) (config.Repo, Origin, Forge, error) {
			reached = repo
			return entry(otherRepo), Origin{Repo: repo, CloneURL: otherRepo.CloneURL}, w.forge, nil
		}
		out, err := w.svc.ProposeFix(ctx, Call{}, FixRequest{Workload: shopWeb, Edits: edits(t, "replicas=3"), Reach: reach})
		if err != nil || !out.Opened || reached != "acme/other" || out.Proposal.Repo != "acme/other" || out.Proposal.Deployment.Name != "shop" {
			t.Fatalf("outcome %+v, %v; reached %q", out, err, reached)
		}
		if msg := w.src.pushes[0].Message; !strings.HasSuffix(msg, "Proposed by Rigel through its HTTP API (deployment shop, folder shop).\n") || w.src.pushes[0].CloneURL != otherRepo.CloneURL {
			t.Fatalf("pushed %+v", w.src.pushes[0])
		}
	})
}

func TestFixBranch(t *testing.T) {
	ref := kube.WorkloadRef{Kind: "Deployment", Namespace: "shop", Name: "web"}
	a := []fix.Change{{Path: "k8s/deploy.yaml", Before: []byte("a"), After: []byte("b")}}
	same := []fix.Change{{Path: "k8s/deploy.yaml", Before: []byte("other before"), After: []byte("b")}}
	other := []fix.Change{{Path: "k8s/deploy.yaml", Before: []byte("a"), After: []byte("c")}}
	otherPath := []fix.Change{{Path: "k8s/web.yaml", Before: []byte("a"), After: []byte("b")}}
	name := fixBranch(ref, a)
	if !strings.HasPrefix(name, "rigel/fix-web-") || len(name) != len("rigel/fix-web-")+7 {
		t.Fatalf("branch %q", name)
	}
	if fixBranch(ref, same) != name {
		t.Error("the same resulting content must give the same branch")
	}
	if fixBranch(ref, other) == name || fixBranch(ref, otherPath) == name {
		t.Error("another change must give another branch")
	}
	if fixBranch(kube.WorkloadRef{Kind: "StatefulSet", Namespace: "shop", Name: "web"}, a) == name {
		t.Error("another workload must give another branch")
	}
	// The name anyone can compute (e2e predictedFixBranch), shown in commands' golden replies.
	golden := []fix.Change{{Path: "apps/web/k8s/deploy.yaml", After: []byte("spec:\n  template:\n    spec:\n      containers:\n        - name: app\n          resources:\n            limits:\n              memory: 256Mi # keep small\n")}}
	if got := fixBranch(ref, golden); got != "rigel/fix-web-eba4bff" {
		t.Errorf("the branch of the golden replies' change is %q, not rigel/fix-web-eba4bff", got)
	}
}
