package fix

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/kube"
	rsync "github.com/rigel-gitops/rigel/sync"
)

var update = flag.Bool("update", false, "rewrite the golden files of TestPlan")

// planCase edits folder of testdata/plan/<name>/in; the files it changes must equal those
// under testdata/plan/<name>/want byte for byte, and no other file may change.
type planCase struct {
	name     string
	dir      string // the folder under testdata/plan, when it is not name
	folder   string
	w        kube.WorkloadRef
	edits    []Edit
	wantErr  string               // part of the error; its type is errType
	errType  string               // "place" or "user"
	wantNote string               // part of a note of the changes
	chart    *rsync.ChartSettings // the chart settings the folder renders with (chart_test.go)
}

func dep(ns, name string) kube.WorkloadRef {
	return kube.WorkloadRef{Kind: "Deployment", Namespace: ns, Name: name}
}

func set(args ...string) []Edit {
	es, err := ParseSet(args)
	if err != nil {
		panic(err)
	}
	return es
}

func inContainer(c string, es []Edit) []Edit {
	for i := range es {
		es[i].Container = c
	}
	return es
}

func runPlanCase(t *testing.T, tc planCase) {
	t.Helper()
	base := filepath.Join("testdata", "plan", tc.name)
	in := base
	if tc.dir != "" {
		in = filepath.Join("testdata", "plan", tc.dir)
	}
	fsys := os.DirFS(filepath.Join(in, "in"))
	opts := rsync.RenderOptions{Chart: tc.chart}
	changes, err := PlanWith(fsys, tc.folder, tc.w, tc.edits, opts)
	if tc.wantErr != "" {
		var pe *PlaceError
		var ue *fault.Invalid
		switch {
		case err == nil:
			t.Fatalf("Plan: no error, want %s error containing %q; diff:\n%s", tc.errType, tc.wantErr, UnifiedDiff(changes))
		case tc.errType == "place" && !errors.As(err, &pe), tc.errType == "user" && !errors.As(err, &ue):
			t.Fatalf("Plan: error %T %v, want a %s error", err, err, tc.errType)
		case !strings.Contains(err.Error(), tc.wantErr):
			t.Fatalf("Plan: error %q, want it to contain %q", err, tc.wantErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if changes == nil {
		t.Fatal("Plan returned nil, want an empty slice when nothing changes")
	}
	wantDir := filepath.Join(base, "want")
	if *update {
		_ = os.RemoveAll(wantDir)
		for _, c := range changes {
			p := filepath.Join(wantDir, filepath.FromSlash(c.Path))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, c.After, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := map[string][]byte{}
	_ = filepath.WalkDir(wantDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(wantDir, p)
			data, _ := os.ReadFile(p)
			want[filepath.ToSlash(rel)] = data
		}
		return nil
	})
	var got []string
	var notes []string
	for _, c := range changes {
		got = append(got, c.Path)
		notes = append(notes, c.Notes...)
		before, err := fs.ReadFile(fsys, c.Path)
		if err != nil || string(before) != string(c.Before) {
			t.Errorf("%s: Before is not the file's content (%v)", c.Path, err)
		}
		w, ok := want[c.Path]
		if !ok {
			t.Errorf("%s changed, want it unchanged; diff:\n%s", c.Path, UnifiedDiff([]Change{c}))
			continue
		}
		if string(w) != string(c.After) {
			t.Errorf("%s differs from %s; got diff:\n%s", c.Path, filepath.Join(wantDir, c.Path), UnifiedDiff([]Change{c}))
		}
	}
	sort.Strings(got)
	for p := range want {
		if i := sort.SearchStrings(got, p); i == len(got) || got[i] != p {
			t.Errorf("%s did not change, want it changed", p)
		}
	}
	if tc.wantNote != "" && !strings.Contains(strings.Join(notes, "\n"), tc.wantNote) {
		t.Errorf("notes %q, want one containing %q", notes, tc.wantNote)
	}
	if len(changes) == 0 && len(want) > 0 {
		t.Errorf("no changes, want %d files changed", len(want))
	}
	// Planning the same edits on the edited tree changes nothing more.
	if len(changes) > 0 {
		edited := overlay{FS: fsys, files: map[string][]byte{}}
		for _, c := range changes {
			edited.files[c.Path] = c.After
		}
		again, err := PlanWith(edited, tc.folder, tc.w, tc.edits, opts)
		if err != nil || len(again) != 0 {
			t.Errorf("planning again on the edited files: %d changes, error %v; want none", len(again), err)
		}
	}
}

func TestPlan(t *testing.T) {
	sts := func(ns, name string) kube.WorkloadRef {
		return kube.WorkloadRef{Kind: "StatefulSet", Namespace: ns, Name: name}
	}
	ds := func(ns, name string) kube.WorkloadRef {
		return kube.WorkloadRef{Kind: "DaemonSet", Namespace: ns, Name: name}
	}
	for _, tc := range []planCase{
		// plain folders
		{name: "plain-image", folder: "app", w: dep("shop", "web"), edits: set("image=nginx:1.27")},
		{name: "plain-unchanged", dir: "plain-image", folder: "app/", w: dep("shop", "web"), edits: set("image=nginx:1.25", "replicas=2")},
		{name: "plain-not-there", dir: "plain-image", folder: "app", w: dep("shop", "api"), edits: set("image=nginx:1.27"),
			errType: "place", wantErr: "Deployment `api` (namespace `shop`) is not defined in folder `app`: it defines Deployment `web` (no namespace)"},
		{name: "plain-no-container", dir: "plain-image", folder: "app", w: dep("shop", "web"), edits: inContainer("nope", set("image=nginx:1.27")),
			errType: "user", wantErr: "Deployment `web` has no container `nope`: its containers are `app`"},
		{name: "plain-bad-value", dir: "plain-image", folder: "app", w: dep("shop", "web"), edits: []Edit{{Field: "memory", Value: "big"}},
			errType: "user", wantErr: "not a quantity"},
		{name: "plain-missing-folder", dir: "plain-image", folder: "nope", w: dep("shop", "web"), edits: set("image=nginx:1.27"),
			errType: "place", wantErr: "Rigel cannot build folder `nope`"},
		{name: "multidoc-crlf", folder: "k8s", w: dep("shop", "api"), edits: set("memory=512Mi", "cpu=2")},
		{name: "multidoc-crlf-request", dir: "multidoc-crlf", folder: "k8s", w: dep("shop", "api"), edits: set("memory=64Mi"),
			wantNote: "The memory request of container `api` was 128Mi, above the new limit, so it is lowered to 64Mi too."},
		{name: "multidoc-crlf-other-namespace", dir: "multidoc-crlf", folder: "k8s", w: dep("other", "api"), edits: set("env.LOG_LEVEL=debug")},
		{name: "missing-blocks", folder: "deploy", w: sts("db", "db"), edits: set("memory=1Gi", "env.PGDATA=/var/lib/postgresql/data/pg", "replicas=2", "env.PORT=5432")},
		{name: "flow-style-which-container", dir: "flow-style", folder: "app", w: dep("shop", "web"), edits: set("memory=256Mi"),
			errType: "user", wantErr: "Deployment `web` has 2 containers (`app`, `sidecar`): say which one with `--container NAME`"},
		{name: "flow-style-app", dir: "flow-style", folder: "app", w: dep("shop", "web"), edits: inContainer("app", set("memory=256Mi", "cpu=2", "env.MODE=slow", "env.NEW=1"))},
		{name: "flow-style-sidecar", dir: "flow-style", folder: "app", w: dep("shop", "web"), edits: inContainer("sidecar", set("memory=64Mi", "env.LOG_LEVEL=debug"))},
		{name: "flow-style-value-from", dir: "flow-style", folder: "app", w: dep("shop", "web"), edits: inContainer("sidecar", set("env.TOKEN=x")),
			errType: "place", wantErr: "`TOKEN` of container `sidecar` comes from `valueFrom`"},
		{name: "null-values", folder: "app", w: dep("shop", "web"), edits: inContainer("app", set("memory=1Gi", "env.A=b", "replicas=2"))},
		{name: "null-values-cache", dir: "null-values", folder: "app", w: dep("shop", "web"), edits: inContainer("cache", set("memory=1Gi"))},
		{name: "plain-two-namespaces", folder: "app", w: dep("shop", "web"), edits: set("memory=1Gi")},
		{name: "plain-two-namespaces-bare", dir: "plain-two-namespaces", folder: "app", w: dep("default", "web"), edits: set("memory=2Gi")},
		{name: "json", folder: "app", w: dep("default", "web"), edits: set("image=nginx:1.27", "memory=128Mi", "env.LOG_LEVEL=debug")},
		{name: "list", folder: "app", w: ds("ops", "agent"), edits: set("probe.liveness.port=http", "env.A=b")},
		{name: "list-replicas", dir: "list", folder: "app", w: ds("ops", "agent"), edits: set("replicas=2"),
			errType: "user", wantErr: "DaemonSet `agent` runs one pod per node"},

		// kustomize
		{name: "kustomize", folder: "apps/web/overlays/prod", w: dep("shop", "prod-web"),
			edits: set("image=nginx:1.27", "memory=512Mi", "env.MODE=prod", "replicas=5", "cpu=1")},
		{name: "kustomize-images-digest", dir: "kustomize", folder: "apps/web/overlays/prod", w: dep("shop", "prod-web"),
			edits: set("image=ghcr.io/acme/nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")},
		{name: "kustomize-images-tag-and-digest", dir: "kustomize", folder: "apps/web/overlays/prod", w: dep("shop", "prod-web"),
			edits:   set("image=nginx:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
			errType: "place", wantErr: "the images entry `nginx` in apps/web/overlays/prod/kustomization.yaml can pin a tag or a digest, not both"},
		{name: "kustomize-base", dir: "kustomize", folder: "apps/web/base", w: dep("shop", "web"),
			edits: set("image=nginx:1.27", "memory=512Mi", "replicas=5")},
		{name: "kustomize-wrong-namespace", dir: "kustomize", folder: "apps/web/overlays/prod", w: dep("default", "prod-web"), edits: set("replicas=5"),
			errType: "place", wantErr: "Deployment `prod-web` (namespace `default`) is not defined in folder `apps/web/overlays/prod`: it defines Deployment `prod-web` (shop)"},
		{name: "kustomize-patch", folder: "deploy/staging", w: dep("staging", "web"),
			edits: set("image=nginx:1.27", "env.MODE=debug", "memory=128Mi")},
		{name: "kustomize-layers", folder: "prod", w: dep("live", "prod-mid-web"),
			edits: set("image=nginx:1.27", "env.MODE=prod", "memory=600Mi", "cpu=2")},
		{name: "kustomize-json6902", folder: "k", w: dep("default", "web"), edits: set("image=nginx:1.27"),
			errType: "place", wantErr: "image=nginx:1.27 (container app): an inline JSON 6902 patch in k/kustomization.yaml (patches[0]) sets it"},
		{name: "kustomize-json6902-other-field", dir: "kustomize-json6902", folder: "k", w: dep("default", "web"), edits: set("memory=1Gi")},
		{name: "kustomize-inline-smp", folder: "k", w: dep("default", "web"), edits: set("memory=2Gi"),
			errType: "place", wantErr: "an inline patch in k/kustomization.yaml (patches[0]) sets it"},
		{name: "kustomize-inline-smp-image", dir: "kustomize-inline-smp", folder: "k", w: dep("default", "web"), edits: set("image=nginx:1.27")},
		{name: "kustomize-remote", folder: "k", w: dep("default", "web"), edits: set("image=nginx:1.27"),
			errType: "place", wantErr: "remote resources"},
		{name: "kustomize-replacement", folder: "k", w: dep("default", "web"), edits: set("image=nginx:1.27"),
			errType: "place", wantErr: "image=nginx:1.27 (container app) does not take effect: after editing the folder's files it still builds Deployment `web` with image `nginx:1.24`"},
		{name: "kustomize-shared-image", folder: "k", w: dep("default", "web"), edits: inContainer("app", set("image=nginx:1.27")),
			errType: "place", wantErr: "would change more of Deployment `web` than asked"},
	} {
		t.Run(tc.name, func(t *testing.T) { runPlanCase(t, tc) })
	}
}

func TestRenderScalar(t *testing.T) {
	for _, tc := range []struct {
		v     string
		k     valueKind
		style yaml.Style
		flow  bool
		want  string
	}{
		{"debug", kindString, 0, false, "debug"},
		{"true", kindString, 0, false, `"true"`},
		{"1.10", kindString, 0, false, `"1.10"`},
		{"5432", kindString, 0, false, `"5432"`},
		{"null", kindString, 0, false, `"null"`},
		{"", kindString, 0, false, `""`},
		{"a: b", kindString, 0, false, `"a: b"`},
		{"x #y", kindString, 0, false, `"x #y"`},
		{"a,b", kindString, 0, false, "a,b"},
		{"a,b", kindString, 0, true, `"a,b"`},
		{"it's", kindString, yaml.SingleQuotedStyle, false, `'it''s'`},
		{`say "hi"`, kindString, yaml.DoubleQuotedStyle, false, `"say \"hi\""`},
		{"<&>", kindString, yaml.DoubleQuotedStyle, false, `"<&>"`},
		{"2", kindQuantity, 0, false, "2"},
		{"1.5", kindQuantity, 0, false, "1.5"},
		{"512Mi", kindQuantity, yaml.DoubleQuotedStyle, false, `"512Mi"`},
		{"3", kindInt, 0, false, "3"},
	} {
		t.Run(tc.v, func(t *testing.T) {
			if got := renderScalar(tc.v, tc.k, tc.style, tc.flow); got != tc.want {
				t.Fatalf("renderScalar(%q) = %s, want %s", tc.v, got, tc.want)
			}
		})
	}
}
