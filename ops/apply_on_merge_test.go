package ops

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

const mergeRegistry = "- {repo: acme/web, branch: main, deployments: [{name: web, path: apps/web, applyOn: merge}, {name: docs, path: apps/docs}]}\n"

var mergeFiles = map[string]string{
	"apps/web/cm.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: web}\ndata: {a: \"2\"}\n",
	"apps/docs/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: docs, namespace: web}\n",
}

// mergeWorld is a repository whose pull request #7 (head) previewed web and merged as merge.
type mergeWorld struct {
	svc          *Service
	src          *fakeSource
	pl           *fakePlanner
	forge        *fakeForge
	head, merge  string
	before       string // the branch's commit before the push ("": zeros, a new branch)
	armed        PlanID // what #7 armed for web
	found        map[string]PlanID
	findAskedFor []string
}

func newMergeWorld(t *testing.T, registry string) *mergeWorld {
	t.Helper()
	svc, _, _ := registryService(t, registry, nil)
	w := &mergeWorld{svc: svc, src: svc.Source.(*fakeSource), pl: svc.Planner.(*fakePlanner), found: map[string]PlanID{}}
	w.head = w.src.commit("refs/pull/7/head", mergeFiles)
	w.merge = w.src.commit("refs/heads/main", mergeFiles)
	w.forge = &fakeForge{roles: map[string]string{"bob": "write"},
		reviews: map[int][]Review{7: {{User: "bob", State: "APPROVED", CommitID: w.head}}}}
	w.forge.merge.pulls = map[string]*MergedPull{w.merge: {Number: 7, HeadSHA: w.head, HeadRepo: "acme/web", MergeSHA: w.merge}}
	p, err := svc.Preview(context.Background(), w.call(), config.Deployment{Name: "web", Path: "apps/web"}, PreviewRequest{At: PullTarget(7, w.head)})
	if err != nil {
		t.Fatal(err)
	}
	w.armed = p.ID()
	w.found["web"] = w.armed
	return w
}

// call is a push's call: no conversation yet (ApplyOnMerge finds the pull request).
func (w *mergeWorld) call() Call {
	return Call{Repo: Repo{Owner: "acme", Name: "web", DefaultBranch: "main"}, Forge: w.forge, Holder: Holder{Repo: "acme/web", Command: "apply on merge"}}
}

func (w *mergeWorld) push() MergePush {
	before := w.before
	if before == "" {
		before = strings.Repeat("0", 40)
	}
	return MergePush{Branch: "main", Before: before, After: w.merge, Find: func(_ context.Context, pull int, dep string) (PlanID, error) {
		if pull != 7 {
			return PlanID{}, errors.New("asked for the wrong pull request")
		}
		w.findAskedFor = append(w.findAskedFor, dep)
		return w.found[dep], nil
	}}
}

