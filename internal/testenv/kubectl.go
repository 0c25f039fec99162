package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// KubectlApply runs the real kubectl's client-side apply of manifest (with args after
// `apply -f FILE`) on the cluster, as a person would before Rigel. The test is skipped where
// kubectl is not installed.
func (c *Cluster) KubectlApply(t testing.TB, manifest string, args ...string) {
	t.Helper()
	bin, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("no kubectl")
	}
	dir, err := os.MkdirTemp("", "kubectl") // kubectl -f splits a path at commas, which test names hold
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	file := filepath.Join(dir, "m.yaml")
	if err := os.WriteFile(file, []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, append([]string{"--kubeconfig", c.Kubeconfig, "apply", "-f", file}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl apply: %v: %s", err, out)
	}
}
