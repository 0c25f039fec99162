package config

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestReposEncoding: repos.yaml is written as JSON (valid YAML), one deployment a line, and
// read back the same; what an admin writes by hand in YAML (block or flow style, which also
// starts with "[") is read as before; an unknown field is refused in either form.
func TestReposEncoding(t *testing.T) {
	s := &Sources{Version: SchemaVersion}
	if err := fillDeployments(s, "svc", 3, 2); err != nil {
		t.Fatal(err)
	}
	s.Repos[0].Autoplan = boolp(false)
	s.Repos[0].Deployments[1].Policy = &Policy{Namespaces: []string{"shop-*"}}
	data, err := encodeData(nil, s)
	if err != nil {
		t.Fatal(err)
	}
	raw := data[keyRepos]
	if lines := strings.Count(raw, "\n"); lines != 3+4 {
		t.Errorf("%d lines, want 7 (the brackets, the repository, 3 deployments, its end):\n%s", lines, raw)
	}
	back, _, err := decodeData(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Repos, s.Repos) {
		t.Errorf("read back %+v, want %+v", back.Repos, s.Repos)
	}
	var viaYAML []Repo
	if err := readRepos("\n"+strings.ReplaceAll(raw, "[\n{", "[ {"), &viaYAML); err != nil || len(viaYAML) != 1 || len(viaYAML[0].Deployments) != 3 {
		t.Errorf("JSON read again = %+v, %v", viaYAML, err)
	}
	for name, hand := range map[string]string{
		"block": "- repo: acme/a\n  branch: main\n  deployments:\n  - name: web\n    path: k8s\n",
		"flow":  "[{repo: acme/a, branch: main, deployments: [{name: web, path: k8s}]}]\n",
	} {
		var repos []Repo
		if err := readRepos(hand, &repos); err != nil || len(repos) != 1 || repos[0].Deployments[0].Name != "web" {
			t.Errorf("%s YAML written by hand: %+v, %v", name, repos, err)
		}
	}
	for _, bad := range []string{`[{"repo":"acme/a","brnch":"main","deployments":[]}]`, "- repo: acme/a\n  brnch: main\n"} {
		var repos []Repo
		if err := readRepos(bad, &repos); err == nil {
			t.Errorf("%q: read, want an unknown field refused", bad)
		}
	}
}

// TestEncodingReusesLines: a Registry encodes again only the deployments that changed since
// its last write, and what it writes is byte for byte what encoding everything writes,
// whatever changed: in place through a pointer or slice the last write saw, added, removed,
// renamed, or the repository's own fields.
func TestEncodingReusesLines(t *testing.T) {
	s := &Sources{Version: SchemaVersion}
	if err := fillDeployments(s, "svc", 6, 2); err != nil {
		t.Fatal(err)
	}
	s.Repos[0].Deployments[1].Policy = &Policy{Namespaces: []string{"shop-*"}}
	lines := &encodedLines{}
	steps := []struct {
		name   string
		change func(s *Sources)
	}{
		{"nothing", func(s *Sources) {}},
		{"a last sync, in place", func(s *Sources) { s.Repos[0].Deployments[0].LastSync.Commit = strings.Repeat("b", 40) }},
		{"a policy's namespace, in place", func(s *Sources) { s.Repos[0].Deployments[1].Policy.Namespaces[0] = "bank-*" }},
		{"a history entry, in place", func(s *Sources) { s.Repos[0].Deployments[2].History[1].Status = "Failed" }},
		{"a pointer set", func(s *Sources) { s.Repos[0].Deployments[3].Autoplan = boolp(false) }},
		{"a deployment removed", func(s *Sources) { s.Repos[0].Deployments = slices.Delete(s.Repos[0].Deployments, 4, 5) }},
		{"a deployment added", func(s *Sources) {
			s.Repos[0].Deployments = append(s.Repos[0].Deployments, Deployment{Name: "new", Path: "new"})
		}},
		{"a deployment renamed", func(s *Sources) { s.Repos[0].Deployments[0].Name = "renamed" }},
		{"the repository's branch", func(s *Sources) { s.Repos[0].Branch = "release" }},
		{"a second repository with a deployment of the same name", func(s *Sources) {
			s.Repos = append(s.Repos, Repo{Repo: "acme/other", Branch: "main", Deployments: []Deployment{{Name: "new", Path: "other"}}})
		}},
		{"the second one's deployment", func(s *Sources) { s.Repos[1].Deployments[0].Path = "elsewhere" }},
	}
	for _, step := range steps {
		step.change(s)
		want, err := encodeData(nil, s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeDataReusing(nil, s, lines)
		if err != nil {
			t.Fatal(err)
		}
		if got[keyRepos] != want[keyRepos] {
			t.Errorf("%s: written\n%s\nwant\n%s", step.name, got[keyRepos], want[keyRepos])
		}
		if n := len(lines.byName); n != strings.Count(want[keyRepos], `{"name":`) {
			t.Errorf("%s: %d lines kept, want one a deployment", step.name, n)
		}
	}
}
