package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"

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
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// Workloads become healthy unless annotated testenv.StuckAnnotation.
		if err := testenv.RunWorkloadStatus(ctx, cluster.Config); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer removeBinary()
		return m.Run()
	}())
}

// rigel runs `rigel ARGS…` in this process (execute, as main does) with stdout written to
// out, and returns its exit code and stderr.
func rigel(t *testing.T, out io.Writer, args ...string) (int, string) {
	t.Helper()
	var errOut bytes.Buffer
	code := execute(context.Background(), args, genericiooptions.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: &errOut})
	return code, errOut.String()
}

// runLocal runs `rigel VERB --kubeconfig … ARGS… DIR` writing to stdout, and returns its exit
// code and stderr.
func runLocal(t *testing.T, verb, dir string, args []string, stdout io.Writer) (int, string) {
	t.Helper()
	return rigel(t, stdout, append(append([]string{verb, "--kubeconfig", cluster.Kubeconfig}, args...), dir)...)
}

// TestLocalDiffAndApply runs `rigel diff PATH` and `rigel apply PATH` against the real
// apiserver: diff's exit codes as kubectl diff (0 no changes, 1 changes, 2 error), apply's 0
// when applied, and the same diff text.
func TestLocalDiffAndApply(t *testing.T) {
	dir, write := newFolder(t, "local")
	write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: local\ndata:\n  a: \"1\"\n")
	steps := []struct {
		name, verb string
		edit       func()
		code       int
		stdout     []string
	}{
		{"diff of a new object", "diff", nil, diffChanges, []string{"+++ rigel/v1/ConfigMap/local/web", "+  a: \"1\""}},
		{"apply", "apply", nil, applyHealthy, []string{"+++ rigel/v1/ConfigMap/local/web"}},
		{"diff after apply", "diff", nil, diffNoChanges, nil},
		{"apply of nothing to do", "apply", nil, applyHealthy, nil},
		{"diff of a change", "diff", func() { write("cm.yaml", strings.Replace(readFile(t, dir, "cm.yaml"), `"1"`, `"2"`, 1)) }, diffChanges, []string{"-  a: \"1\"", "+  a: \"2\""}},
		{"a broken manifest", "diff", func() { write("bad.yaml", "kind: [\n") }, diffError, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.edit != nil {
				st.edit()
			}
			var out bytes.Buffer
			code, errOut := runLocal(t, st.verb, dir, nil, &out)
			if code != st.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, st.code, errOut)
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
	if ns != "" {
		if err := cluster.CreateNamespace(ns); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(t.TempDir(), "web")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, func(name, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
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

// TestNameFlag: --name is the deployment name stamped in helmsman.dev/source-repo; without
// it, the folder's name.
func TestNameFlag(t *testing.T) {
	ns := "local-name"
	dir, write := newFolder(t, ns)
	write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: "+ns+"\n")
	cs := kubernetes.NewForConfigOrDie(cluster.Config)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "web"},
		{[]string{"--name", "shop", "--concurrency", "4", "-q"}, "shop"}, // -q and --concurrency as make bench passes them
	} {
		if code, errOut := runLocal(t, "apply", dir, tt.args, io.Discard); code != applyHealthy {
			t.Fatalf("apply %q: exit %d: %s", tt.args, code, errOut)
		}
		cm, err := cs.CoreV1().ConfigMaps(ns).Get(context.Background(), "a", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := cm.Annotations["helmsman.dev/source-repo"]; got != tt.want {
			t.Errorf("apply %q: source-repo %q, want %q", tt.args, got, tt.want)
		}
	}
}
