package ops

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/sync"
)

// The registry the tests start from: two valid repos, an invalid deployment entry (broken)
// of acme/web, and an invalid repo entry (acme/bad, with its deployment lost).
const testRegistry = `
- repo: acme/web
  branch: main
  deployments:
  - {name: api, path: apps/api}
  - {name: broken, path: ../x}
  - {name: web, path: apps/web}
- repo: acme/other
  branch: main
  deployments:
  - {name: other, path: deploy}
- repo: acme/bad
  branch: "a..b"
  deployments:
  - {name: lost, path: k8s}
`

func cm(name string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", namespace: shop}\n"
}

// testFiles are the files at the tip of main of every repo the tests fetch.
var testFiles = map[string]string{
	"apps/web/cm.yaml": cm("web"),
	"apps/api/cm.yaml": cm("api"),
	"apps/new/cm.yaml": cm("new"),
	"docs/readme.md":   "# no manifests here\n",
}

var webEntry = config.Repo{Repo: "acme/web", Branch: "main", CloneURL: "https://github.test/acme/web.git"}

// TestRegistryRefusals: each refusal of the registry operations, with the facts an adapter
// words it with; none changes the registry.
func TestRegistryRefusals(t *testing.T) {
	o := Origin{Repo: "acme/web", CloneURL: webEntry.CloneURL}
	register := func(folder, name string) func(context.Context, *Service) error {
		return func(ctx context.Context, s *Service) error {
			_, err := s.Register(ctx, o, webEntry, folder, name, RenderSettings{})
			return err
		}
	}
	forget := func(name, from string) func(context.Context, *Service) error {
		return func(ctx context.Context, s *Service) error {
			_, err := s.Forget(ctx, name, from)
			return err
		}
	}
	pick := func(repo string, p Pick) func(context.Context, *Service) error {
		return func(ctx context.Context, s *Service) error {
			_, _, err := s.Deployments(ctx, repo, p)
			return err
		}
	}
	badName := config.ValidateName("Bad_Name")
	badRepo := config.ValidateRepo(config.Repo{Repo: "web", Branch: "main"})
	if badName == nil || badRepo == nil {
		t.Fatal("the test's bad name and repo are valid")
	}
	main := BranchTarget("main")
	tests := []struct {
		name string
		run  func(context.Context, *Service) error
		want Refusal // compared field by field; Commit "sha" stands for the commit of main
	}{
		{"register: an absolute folder", register("/etc", ""), &BadFolder{Folder: "/etc", Why: FolderAbsolute}},
		{"register: a Windows path", register(`c:\k8s`, ""), &BadFolder{Folder: `c:\k8s`, Why: FolderAbsolute}},
		{"register: a character Rigel does not take", register("apps/wéb", ""), &BadFolder{Folder: "apps/wéb", Why: FolderChar, Char: 'é'}},
		{"register: a folder outside the repo", register("apps/../../etc", ""), &BadFolder{Folder: "apps/../../etc", Why: FolderOutside}},
		{"register: a name that is no DNS label", register("apps/new/", "Bad_Name"), &BadName{Name: "Bad_Name", Reason: badName.Error(), Folder: "apps/new", Suggest: "bad-name"}},
		{"register: no such folder", register("nope", ""), &RenderFailed{Folder: "nope", At: main, Commit: "sha", Err: &sync.PathError{Path: "nope"}}},
		{"register: a folder without manifests", register("docs", ""), &NoManifests{Folder: "docs", At: main, Commit: "sha", Found: []string{"readme.md: not a manifest: Rigel reads *.yaml, *.yml, *.json and *.jsonnet files"}}},
		{"register: a name another repo has", register("apps/new", "other"), &Taken{Why: TakenName, Name: "other", Folder: "apps/new", Repo: "acme/other"}},
		{"register: a folder registered already", register("apps/web/", "web2"), &Taken{Why: TakenFolder, Name: "web2", Folder: "apps/web", By: "web"}},
		{"register: the name of an invalid entry", register("apps/new", "broken"), &InvalidEntries{Entries: []*config.InvalidEntry{{Repo: "acme/web", Deployment: "broken"}}}},
		{"forget: an unknown name, from the API", forget("nosuch", ""), &NotFound{Kind: KindDeployment, Name: "nosuch"}},
		{"forget: an unknown name, from a repo", forget("nosuch", "acme/web"), &NotFound{Kind: KindDeployment, Name: "nosuch", Repo: "acme/web", Known: []string{"api", "web"}}},
		{"forget: an unknown name, from a repo without deployments", forget("nosuch", "acme/none"), &NotFound{Kind: KindDeployment, Name: "nosuch", Repo: "acme/none", Known: []string{}}},
		{"forget: another repo's deployment", forget("other", "acme/web"), &OtherRepo{Deployment: "other", Repo: "acme/other", Verb: Forgetting}},
		{"forget: an invalid entry", forget("broken", "acme/web"), &InvalidEntries{Entries: []*config.InvalidEntry{{Repo: "acme/web", Deployment: "broken"}}}},
		{"remove repo: not registered", func(ctx context.Context, s *Service) error {
			_, err := s.RemoveRepo(ctx, "acme/nosuch")
			return err
		}, &NotFound{Kind: KindRepository, Name: "acme/nosuch"}},
		{"register repo: not owner/name", func(ctx context.Context, s *Service) error {
			_, _, err := s.RegisterRepo(ctx, config.Repo{Repo: "web", Branch: "main"})
			return err
		}, &Invalid{Msg: badRepo.Error()}},
		{"register repo: an invalid entry's", func(ctx context.Context, s *Service) error {
			_, _, err := s.RegisterRepo(ctx, config.Repo{Repo: "acme/bad", Branch: "main"})
			return err
		}, &InvalidEntries{Entries: []*config.InvalidEntry{{Repo: "acme/bad"}}}},
		{"pick: a repo without deployments", pick("acme/none", Pick{Verb: "diff"}), &NoDeployments{Repo: "acme/none"}},
		{"pick: a repo with only invalid entries", pick("acme/bad", Pick{Verb: "diff"}), &InvalidEntries{Entries: []*config.InvalidEntry{{Repo: "acme/bad"}}}},
		{"pick: several, none named", pick("acme/web", Pick{Verb: "sync"}), &Ambiguous{Repo: "acme/web", Deployments: []string{"api", "web"}, Verb: "sync"}},
		{"pick: an unknown name", pick("acme/web", Pick{Names: []string{"web", "nosuch"}, Verb: "diff"}), &NotFound{Kind: KindDeployment, Name: "nosuch", Repo: "acme/web", Known: []string{"api", "web"}}},
		{"pick: another repo's deployment", pick("acme/web", Pick{Names: []string{"other"}, Verb: "apply"}), &OtherRepo{Deployment: "other", Repo: "acme/other", Verb: "apply"}},
		{"find: an unknown name", func(ctx context.Context, s *Service) error {
			_, _, err := s.Deployment(ctx, "nosuch")
			return err
		}, &NotFound{Kind: KindDeployment, Name: "nosuch"}},
		{"pick: an invalid entry's deployment", pick("acme/web", Pick{Names: []string{"lost"}, Verb: "diff"}), &InvalidEntries{Entries: []*config.InvalidEntry{{Repo: "acme/bad"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, sha, _ := registryService(t, testRegistry, testFiles)
			before := stored(t, s)
			err := tc.run(context.Background(), s)
			if !IsRefusal(err) {
				t.Fatalf("err = %v, want a refusal %T", err, tc.want)
			}
			sameRefusal(t, err, tc.want, sha)
			if after := stored(t, s); after != before {
				t.Errorf("a refusal changed the registry:\n%s→\n%s", before, after)
			}
		})
	}
}

// sameRefusal fails unless err holds a refusal of want's type with want's facts.
func sameRefusal(t *testing.T, err error, want Refusal, sha string) {
	t.Helper()
	got := reflect.New(reflect.TypeOf(want))
	if !errors.As(err, got.Interface()) {
		t.Fatalf("err = %T %v, want a %T", err, err, want)
	}
	switch g := got.Elem().Interface().(type) {
	case *InvalidEntries: // compared by what they name
		names := func(e *InvalidEntries) (out []string) {
			for _, x := range e.Entries {
				out = append(out, x.Repo+" "+x.Deployment)
			}
			return out
		}
		if w := want.(*InvalidEntries); !slices.Equal(names(g), names(w)) {
			t.Fatalf("invalid entries %q, want %q", names(g), names(w))
		}
		for _, x := range g.Entries {
			if len(x.Problems) == 0 {
				t.Fatalf("the invalid entry %s %s says nothing of what is wrong", x.Repo, x.Deployment)
			}
		}
		return
	case *RenderFailed:
		w := *want.(*RenderFailed)
		var pe *sync.PathError
		if !errors.As(g.Err, &pe) || pe.Path != w.Err.(*sync.PathError).Path || pe.Reason == "" {
			t.Fatalf("rendering error %v, want a path error of %v", g.Err, w.Err)
		}
		w.Err, w.Commit = g.Err, strings.Replace(w.Commit, "sha", sha, 1)
		want = &w
	case *NoManifests:
		w := *want.(*NoManifests)
		w.Commit = strings.Replace(w.Commit, "sha", sha, 1)
		want = &w
	}
	if !reflect.DeepEqual(got.Elem().Interface(), want) {
		t.Fatalf("refusal %+v, want %+v", got.Elem().Interface(), want)
	}
}

func TestRegister(t *testing.T) {
	ctx := context.Background()
	s, sha, _ := registryService(t, testRegistry, testFiles)
	added, err := s.Register(ctx, Origin{Repo: "acme/web"}, webEntry, "./apps/new/", "", RenderSettings{})
	if err != nil {
		t.Fatal(err)
	}
	want := Added{Deployment: config.Deployment{Name: "new", Path: "apps/new"}, Branch: "main", Commit: sha, Objects: 1}
	if !reflect.DeepEqual(*added, want) {
		t.Fatalf("added %+v, want %+v", *added, want)
	}
	if _, dep := mustLoad(t, s).FindDeployment("new"); dep == nil || dep.Path != "apps/new" {
		t.Fatalf("not registered: %+v", dep)
	}
	// A repo not registered yet is registered with its first deployment.
	fresh := config.Repo{Repo: "acme/fresh", Branch: "main", CloneURL: "https://github.test/acme/fresh.git", InstallationID: 7}
	if _, err := s.Register(ctx, Origin{Repo: "acme/fresh"}, fresh, "apps/api", "fresh-api", RenderSettings{}); err != nil {
		t.Fatal(err)
	}
	if r := mustLoad(t, s).FindRepo("acme/fresh"); r == nil || r.InstallationID != 7 || r.CloneURL != fresh.CloneURL || len(r.Deployments) != 1 {
		t.Fatalf("the new repo is stored as %+v", r)
	}
}

func TestFolders(t *testing.T) {
	s, sha, _ := registryService(t, testRegistry, testFiles)
	got, err := s.Folders(context.Background(), Origin{Repo: "acme/web"}, RefTarget("refs/heads/main"))
	if err != nil {
		t.Fatal(err)
	}
	want := &FolderList{At: BranchTarget("main"), Commit: sha, Folders: []string{"apps/api", "apps/new", "apps/web"},
		Registered: map[string]string{"apps/api": "api", "apps/web": "web"}, Charts: map[string]ChartFolder{}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("folders %+v, want %+v", got, want)
	}
}

func TestForgetAndRemoveRepo(t *testing.T) {
	ctx := context.Background()
	s, _, _ := registryService(t, testRegistry, testFiles)
	forgot := &forgetful{}
	s.Observer = forgot
	dep, err := s.Forget(ctx, "web", "acme/web")
	if err != nil || dep.Name != "web" || dep.Path != "apps/web" {
		t.Fatalf("Forget = %+v, %v", dep, err)
	}
	if _, d := mustLoad(t, s).FindDeployment("web"); d != nil {
		t.Fatal("web is still registered")
	}
	if _, err := s.Forget(ctx, "other", ""); err != nil { // the API forgets any repo's
		t.Fatal(err)
	}
	repo, err := s.RemoveRepo(ctx, "ACME/web") // as GitHub spells it, case aside
	if err != nil || repo.Repo != "acme/web" || len(repo.Deployments) != 1 || repo.Deployments[0].Name != "api" {
		t.Fatalf("RemoveRepo = %+v, %v", repo, err)
	}
	src := mustLoad(t, s)
	if src.FindRepo("acme/web") != nil || src.InvalidDeployment("broken") != nil {
		t.Fatal("the repo, or its invalid entry, is still registered")
	}
	if want := []string{"web", "other", "api"}; !slices.Equal(forgot.names, want) {
		t.Fatalf("observed forgetting %q, want %q", forgot.names, want)
	}
}

// forgetful records the deployments forgotten.
type forgetful struct{ names []string }

func (f *forgetful) Diffed(string, time.Duration)                     {}
func (f *forgetful) Applied(string, time.Duration, string, time.Time) {}
func (f *forgetful) Forgot(deployment string)                         { f.names = append(f.names, deployment) }

func TestRegisterRepo(t *testing.T) {
	ctx := context.Background()
	s, _, _ := registryService(t, testRegistry, testFiles)
	created, repo, err := s.RegisterRepo(ctx, config.Repo{Repo: "acme/new", Branch: "main"})
	if err != nil || !created || repo.Repo != "acme/new" || len(repo.Deployments) != 0 {
		t.Fatalf("RegisterRepo(new) = %v, %+v, %v", created, repo, err)
	}
	created, repo, err = s.RegisterRepo(ctx, config.Repo{Repo: "Acme/Web", Branch: "release", InstallationID: 9})
	if err != nil || created || repo.Branch != "release" || repo.InstallationID != 9 || len(repo.Deployments) != 2 {
		t.Fatalf("RegisterRepo(registered) = %v, %+v, %v; want an update that keeps its deployments", created, repo, err)
	}
}

func TestDeployments(t *testing.T) {
	s, _, _ := registryService(t, testRegistry+`
- repo: acme/one
  branch: main
  deployments:
  - {name: only, path: k8s}
`, testFiles)
	tests := []struct {
		repo string
		pick Pick
		want []string
	}{
		{"acme/web", Pick{Names: []string{"web"}}, []string{"web"}},
		{"acme/web", Pick{Names: []string{"web", "api"}}, []string{"web", "api"}},
		{"acme/web", Pick{All: true}, []string{"api", "web"}},
		{"acme/one", Pick{}, []string{"only"}},
		{"ACME/one", Pick{}, []string{"only"}},
	}
	for _, tc := range tests {
		repo, deps, err := s.Deployments(context.Background(), tc.repo, tc.pick)
		if err != nil {
			t.Fatalf("%s %+v: %v", tc.repo, tc.pick, err)
		}
		var got []string
		for _, d := range deps {
			got = append(got, d.Name)
		}
		if !slices.Equal(got, tc.want) || repo == nil || !strings.EqualFold(repo.Repo, tc.repo) {
			t.Errorf("%s %+v = %v of %v, want %v", tc.repo, tc.pick, got, repo, tc.want)
		}
	}
}

func TestDeployment(t *testing.T) {
	s, _, _ := registryService(t, testRegistry, testFiles)
	repo, dep, err := s.Deployment(context.Background(), "other")
	if err != nil || repo.Repo != "acme/other" || dep.Name != "other" || dep.Path != "deploy" {
		t.Fatalf("Deployment(other) = %+v, %+v, %v", repo, dep, err)
	}
}

func TestList(t *testing.T) {
	ctx := context.Background()
	s, _, wl := registryService(t, testRegistry, testFiles)
	ref := kube.WorkloadRef{Kind: "Deployment", Namespace: "shop", Name: "web"}
	wl.workloads[ref] = &kube.Workload{WorkloadRef: ref, Annotations: map[string]string{sync.AnnotationSourceRepo: "web"}}
	l, err := s.List(ctx, "acme/web")
	if err != nil {
		t.Fatal(err)
	}
	if l.Repo != "acme/web" || l.Entry == nil || len(l.Entry.Deployments) != 2 || l.WorkloadsErr != nil ||
		!reflect.DeepEqual(l.Workloads, map[string][]kube.WorkloadRef{"web": {ref}}) || len(l.Invalid) != 1 || l.Invalid[0].Deployment != "broken" {
		t.Fatalf("listing %+v", l)
	}
	// The deployments are still listed when the workloads cannot be.
	s.Workloads = brokenWorkloads{wl}
	if l, err = s.List(ctx, "acme/web"); err != nil || l.Entry == nil || l.WorkloadsErr == nil {
		t.Fatalf("List with the workloads unreadable = %+v, %v", l, err)
	}
	// A repo without deployments: no workloads are looked up.
	if l, err = s.List(ctx, "acme/none"); err != nil || l.Entry != nil || l.Workloads != nil || l.WorkloadsErr != nil {
		t.Fatalf("List of an unregistered repo = %+v, %v", l, err)
	}
}

// brokenWorkloads cannot list workloads.
type brokenWorkloads struct{ *fakeWorkloads }

func (brokenWorkloads) FindWorkloads(context.Context, string) (map[string][]kube.WorkloadRef, error) {
	return nil, errors.New("deployments.apps is forbidden")
}

func mustLoad(t *testing.T, s *Service) *config.Sources {
	t.Helper()
	src, err := s.Registry.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return src
}
