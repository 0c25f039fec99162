package config

import (
	"context"
	"errors"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestChartProblems: each rule of the chart settings, with what the problem says.
func TestChartProblems(t *testing.T) {
	long := strings.Repeat("a", MaxReleaseName+1)
	many := make([]string, MaxChartValues+1)
	for i := range many {
		many[i] = "v" + strings.Repeat("x", i) + ".yaml"
	}
	tests := []struct {
		name  string
		chart Chart
		wants []string // each a part of one problem; none: valid
	}{
		{"empty settings", Chart{}, nil},
		{"all set", Chart{Release: "web-prod", Namespace: "shop", Values: []string{"values.yaml", "values-prod.yaml", "../shared/common.yml", "env.json"},
			SetFiles: map[string]string{"config.nginx": "files/nginx.conf", "list[0].x": "../shared/x.txt", "a_b-c": "f"}}, nil},
		{"release not a DNS label", Chart{Release: "Web_Prod"}, []string{`release "Web_Prod"`, "lower-case"}},
		{"release too long for helm", Chart{Release: long}, []string{"at most 53"}},
		{"namespace not a DNS label", Chart{Namespace: "shop.prod"}, []string{`namespace "shop.prod"`}},
		{"values file absolute", Chart{Values: []string{"/etc/passwd.yaml"}}, []string{`values file "/etc/passwd.yaml" is absolute`, "relative to the chart folder charts/web"}},
		{"values file leaves the repo", Chart{Values: []string{"../../../x.yaml"}}, []string{"leaves the repository"}},
		{"values file not clean", Chart{Values: []string{"./values.yaml"}}, []string{"not written plainly", "write values.yaml"}},
		{"values file with a backslash", Chart{Values: []string{`env\prod.yaml`}}, []string{`character '\\'`}},
		{"values file with a space", Chart{Values: []string{"my values.yaml"}}, []string{`character ' '`}},
		{"values file not YAML", Chart{Values: []string{"values.txt"}}, []string{"not a YAML or JSON file"}},
		{"values file the folder above", Chart{Values: []string{".."}}, []string{"folder"}},
		{"values file empty", Chart{Values: []string{""}}, []string{"is empty"}},
		{"values file twice", Chart{Values: []string{"values.yaml", "values.yaml"}}, []string{"named twice"}},
		{"too many values files", Chart{Values: many}, []string{"more than the limit of 20"}},
		{"set-file key with a space", Chart{SetFiles: map[string]string{"a b": "f"}}, []string{`set-file key "a b"`}},
		{"set-file key empty part", Chart{SetFiles: map[string]string{"a..b": "f"}}, []string{`set-file key "a..b"`}},
		{"set-file key bad index", Chart{SetFiles: map[string]string{"a[x]": "f"}}, []string{`set-file key "a[x]"`}},
		{"set-file key open index", Chart{SetFiles: map[string]string{"a[": "f"}}, []string{`set-file key "a["`}},
		{"set-file key with =", Chart{SetFiles: map[string]string{"a=b": "f"}}, []string{`set-file key "a=b"`}},
		{"set-file file leaves the repo", Chart{SetFiles: map[string]string{"a": "../../../etc/shadow"}}, []string{"set-file a: file", "leaves the repository"}},
		{"set-file file empty", Chart{SetFiles: map[string]string{"a": ""}}, []string{"set-file a: file", "is empty"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.chart.Problems("charts/web")
			if len(tc.wants) == 0 {
				if len(got) != 0 {
					t.Fatalf("problems %q, want none", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("problems %q, want one", got)
			}
			for _, w := range tc.wants {
				if !strings.Contains(got[0], w) {
					t.Errorf("the problem lacks %q: %s", w, got[0])
				}
			}
		})
	}
}

// TestAddChartDeployments: one chart folder is two deployments when their settings differ,
// and is refused with the same settings; invalid settings are refused and change nothing.
func TestAddChartDeployments(t *testing.T) {
	repo := Repo{Repo: "acme/web", Branch: "main"}
	s := &Sources{}
	staging := Deployment{Name: "web-staging", Path: "charts/web", Chart: &Chart{Values: []string{"values-staging.yaml"}}}
	if err := s.AddDeployment(repo, Deployment{Name: "web", Path: "charts/web"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddDeployment(repo, staging); err != nil {
		t.Fatalf("a second deployment of the chart with other values: %v", err)
	}
	if err := s.AddDeployment(repo, Deployment{Name: "web-prod", Path: "./charts/web/", Chart: &Chart{Release: "web", Values: []string{"values-prod.yaml"}}}); err != nil {
		t.Fatalf("a third deployment of the chart with other values: %v", err)
	}
	var taken *PathTakenError
	if err := s.AddDeployment(repo, Deployment{Name: "web-again", Path: "charts/web", Chart: &Chart{Values: []string{"values-staging.yaml"}}}); !errors.As(err, &taken) || taken.Name != "web-staging" {
		t.Fatalf("the same folder with the same settings: %v, want a *PathTakenError naming web-staging", err)
	}
	if err := s.AddDeployment(repo, Deployment{Name: "web-empty", Path: "charts/web", Chart: &Chart{}}); !errors.As(err, &taken) || taken.Name != "web" {
		t.Fatalf("empty settings are no settings: %v, want a *PathTakenError naming web", err)
	}
	var bad *InvalidChartError
	err := s.AddDeployment(repo, Deployment{Name: "web-bad", Path: "charts/web", Chart: &Chart{Release: "Bad", Values: []string{"../../../x.yaml"}}})
	if !errors.As(err, &bad) || len(bad.Problems) != 2 || bad.Deployment != "web-bad" {
		t.Fatalf("invalid settings: %v, want an *InvalidChartError with 2 problems", err)
	}
	if _, d := s.FindDeployment("web-bad"); d != nil {
		t.Fatal("a deployment with invalid chart settings was registered")
	}
	if n := len(s.FindRepo("acme/web").Deployments); n != 3 {
		t.Fatalf("%d deployments, want 3", n)
	}
}

// TestChartRoundTrip: the chart settings are written to and read from the ConfigMap as
// `"chart": {release, namespace, values, setFiles}` (JSON, registry_encode.go); invalid ones, written by hand, make the
// entry invalid and leave the others.
func TestChartRoundTrip(t *testing.T) {
	s := &Sources{Version: SchemaVersion}
	d := Deployment{Name: "web-prod", Path: "charts/web", Chart: &Chart{Release: "web", Namespace: "prod", Values: []string{"values.yaml", "values-prod.yaml"}, SetFiles: map[string]string{"config.file": "files/app.conf"}}}
	if err := s.AddDeployment(Repo{Repo: "acme/web", Branch: "main"}, d); err != nil {
		t.Fatal(err)
	}
	data, err := encodeData(nil, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"chart":{`, `"release":"web"`, `"namespace":"prod"`, `"values-prod.yaml"]`, `"setFiles":{`, `"config.file":"files/app.conf"`} {
		if !strings.Contains(data[keyRepos], w) {
			t.Errorf("%s lacks %q:\n%s", keyRepos, w, data[keyRepos])
		}
	}
	back, _, err := decodeData(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	if _, got := back.FindDeployment("web-prod"); got == nil || !SameChart(got.Chart, d.Chart) {
		t.Fatalf("read back %+v, want the chart settings %+v", got, d.Chart)
	}

	var repos []Repo
	if err := yaml.Unmarshal([]byte(`[{repo: acme/web, branch: main, deployments: [{name: ok, path: charts/web}, {name: bad, path: charts/web, chart: {values: [../../../../etc/x.yaml]}}]}]`), &repos); err != nil {
		t.Fatal(err)
	}
	raw, _ := yaml.Marshal(repos)
	hand := decodeRepos(t, string(raw))
	if _, ok := hand.FindDeployment("ok"); ok == nil {
		t.Fatal("a valid deployment is lost with a bad chart entry")
	}
	if e := hand.InvalidDeployment("bad"); e == nil || !strings.Contains(e.Error(), "leaves the repository") {
		t.Fatalf("the entry with a chart leaving the repository: %v, want an invalid entry saying so", e)
	}
}
