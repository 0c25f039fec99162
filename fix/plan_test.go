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

	"github.com/rigel-gitops/rigel/kube"
)

var update = flag.Bool("update", false, "rewrite the golden files of TestPlan")

// planCase edits folder of testdata/plan/<name>/in; the files it changes must equal those
// under testdata/plan/<name>/want byte for byte, and no other file may change.
type planCase struct {
	name     string
	folder   string
	w        kube.WorkloadRef
	edits    []Edit
	wantErr  string // part of the error; its type is errType
	errType  string // "place" or "user"
	wantNote string // part of a note of the changes
}

func dep(ns, name string) kube.WorkloadRef { return kube.WorkloadRef{Kind: "Deployment", Namespace: ns, Name: name} }

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
	fsys := os.DirFS(filepath.Join(base, "in"))
	changes, err := Plan(fsys, tc.folder, tc.w, tc.edits)
	if tc.wantErr != "" {
		var pe *PlaceError
		var ue *UserError
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
		again, err := Plan(edited, tc.folder, tc.w, tc.edits)
		if err != nil || len(again) != 0 {
			t.Errorf("planning again on the edited files: %d changes, error %v; want none", len(again), err)
		}
	}
}

func TestPlan(t *testing.T) {
	for _, tc := range []planCase{
		{name: "plain-image", folder: "app", w: dep("shop", "web"), edits: set("image=nginx:1.27")},
	} {
		t.Run(tc.name, func(t *testing.T) { runPlanCase(t, tc) })
	}
}
