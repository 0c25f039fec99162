package ops

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/rigel-gitops/rigel/config"
)

// autoplanFiles is a repository where api (apps/api, a kustomization) uses the kustomize base
// bases/shared outside its folder, and web (apps/web) is a plain folder.
func autoplanFiles() map[string]string {
	return map[string]string{
		"apps/api/kustomization.yaml":     "resources:\n- ../../bases/shared\n- cm.yaml\n",
		"apps/api/cm.yaml":                cmIn("api", "shop"),
		"bases/shared/kustomization.yaml": "resources:\n- shared.yaml\n",
		"bases/shared/shared.yaml":        cmIn("shared", "shop"),
		"apps/web/cm.yaml":                cmIn("web", "shop"),
		"README.md":                       "# shop\n",
	}
}

// TestAutoplan: a head previews the deployments whose inputs the pull request changes, and
// nothing when a rule skips it.
func TestAutoplan(t *testing.T) {
	const pr = 7
	bool_ := func(b bool) *bool { return &b }
	tests := []struct {
		name    string
		head    func(files map[string]string) // changes the head's files
		changed []ChangedFile
		partial bool // GitHub listed only part of the files
		fork    bool
		writer  bool // the author (mallory) has write on the repository
		draft   bool
		closed  bool
		opts    AutoplanOptions
		access  Access
		repoOff bool              // the repository's entry says autoplan: false
		depOff  string            // this deployment's entry says autoplan: false
		only    []string          // a check run asked again for these
		done    map[string]bool   // previewed at this head already
		skip    AutoplanSkip      // want
		preview []string          // want previewed, in order
		because map[string]string // want, of the affected
		check   func(t *testing.T, a *Autoplanned)
	}{
		{name: "a change of a base outside the folder previews the deployment that uses it, and only it",
			head:    func(f map[string]string) { f["bases/shared/shared.yaml"] = cmIn("shared2", "shop") },
			changed: []ChangedFile{{Path: "bases/shared/shared.yaml", Status: "modified"}},
			preview: []string{"api"}, because: map[string]string{"api": "bases/shared/shared.yaml"}},
		{name: "a change in a plain folder previews it",
			head:    func(f map[string]string) { f["apps/web/cm.yaml"] = cmIn("web2", "shop") },
			changed: []ChangedFile{{Path: "apps/web/cm.yaml", Status: "modified"}},
			preview: []string{"web"}, because: map[string]string{"web": "apps/web/cm.yaml"}},
		{name: "a file no render reads previews nothing",
			head:    func(f map[string]string) { f["README.md"] = "# shop!\n" },
			changed: []ChangedFile{{Path: "README.md", Status: "modified"}}},
		{name: "a rename counts both names: moved out of a folder",
			head: func(f map[string]string) {
				delete(f, "apps/web/cm.yaml")
				f["apps/web/other.yaml"] = cmIn("web", "shop")
				f["old/cm.yaml"] = cmIn("web", "shop")
			},
			changed: []ChangedFile{{Path: "old/cm.yaml", PreviousPath: "apps/web/cm.yaml", Status: "renamed"}},
			preview: []string{"web"}, because: map[string]string{"web": "apps/web/cm.yaml"}},
		{name: "an incomplete file list counts every deployment as changed",
			head:    func(f map[string]string) { f["README.md"] = "# shop!\n" },
			changed: []ChangedFile{{Path: "README.md"}}, partial: true,
			preview: []string{"api", "web"},
			check: func(t *testing.T, a *Autoplanned) {
				if a.Complete || a.Files != 1 {
					t.Fatalf("Complete, Files = %v, %d; want false, 1", a.Complete, a.Files)
				}
			}},
		{name: "a render error at the head still previews the deployment whose base broke, with the error",
			head:    func(f map[string]string) { f["bases/shared/shared.yaml"] = "kind: [\n" },
			changed: []ChangedFile{{Path: "bases/shared/shared.yaml", Status: "modified"}},
			preview: []string{"api"}, because: map[string]string{"api": "bases/shared/shared.yaml"},
			check: func(t *testing.T, a *Autoplanned) {
				var rf *RenderFailed
				if o := a.Previewed()[0]; !errors.As(o.Err, &rf) || o.Preview != nil {
					t.Fatalf("outcome %+v: want a *RenderFailed and no preview", o)
				}
			}},
		{name: "a draft is skipped", draft: true, changed: []ChangedFile{{Path: "apps/web/cm.yaml"}}, skip: SkipDraft},
		{name: "a draft previews itself when the settings say so", draft: true, opts: AutoplanOptions{Drafts: true},
			head:    func(f map[string]string) { f["apps/web/cm.yaml"] = cmIn("web2", "shop") },
			changed: []ChangedFile{{Path: "apps/web/cm.yaml"}}, preview: []string{"web"}},
		{name: "a closed pull request is skipped", closed: true, changed: []ChangedFile{{Path: "apps/web/cm.yaml"}}, skip: SkipNotOpen},
		{name: "a fork is skipped by the fork gate", fork: true, changed: []ChangedFile{{Path: "apps/web/cm.yaml"}}, skip: SkipFork,
			check: func(t *testing.T, a *Autoplanned) {
				if a.Fork == nil || a.Fork.HeadRepo != "mallory/web" || a.Fork.Verb != "autoplan" {
					t.Fatalf("Fork = %+v, want the fork gate's refusal", a.Fork)
				}
			}},
		{name: "a writer's fork does not preview itself either", fork: true, writer: true, changed: []ChangedFile{{Path: "apps/web/cm.yaml"}}, skip: SkipFork},
		{name: "a writer's re-run of a fork's check run previews, as a typed diff would", fork: true, writer: true, only: []string{"web"},
			head:    func(f map[string]string) { f["apps/web/cm.yaml"] = cmIn("web2", "shop") },
			changed: []ChangedFile{{Path: "apps/web/cm.yaml"}}, preview: []string{"web"}},
		{name: "a reader's re-run of a fork's check run is refused by the fork gate", fork: true, only: []string{"web"}, changed: []ChangedFile{{Path: "apps/web/cm.yaml"}}, skip: SkipFork},
		{name: "a fork previews itself when the settings open fork previews", fork: true, access: Access{AllowForkPreview: true},
			head:    func(f map[string]string) { f["apps/web/cm.yaml"] = cmIn("web2", "shop") },
			changed: []ChangedFile{{Path: "apps/web/cm.yaml"}}, preview: []string{"web"}},
		{name: "the repository opts out", repoOff: true, changed: []ChangedFile{{Path: "apps/web/cm.yaml"}}, skip: SkipRepoOptOut},
		{name: "a deployment opts out",
			depOff: "api",
			head: func(f map[string]string) {
				f["bases/shared/shared.yaml"] = cmIn("shared2", "shop")
				f["apps/web/cm.yaml"] = cmIn("web2", "shop")
			},
			changed: []ChangedFile{{Path: "bases/shared/shared.yaml"}, {Path: "apps/web/cm.yaml"}},
			preview: []string{"web"},
			check: func(t *testing.T, a *Autoplanned) {
				if o := a.Outcomes[0]; o.Deployment.Name != "api" || !o.Affected || !o.OptedOut || o.Preview != nil {
					t.Fatalf("api's outcome %+v: want affected, opted out, not previewed", o)
				}
			}},
		{name: "a deployment previewed at this head already is not previewed again",
			head: func(f map[string]string) {
				f["bases/shared/shared.yaml"] = cmIn("shared2", "shop")
				f["apps/web/cm.yaml"] = cmIn("web2", "shop")
			},
			changed: []ChangedFile{{Path: "bases/shared/shared.yaml"}, {Path: "apps/web/cm.yaml"}},
			done:    map[string]bool{"api": true}, preview: []string{"web"}},
		{name: "asked again by name, whatever changed (even an opted-out one)", depOff: "api", only: []string{"api"},
			preview: []string{"api"}, because: map[string]string{"api": "asked for"},
			check: func(t *testing.T, a *Autoplanned) {
				if a.Outcomes[1].Affected {
					t.Fatal("web was previewed though only api was asked for")
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newPlanEnv(t, autoplanFiles())
			// newPlanEnv registered web at app; the repository's deployments are api and web.
			if _, err := e.svc.Registry.Update(ctx, func(s *config.Sources) error {
				r := s.FindRepo("acme/web")
				r.Deployments = []config.Deployment{{Name: "api", Path: "apps/api"}, {Name: "web", Path: "apps/web"}}
				if tc.repoOff {
					r.Autoplan = bool_(false)
				}
				for i := range r.Deployments {
					if r.Deployments[i].Name == tc.depOff {
						r.Deployments[i].Autoplan = bool_(false)
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			e.svc.Autoplanning, e.svc.Access = tc.opts, tc.access
			files := autoplanFiles()
			if tc.head != nil {
				tc.head(files)
			}
			head := e.src.commit("refs/pull/7/head", files)
			ph := PullHead{SHA: head, State: "open", Draft: tc.draft, HeadRepo: "acme/web", BaseRepo: "acme/web", BaseRef: "main"}
			if tc.fork {
				ph.HeadRepo = "mallory/web"
			}
			if tc.closed {
				ph.State = "closed"
			}
			roles := map[string]string{}
			if tc.writer {
				roles["mallory"] = "write"
			}
			forge := &filesForge{fakeForge: &fakeForge{heads: map[int]PullHead{pr: ph}, roles: roles}, files: map[int]ChangedFiles{pr: {Files: tc.changed, Complete: !tc.partial}}}
			var started, each []string
			req := AutoplanRequest{Number: pr, Head: ph, Base: e.main, Author: "mallory", Only: tc.only,
				Done: func(_ context.Context, dep string) bool { return tc.done[dep] },
				Starting: func(_ context.Context, deps []config.Deployment) {
					for _, d := range deps {
						started = append(started, d.Name)
					}
				},
				Each: func(_ context.Context, o AutoplanOutcome) { each = append(each, o.Deployment.Name) },
			}
			a, err := e.svc.Autoplan(ctx, e.call(forge, pr, true), req)
			if err != nil {
				t.Fatal(err)
			}
			if a.Skipped != tc.skip {
				t.Fatalf("Skipped = %q, want %q", a.Skipped, tc.skip)
			}
			var previewed []string
			for _, o := range a.Previewed() {
				previewed = append(previewed, o.Deployment.Name)
				if o.Err == nil && (o.Preview == nil || o.Preview.Plan.Commit != head || o.Preview.Target.Pull != pr) {
					t.Fatalf("%s: preview %+v, want one at the head %s of #%d", o.Deployment.Name, o.Preview, head, pr)
				}
				if want, ok := tc.because[o.Deployment.Name]; ok && o.Because != want {
					t.Fatalf("%s: Because = %q, want %q", o.Deployment.Name, o.Because, want)
				}
			}
			if !reflect.DeepEqual(previewed, tc.preview) || !reflect.DeepEqual(started, tc.preview) || !reflect.DeepEqual(each, tc.preview) {
				t.Fatalf("previewed %q, started %q, told %q; want %q", previewed, started, each, tc.preview)
			}
			if tc.skip != "" && (len(e.pl.applied) > 0 || forge.asked > 0 && tc.skip != SkipFork) {
				t.Fatalf("a skipped head listed files (%d) or applied", forge.asked)
			}
			if tc.check != nil {
				tc.check(t, a)
			}
		})
	}
}

// TestAutoplanArmsOnlyTheCurrentHead: the preview autoplan made of a head that a push then
// replaced is not applied (Apply's Stale of the pull request's head), the new head's is.
func TestAutoplanArmsOnlyTheCurrentHead(t *testing.T) {
	const pr = 7
	ctx := context.Background()
	e := newPlanEnv(t, autoplanFiles())
	if _, err := e.svc.Registry.Update(ctx, func(s *config.Sources) error {
		s.FindRepo("acme/web").Deployments = []config.Deployment{{Name: "web", Path: "apps/web"}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	dep := config.Deployment{Name: "web", Path: "apps/web"}
	files := autoplanFiles()
	files["apps/web/cm.yaml"] = cmIn("web2", "shop")
	forge := &filesForge{fakeForge: &fakeForge{heads: map[int]PullHead{}, roles: map[string]string{"bob": "write"}},
		files: map[int]ChangedFiles{pr: {Files: []ChangedFile{{Path: "apps/web/cm.yaml"}}, Complete: true}}}
	planAt := func(files map[string]string) (string, PlanID) {
		head := e.src.commit("refs/pull/7/head", files)
		ph := PullHead{SHA: head, State: "open", HeadRepo: "acme/web", BaseRepo: "acme/web", BaseRef: "main"}
		forge.heads[pr] = ph
		forge.reviews = map[int][]Review{pr: {{User: "bob", State: "APPROVED", CommitID: head}}}
		a, err := e.svc.Autoplan(ctx, e.call(forge, pr, true), AutoplanRequest{Number: pr, Head: ph, Base: e.main})
		if err != nil || len(a.Previewed()) != 1 || a.Previewed()[0].Preview == nil {
			t.Fatalf("autoplan = %+v, %v; want web previewed", a, err)
		}
		return head, a.Previewed()[0].Preview.ID()
	}
	_, first := planAt(files)
	files["apps/web/more.yaml"] = cmIn("more", "shop")
	second, current := planAt(files)
	apply := func(id PlanID) error {
		_, err := e.svc.Apply(ctx, e.call(forge, pr, true), dep, ApplyRequest{Plan: id, At: BranchTarget("main")})
		return err
	}
	var stale *Stale
	if err := apply(first); !errors.As(err, &stale) || stale.Why != StaleCommit || stale.Now.Commit != second {
		t.Fatalf("apply of the replaced head's preview: %v, want *Stale{StaleCommit} naming %s", err, second)
	}
	if len(e.pl.applied) != 0 {
		t.Fatal("the replaced head's preview was applied")
	}
	if err := apply(current); err != nil {
		t.Fatalf("apply of the current head's preview: %v", err)
	}
	if len(e.pl.applied) != 1 || e.pl.applied[0].Commit != second {
		t.Fatalf("applied %d plans, want the current head's", len(e.pl.applied))
	}
}