func TestApplyOnMerge(t *testing.T) {
	tests := []struct {
		name      string
		registry  string
		change    func(w *mergeWorld)
		applied   bool
		refused   any // a pointer to the refusal type expected; nil: none
		fresh     bool
		outcomes  int
		noPull    bool
		untouched bool
	}{
		{name: "approved, same digest: applied", applied: true, outcomes: 1},
		{name: "not approved", change: func(w *mergeWorld) { w.forge.reviews = nil }, refused: new(*NotReady), fresh: true, outcomes: 1},
		{name: "approved by someone without write", change: func(w *mergeWorld) { w.forge.roles["bob"] = "read" }, refused: new(*NotReady), fresh: true, outcomes: 1},
		{name: "approved an earlier commit", change: func(w *mergeWorld) { w.forge.reviews[7][0].CommitID = strings.Repeat("e", 40) }, refused: new(*NotReady), fresh: true, outcomes: 1},
		{name: "changes requested after the approval", change: func(w *mergeWorld) {
			w.forge.roles["carol"] = "admin"
			w.forge.reviews[7] = append(w.forge.reviews[7], Review{User: "carol", State: "CHANGES_REQUESTED", CommitID: w.head})
		}, refused: new(*NotReady), fresh: true, outcomes: 1},
		{name: "the cluster changed since the preview", change: func(w *mergeWorld) { w.pl.salt = "moved" }, refused: new(*Stale), fresh: true, outcomes: 1},
		{name: "the merge renders other objects", change: func(w *mergeWorld) {
			files := map[string]string{"apps/web/cm.yaml": mergeFiles["apps/web/cm.yaml"], "apps/web/more.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: more, namespace: web}\n"}
			w.merge = w.src.commit("refs/heads/main", files)
			w.forge.merge.pulls[w.merge] = &MergedPull{Number: 7, HeadSHA: w.head, HeadRepo: "acme/web", MergeSHA: w.merge}
		}, refused: new(*Stale), fresh: true, outcomes: 1},
		{name: "main moved after the merge", change: func(w *mergeWorld) { w.src.commit("refs/heads/main", mergeFiles) }, refused: new(*Stale), fresh: true, outcomes: 1},
		{name: "nothing armed", change: func(w *mergeWorld) { delete(w.found, "web") }, refused: new(*NotArmedAtMerge), fresh: true, outcomes: 1},
		{name: "nothing armed, and the merge does not change web", change: func(w *mergeWorld) {
			delete(w.found, "web")
			w.before = w.src.commit("refs/heads/old", mergeFiles)
		}, untouched: true, outcomes: 1},
		{name: "nothing armed, and the merge changes web", change: func(w *mergeWorld) {
			delete(w.found, "web")
			w.before = w.src.commit("refs/heads/old", map[string]string{"apps/web/cm.yaml": strings.Replace(mergeFiles["apps/web/cm.yaml"], `"2"`, `"1"`, 1)})
		}, refused: new(*NotArmedAtMerge), fresh: true, outcomes: 1},
		{name: "armed an earlier head", change: func(w *mergeWorld) {
			id := w.armed
			id.Commit = strings.Repeat("a", 40)
			w.found["web"] = id
		}, refused: new(*NotArmedAtMerge), fresh: true, outcomes: 1},
		{name: "from a fork", change: func(w *mergeWorld) { w.forge.merge.pulls[w.merge].HeadRepo = "mallory/web" }, refused: new(*ForkApply), outcomes: 1},
		{name: "a direct push", change: func(w *mergeWorld) { delete(w.forge.merge.pulls, w.merge) }, noPull: true},
		{name: "no deployment applies on merge", registry: "- {repo: acme/web, branch: main, deployments: [{name: web, path: apps/web}]}\n", noPull: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := tc.registry
			if reg == "" {
				reg = mergeRegistry
			}
			w := newMergeWorld(t, reg)
			if tc.change != nil {
				tc.change(w)
			}
			out, err := w.svc.ApplyOnMerge(context.Background(), w.call(), w.push())
			if err != nil {
				t.Fatal(err)
			}
			if (out.Pull == nil) != tc.noPull || len(out.Outcomes) != tc.outcomes {
				t.Fatalf("pull %+v, %d outcomes; want no pull %v, %d outcomes", out.Pull, len(out.Outcomes), tc.noPull, tc.outcomes)
			}
			if tc.registry != "" && w.forge.merge.asked != 0 {
				t.Error("GitHub was asked for the merged pull request though no deployment applies on merge")
			}
			if got := len(w.pl.applied); (got == 1) != tc.applied || got > 1 {
				t.Fatalf("%d applies, want applied %v", got, tc.applied)
			}
			src, _ := w.svc.Registry.Load(context.Background())
			_, dep := src.FindDeployment("web")
			if tc.applied != (dep.LastSync != nil && dep.LastSync.Commit == w.merge) {
				t.Errorf("last sync %+v, want applied %v at the merge commit", dep.LastSync, tc.applied)
			}
			if tc.outcomes == 0 {
				return
			}
			o := out.Outcomes[0]
			if o.Deployment.Name != "web" {
				t.Fatalf("outcome for %s, want web (docs does not apply on merge)", o.Deployment.Name)
			}
			if tc.applied {
				if o.Applied == nil || o.Refused != nil || o.Applied.Plan.Digest != w.armed.Digest || o.Applied.Plan.Commit != w.merge {
					t.Fatalf("outcome %+v, want applied at the merge with the armed digest", o)
				}
				if w.pl.applied[0].Commit != w.merge {
					t.Errorf("applied the plan of %s, want the merge commit", w.pl.applied[0].Commit)
				}
				return
			}
			if o.Applied != nil {
				t.Fatal("applied though refused")
			}
			if o.Untouched != tc.untouched {
				t.Fatalf("untouched %v, want %v", o.Untouched, tc.untouched)
			}
			if tc.untouched {
				if o.Refused != nil || o.Fresh != nil {
					t.Fatalf("an untouched deployment got %v, fresh %v", o.Refused, o.Fresh != nil)
				}
				return
			}
			if tc.refused != nil && !errors.As(o.Refused, tc.refused) {
				t.Fatalf("refused by %T (%v), want %T", o.Refused, o.Refused, tc.refused)
			}
			if !IsRefusal(o.Refused) {
				t.Errorf("%v is not a refusal", o.Refused)
			}
			if (o.Fresh != nil) != tc.fresh {
				t.Errorf("fresh preview %v, want %v", o.Fresh != nil, tc.fresh)
			}
		})
	}
}

// TestApplyOnMergeOnce: the same push handled again (a second delivery) applies nothing more.
func TestApplyOnMergeOnce(t *testing.T) {
	w := newMergeWorld(t, mergeRegistry)
	for i, want := range []bool{false, true} {
		out, err := w.svc.ApplyOnMerge(context.Background(), w.call(), w.push())
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Outcomes) != 1 || out.Outcomes[0].Done != want {
			t.Fatalf("push %d: outcomes %+v, want done %v", i+1, out.Outcomes, want)
		}
	}
	if len(w.pl.applied) != 1 {
		t.Fatalf("%d applies, want 1", len(w.pl.applied))
	}
}

// TestApplyOnMergeUpToDate: a merge whose plan changes nothing (applied from the pull request
// before the merge) applies nothing and refuses nothing.
func TestApplyOnMergeUpToDate(t *testing.T) {
	w := newMergeWorld(t, mergeRegistry)
	w.pl.salt = "applied from the pull request"
	w.pl.changes = map[string]func(*sync.Change){"web": func(c *sync.Change) { c.Action = sync.ActionUnchanged }}
	out, err := w.svc.ApplyOnMerge(context.Background(), w.call(), w.push())
	if err != nil {
		t.Fatal(err)
	}
	if o := out.Outcomes[0]; !o.UpToDate || o.Refused != nil || o.Applied != nil || len(w.pl.applied) != 0 {
		t.Fatalf("outcome %+v, %d applies; want up to date, nothing applied", o, len(w.pl.applied))
	}
}
