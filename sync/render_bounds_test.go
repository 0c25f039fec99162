package sync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

func manyDocs(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n", i)
	}
	return b.String()
}

// Hostile folders are refused fast, naming the file (and the line where there is one).
func TestRenderHostileInput(t *testing.T) {
	deepYAML := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  x: " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "\n"
	deepJSON := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d"},"data":` + strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000) + "}"
	kust := func(file, content string) fstest.MapFS {
		return fstest.MapFS{"k8s/kustomization.yaml": {Data: []byte("resources: [" + file + "]\n")}, "k8s/" + file: {Data: []byte(content)}}
	}
	plain := func(file, content string) fstest.MapFS {
		return fstest.MapFS{"k8s/" + file: {Data: []byte(content)}}
	}
	anchors := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n  labels: &l {app: web}\n  annotations: *l\n"
	tests := []struct {
		name  string
		fs    fstest.MapFS
		want  []string // in the error; none: renders
		parse bool     // a *ParseError
	}{
		{"alias bomb, plain", plain("bomb.yaml", testenv.BillionLaughsYAML), []string{"k8s/bomb.yaml", "excessive aliasing"}, true},
		{"alias bomb, kustomize", kust("bomb.yaml", testenv.BillionLaughsYAML), []string{"k8s/bomb.yaml", "excessive aliasing"}, true},
		{"alias bomb elsewhere in the repo, kustomize", fstest.MapFS{
			"k8s/kustomization.yaml": {Data: []byte("resources: [../base]\n")}, "base/kustomization.yaml": {Data: []byte("resources: [cm.yaml]\n")}, "base/cm.yaml": {Data: []byte(testenv.BillionLaughsYAML)},
		}, []string{"base/cm.yaml", "excessive aliasing"}, true},
		{"legitimate anchors, kustomize", kust("cm.yaml", anchors), nil, false},
		{"an alias bomb kustomize does not read", fstest.MapFS{"k8s/kustomization.yaml": {Data: []byte("resources: [cm.yaml]\n")}, "k8s/cm.yaml": {Data: []byte(anchors)}, "other/bomb.yaml": {Data: []byte(testenv.BillionLaughsYAML)}}, nil, false},
		{"legitimate anchors, plain", plain("cm.yaml", anchors), nil, false},
		{"very deep YAML, plain", plain("deep.yaml", deepYAML), []string{"k8s/deep.yaml", "exceeded max depth"}, true},
		{"very deep JSON, plain", plain("deep.json", deepJSON), []string{"k8s/deep.json", "exceeded max depth"}, true},
		{"very deep YAML, kustomize", kust("deep.yaml", deepYAML), []string{"deep.yaml", "exceeded max depth"}, false},
		{"50,000 documents, plain", plain("many.yaml", manyDocs(50000)), []string{"k8s/many.yaml holds more than 10000 objects", "split the folder"}, false},
		{"10,000 documents fit", plain("many.yaml", manyDocs(MaxObjects)), nil, false},
		{"too many objects over several files", fstest.MapFS{"k8s/a.yaml": {Data: []byte(manyDocs(6000))}, "k8s/b.yaml": {Data: []byte(strings.ReplaceAll(manyDocs(6000), "cm-", "b-"))}}, []string{"k8s/b.yaml holds more than 10000 objects"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			objs, err := Render(context.Background(), tc.fs, "k8s")
			if took := time.Since(start); took > 20*time.Second {
				t.Errorf("took %v", took)
			}
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Render = %v, want objects", err)
				}
				if len(objs) == 0 {
					t.Fatal("no objects")
				}
				return
			}
			if err == nil {
				t.Fatalf("Render gave %d objects, want an error", len(objs))
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			var pe *ParseError
			if tc.parse != errors.As(err, &pe) {
				t.Errorf("error %T: a ParseError = %v, want %v", err, !tc.parse, tc.parse)
			}
		})
	}
}
