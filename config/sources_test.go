package config

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/fault"
)

func twoRepos(t *testing.T) *Sources {
	t.Helper()
	s := &Sources{}
	for _, a := range []struct {
		repo, name, path string
	}{
		{"acme/web", "web", "apps/web/k8s"},
		{"acme/web", "web-staging", "apps/web/staging"},
		{"acme/api", "api", "deploy"},
	} {
		if err := s.AddDeployment(Repo{Repo: a.repo, Branch: "main"}, Deployment{Name: a.name, Path: a.path}); err != nil {
			t.Fatalf("AddDeployment(%s): %v", a.name, err)
		}
	}
	return s
}

func TestAddDeployment(t *testing.T) {
	tests := []struct {
		desc    string
		repo    Repo
		d       Deployment
		wantErr any // pointer to the error type wanted, nil for success
		check   func(t *testing.T, err error)
	}{
		{desc: "new repo", repo: Repo{Repo: "acme/ops", Branch: "trunk"}, d: Deployment{Name: "ops", Path: "./k8s/"}},
		{desc: "existing repo", repo: Repo{Repo: "ACME/Web", Branch: "main", InstallationID: 9}, d: Deployment{Name: "web-prod", Path: "apps/web/prod"}},
		{desc: "name taken in same repo", repo: Repo{Repo: "acme/web"}, d: Deployment{Name: "web", Path: "other"}, wantErr: new(*NameTakenError),
			check: func(t *testing.T, err error) {
				var e *NameTakenError
				errors.As(err, &e)
				if e.Name != "web" || e.Repo != "acme/web" {
					t.Fatalf("got %+v", e)
				}
			}},
		{desc: "name taken in other repo", repo: Repo{Repo: "acme/ops"}, d: Deployment{Name: "api", Path: "x"}, wantErr: new(*NameTakenError),
			check: func(t *testing.T, err error) {
				var e *NameTakenError
				errors.As(err, &e)
				if e.Repo != "acme/api" {
					t.Fatalf("NameTakenError.Repo = %q, want acme/api", e.Repo)
				}
			}},
		{desc: "path taken", repo: Repo{Repo: "acme/web"}, d: Deployment{Name: "web2", Path: "./apps/web/k8s/"}, wantErr: new(*PathTakenError),
			check: func(t *testing.T, err error) {
				var e *PathTakenError
				errors.As(err, &e)
				if e.Name != "web" || e.Path != "apps/web/k8s" || e.Repo != "acme/web" {
					t.Fatalf("got %+v", e)
				}
			}},
		{desc: "same path other repo is fine", repo: Repo{Repo: "acme/ops"}, d: Deployment{Name: "ops", Path: "apps/web/k8s"}},
		{desc: "invalid name", repo: Repo{Repo: "acme/web"}, d: Deployment{Name: "Web_App", Path: "x"}, wantErr: new(*InvalidNameError)},
		{desc: "name too long", repo: Repo{Repo: "acme/web"}, d: Deployment{Name: "a234567890123456789012345678901234567890123456789012345678901234", Path: "x"}, wantErr: new(*InvalidNameError)},
		{desc: "path leaves repo", repo: Repo{Repo: "acme/web"}, d: Deployment{Name: "up", Path: "../x"}, wantErr: new(*InvalidPathError)},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			s := twoRepos(t)
			before := len(s.Repos)
			err := s.AddDeployment(tt.repo, tt.d)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				r, d := s.FindDeployment(tt.d.Name)
				if r == nil || !reflect.DeepEqual(r, s.FindRepo(tt.repo.Repo)) {
					t.Fatalf("deployment %s not found under %s: %+v", tt.d.Name, tt.repo.Repo, s)
				}
				want, _ := CleanPath(tt.d.Path)
				if d.Path != want {
					t.Fatalf("path %q, want %q", d.Path, want)
				}
				return
			}
			if err == nil || !errors.As(err, tt.wantErr) {
				t.Fatalf("err = %v (%T), want %T", err, err, tt.wantErr)
			}
			if len(s.Repos) != before || !reflect.DeepEqual(s, twoRepos(t)) {
				t.Fatalf("a failed AddDeployment changed the sources: %+v", s)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

func TestAddDeploymentUpdatesRepo(t *testing.T) {
	s := twoRepos(t)
	if err := s.AddDeployment(Repo{Repo: "acme/web", Branch: "other", InstallationID: 42, CloneURL: "https://git.example/acme/web.git",
		Deployments: []Deployment{{Name: "ignored", Path: "ignored"}}}, Deployment{Name: "web-3", Path: "three"}); err != nil {
		t.Fatal(err)
	}
	r := s.FindRepo("acme/web")
	if r.InstallationID != 42 || r.CloneURL != "https://git.example/acme/web.git" || r.Branch != "main" {
		t.Fatalf("repo not updated as documented: %+v", r)
	}
	if len(r.Deployments) != 3 {
		t.Fatalf("want 3 deployments, got %+v", r.Deployments)
	}
	if r, _ := s.FindDeployment("ignored"); r != nil {
		t.Fatal("repo.Deployments must be ignored")
	}
}

func TestRemoveDeployment(t *testing.T) {
	tests := []struct {
		name      string
		wantRepos []string
		notFound  bool
	}{
		{"web", []string{"acme/web", "acme/api"}, false},
		{"api", []string{"acme/web"}, false},
		{"nope", []string{"acme/web", "acme/api"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := twoRepos(t)
			err := s.RemoveDeployment(tt.name)
			if tt.notFound != fault.IsNotFound(err, KindDeployment) {
				t.Fatalf("err = %v, notFound want %v", err, tt.notFound)
			}
			if !tt.notFound && err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range s.Repos {
				got = append(got, r.Repo)
			}
			if !reflect.DeepEqual(got, tt.wantRepos) {
				t.Fatalf("repos %v, want %v", got, tt.wantRepos)
			}
			if r, _ := s.FindDeployment(tt.name); r != nil {
				t.Fatalf("%s still registered", tt.name)
			}
		})
	}
}

func TestSetLastSync(t *testing.T) {
	s := twoRepos(t)
	ls := LastSync{Commit: "abc", Time: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Status: "Succeeded"}
	if err := s.SetLastSync("web-staging", ls); err != nil {
		t.Fatal(err)
	}
	_, d := s.FindDeployment("web-staging")
	if d.LastSync == nil || *d.LastSync != ls {
		t.Fatalf("LastSync = %+v, want %+v", d.LastSync, ls)
	}
	if _, other := s.FindDeployment("web"); other.LastSync != nil {
		t.Fatal("another deployment got the last sync")
	}
	var nf *fault.NotFound
	if err := s.SetLastSync("nope", ls); !errors.As(err, &nf) || nf.Kind != KindDeployment || nf.Name != "nope" {
		t.Fatalf("err = %v, want a fault.NotFound of a deployment", err)
	}
}

func TestFindRepoCaseInsensitive(t *testing.T) {
	s := twoRepos(t)
	if r := s.FindRepo("Acme/API"); r == nil || r.Repo != "acme/api" {
		t.Fatalf("FindRepo(Acme/API) = %+v", r)
	}
	if r := s.FindRepo("acme/none"); r != nil {
		t.Fatalf("FindRepo(acme/none) = %+v", r)
	}
}

func TestSetLastSyncKeepsHistory(t *testing.T) {
	s := &Sources{Repos: []Repo{{Repo: "o/r", Deployments: []Deployment{{Name: "web", Path: "web"}}}}}
	for i := 0; i < HistoryLimit+3; i++ {
		ls := LastSync{Commit: fmt.Sprintf("c%d", i), Status: "Succeeded", Message: "m", Kind: SyncKindCommand}
		if i%2 == 1 {
			ls.Kind = SyncKindRollback
		}
		if err := s.SetLastSync("web", ls); err != nil {
			t.Fatal(err)
		}
	}
	_, d := s.FindDeployment("web")
	if d.LastSync.Commit != fmt.Sprintf("c%d", HistoryLimit+2) || d.LastSync.Message != "m" {
		t.Fatalf("last sync = %+v", d.LastSync)
	}
	if len(d.History) != HistoryLimit {
		t.Fatalf("history holds %d entries, want %d", len(d.History), HistoryLimit)
	}
	for i, h := range d.History {
		want := fmt.Sprintf("c%d", HistoryLimit+1-i)
		if h.Commit != want || h.Message != "" {
			t.Errorf("history[%d] = %+v, want commit %s without message (newest first)", i, h, want)
		}
	}
	if d.History[0].Kind != SyncKindRollback && d.History[1].Kind != SyncKindRollback {
		t.Errorf("the kinds were lost: %+v", d.History[:2])
	}
	if err := s.SetLastSync("nope", LastSync{}); err == nil {
		t.Error("an unknown deployment was accepted")
	}
}
