package config

import (
	"context"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// decodeRepos decodes a registry whose repos.yaml is reposYAML.
func decodeRepos(t *testing.T, reposYAML string) *Sources {
	t.Helper()
	s, _, err := decodeData(context.Background(), map[string]string{keyVersion: "2", keyRepos: reposYAML})
	if err != nil {
		t.Fatalf("decodeData: %v (a bad entry must not break the read)", err)
	}
	return s
}

func TestRegistryValidatedOnRead(t *testing.T) {
	const good = `{name: good, path: apps/good}`
	tests := []struct {
		name       string
		repo       string // one repo entry, in YAML flow style; it also holds the deployment good unless the repo is bad
		bad        string // the invalid entry's deployment ("" : the whole repo)
		wants      []string
		goodRemain bool
	}{
		{"path leaves the repo", `{repo: acme/a, branch: main, deployments: [` + good + `, {name: x, path: ../x}]}`, "x", []string{`path "../x"`, "must not leave the repo", "relative to the repository root"}, true},
		{"path leaves the repo later", `{repo: acme/a, branch: main, deployments: [` + good + `, {name: x, path: apps/../../etc}]}`, "x", []string{"must not leave the repo"}, true},
		{"absolute path", `{repo: acme/a, branch: main, deployments: [` + good + `, {name: x, path: /etc}]}`, "x", []string{`path "/etc"`, "relative"}, true},
		{"empty path", `{repo: acme/a, branch: main, deployments: [` + good + `, {name: x, path: ""}]}`, "x", []string{`path ""`, "is empty"}, true},
		{"bad name", `{repo: acme/a, branch: main, deployments: [` + good + `, {name: Bad_Name, path: apps/x}]}`, "Bad_Name", []string{`name "Bad_Name"`, "lower-case"}, true},
		{"bad policy", `{repo: acme/a, branch: main, deployments: [` + good + `, {name: x, path: apps/x, policy: {namespaces: ["[x"]}}]}`, "x", []string{"its policy", `"[x"`}, true},
		{"unknown applyOn", `{repo: acme/a, branch: main, deployments: [` + good + `, {name: x, path: apps/x, applyOn: always}]}`, "x", []string{`applyOn "always"`, "applyOn: merge", "applyOn: push"}, true},
		{"bad report", `{repo: acme/a, branch: main, deployments: [` + good + `, {name: x, path: apps/x, applyOn: push, report: "issue#x"}]}`, "x", []string{`report "issue#x"`, "report: issue#N"}, true},
		{"report without push", `{repo: acme/a, branch: main, deployments: [` + good + `, {name: x, path: apps/x, report: commit}]}`, "x", []string{`report "commit"`, "applyOn: push"}, true},
		{"applyOn in capitals", `{repo: acme/a, branch: main, deployments: [` + good + `, {name: x, path: apps/x, applyOn: Merge}]}`, "x", []string{`applyOn "Merge"`}, true},
		{"duplicate name", `{repo: acme/a, branch: main, deployments: [` + good + `, {name: good, path: apps/other}]}`, "good", []string{`"good" is already used`, "rename"}, true},
		{"file clone URL", `{repo: acme/a, branch: main, cloneURL: "file:///etc", deployments: [` + good + `]}`, "", []string{`cloneURL "file:///etc"`, "not an http(s) URL", "https://github.com/OWNER/NAME.git"}, false},
		{"ssh clone URL", `{repo: acme/a, branch: main, cloneURL: "git@github.com:acme/a.git", deployments: [` + good + `]}`, "", []string{"cloneURL", "not"}, false},
		{"clone URL with credentials", `{repo: acme/a, branch: main, cloneURL: "https://u:p@github.com/acme/a.git", deployments: [` + good + `]}`, "", []string{"holds credentials"}, false},
		{"clone URL without host", `{repo: acme/a, branch: main, cloneURL: "https:///acme/a.git", deployments: [` + good + `]}`, "", []string{"names no host"}, false},
		{"clone URL with a query", `{repo: acme/a, branch: main, cloneURL: "https://github.com/acme/a.git?x=1", deployments: [` + good + `]}`, "", []string{"query"}, false},
		{"clone URL with a space", `{repo: acme/a, branch: main, cloneURL: "https://github.com/acme/a .git", deployments: [` + good + `]}`, "", []string{"spaces"}, false},
		{"bad branch", `{repo: acme/a, branch: "a..b", deployments: [` + good + `]}`, "", []string{`branch "a..b"`}, false},
		{"branch with refs/", `{repo: acme/a, branch: refs/heads/main, deployments: [` + good + `]}`, "", []string{"without refs/heads/"}, false},
		{"bad repo name", `{repo: "acme/../etc", branch: main, deployments: [` + good + `]}`, "", []string{`repo "acme/../etc"`, "owner/name"}, false},
		{"negative installation", `{repo: acme/a, branch: main, installationID: -3, deployments: [` + good + `]}`, "", []string{"installationID -3"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := decodeRepos(t, "- {repo: acme/ok, branch: main, deployments: [{name: fine, path: apps/fine}]}\n- "+tc.repo+"\n")
			if r, d := s.FindDeployment("fine"); d == nil || r.Repo != "acme/ok" {
				t.Fatal("a valid repo is lost with the bad entry")
			}
			if len(s.Invalid) != 1 {
				t.Fatalf("%d invalid entries, want 1: %+v", len(s.Invalid), s.Invalid)
			}
			e := s.Invalid[0]
			if e.Repo != "acme/a" && tc.name != "bad repo name" || e.Deployment != tc.bad {
				t.Errorf("invalid entry names repo %q deployment %q, want acme/a and %q", e.Repo, e.Deployment, tc.bad)
			}
			msg := e.Error()
			for _, w := range append(tc.wants, SourcesConfigMap, "cluster admin") {
				if !strings.Contains(msg, w) {
					t.Errorf("the problem lacks %q: %s", w, msg)
				}
			}
			if _, d := s.FindDeployment("good"); (d != nil) != tc.goodRemain {
				t.Errorf("deployment good found = %v, want %v", d != nil, tc.goodRemain)
			}
			if tc.bad != "" && tc.bad != "good" {
				if _, d := s.FindDeployment(tc.bad); d != nil {
					t.Errorf("the invalid deployment %s is still in the registry Rigel works with", tc.bad)
				}
			}
			name := tc.bad
			if name == "" {
				name = "good"
			}
			if s.InvalidDeployment(name) == nil {
				t.Errorf("InvalidDeployment(%q) = nil, want the entry", name)
			}
		})
	}
}

// TestRegistryKeepsInvalidEntriesOnWrite: an update writes the invalid entries back as they
// were read, refuses to register a valid entry under their names, and drops them only when
// asked to remove them.
func TestRegistryKeepsInvalidEntriesOnWrite(t *testing.T) {
	const stored = `- repo: acme/a
  branch: main
  deployments:
  - {name: web, path: apps/web}
  - {name: x, path: ../x, lastSync: {commit: abc, time: "2026-11-30T04:00:00Z", status: Succeeded}}
- repo: acme/evil
  branch: main
  cloneURL: file:///etc
  deployments:
  - {name: evil, path: apps/evil}
`
	write := func(t *testing.T, mutate func(*Sources) error) (*Sources, error) {
		t.Helper()
		s := decodeRepos(t, stored)
		if err := mutate(s); err != nil {
			return nil, err
		}
		sortSources(s)
		data, err := encodeData(map[string]string{keyVersion: "2", keyRepos: stored}, s)
		if err != nil {
			return nil, err
		}
		return decodeRepos(t, data[keyRepos]), nil
	}
	rawOf := func(t *testing.T, s *Sources) string {
		t.Helper()
		var out []string
		for _, e := range s.Invalid {
			b, err := yaml.Marshal(e.raw)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, string(b))
		}
		return strings.Join(out, "---\n")
	}
	before := rawOf(t, decodeRepos(t, stored))

	t.Run("an unrelated update keeps them as they were", func(t *testing.T) {
		after, err := write(t, func(s *Sources) error {
			return s.AddDeployment(Repo{Repo: "acme/b", Branch: "main"}, Deployment{Name: "api", Path: "apps/api"})
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := rawOf(t, after); got != before {
			t.Errorf("invalid entries after a write:\n%s\nwant as read:\n%s", got, before)
		}
		if _, d := after.FindDeployment("api"); d == nil {
			t.Error("the update itself was lost")
		}
	})
	t.Run("removing the last valid deployment keeps the invalid one", func(t *testing.T) {
		after, err := write(t, func(s *Sources) error { return s.RemoveDeployment("web") })
		if err != nil {
			t.Fatal(err)
		}
		if got := rawOf(t, after); got != before {
			t.Errorf("invalid entries:\n%s\nwant:\n%s", got, before)
		}
	})
	t.Run("updating the repo keeps its invalid deployment", func(t *testing.T) {
		after, err := write(t, func(s *Sources) error {
			s.PutRepo(Repo{Repo: "acme/a", Branch: "release"})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if e := after.InvalidDeployment("x"); e == nil || e.raw.Deployments[0].LastSync == nil {
			t.Errorf("deployment x after updating its repo: %+v", e)
		}
	})
	for _, tc := range []struct {
		name   string
		mutate func(*Sources) error
		wants  []string
	}{
		{"a deployment named like an invalid one", func(s *Sources) error {
			return s.AddDeployment(Repo{Repo: "acme/a", Branch: "main"}, Deployment{Name: "x", Path: "apps/x"})
		}, []string{`refusing to register deployment "x"`, `path "../x"`}},
		{"a repo registered like an invalid one", func(s *Sources) error {
			s.PutRepo(Repo{Repo: "acme/evil", Branch: "main", CloneURL: "https://github.com/acme/evil.git"})
			return nil
		}, []string{"refusing to register repo acme/evil", `cloneURL "file:///etc"`}},
	} {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			_, err := write(t, tc.mutate)
			if err == nil {
				t.Fatal("the write shadowing an invalid entry was accepted")
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
		})
	}
	t.Run("removing them on purpose", func(t *testing.T) {
		after, err := write(t, func(s *Sources) error {
			if err := s.RemoveDeployment("x"); err != nil {
				return err
			}
			_, err := s.RemoveRepo("acme/evil")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(after.Invalid) != 0 {
			t.Errorf("invalid entries left: %+v", after.Invalid)
		}
		if _, d := after.FindDeployment("web"); d == nil {
			t.Error("deployment web lost")
		}
	})
}

// TestRegistryApplyOnMerge: applyOn: merge is read and kept; absent is "" (only by command).
func TestRegistryApplyOnMerge(t *testing.T) {
	s := decodeRepos(t, "- {repo: acme/a, branch: main, deployments: [{name: api, path: apps/api, applyOn: merge}, {name: web, path: apps/web}]}\n")
	if len(s.Invalid) != 0 {
		t.Fatalf("invalid entries: %+v", s.Invalid)
	}
	for name, want := range map[string]string{"api": ApplyOnMerge, "web": ApplyOnCommand} {
		if _, d := s.FindDeployment(name); d == nil || d.ApplyOn != want {
			t.Errorf("deployment %s: %+v, want applyOn %q", name, d, want)
		}
	}
}
