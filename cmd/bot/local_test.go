package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

var cluster *testenv.Cluster

func TestMain(m *testing.M) {
	os.Exit(func() int {
		var err error
		if cluster, err = testenv.StartCluster(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer cluster.Stop()
		return m.Run()
	}())
}

// TestLocalDiffAndApply runs `bot diff PATH` and `bot apply PATH` against the real apiserver:
// exit codes as kubectl diff (0 no changes, 1 changes, 2 error) and the same diff text.
func TestLocalDiffAndApply(t *testing.T) {
	dir, write := newFolder(t, "local")
	write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: local\ndata:\n  a: \"1\"\n")
	steps := []struct {
		name, verb string
		edit       func()
		code       int
		stdout     []string
	}{
		{"diff of a new object", "diff", nil, 1, []string{"+++ rigel/v1/ConfigMap/local/web", "+  a: \"1\""}},
		{"apply", "apply", nil, 1, nil},
		{"diff after apply", "diff", nil, 0, nil},
		{"diff of a change", "diff", func() { write("cm.yaml", strings.Replace(readFile(t, dir, "cm.yaml"), `"1"`, `"2"`, 1)) }, 1, []string{"-  a: \"1\"", "+  a: \"2\""}},
		{"a broken manifest", "diff", func() { write("bad.yaml", "kind: [\n") }, 2, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.edit != nil {
				st.edit()
			}
			var out, errOut bytes.Buffer
			code := local(context.Background(), st.verb, []string{"-kubeconfig", cluster.Kubeconfig, dir}, &out, &errOut)
			if code != st.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, st.code, errOut.String())
			}
			for _, w := range st.stdout {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// newFolder creates the namespace ns and an empty folder web, and returns it with a function
// that writes a file in it.
func newFolder(t *testing.T, ns string) (string, func(name, body string)) {
	t.Helper()
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "web")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
