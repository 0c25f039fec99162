package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	gosync "sync"
	"testing"

	"github.com/rigel-gitops/rigel/internal/buildinfo"
)

// The version and revision stamped into the binary the tests build, as make build does.
const (
	stampedVersion  = "v9.8.7-clitest"
	stampedRevision = "0123456789abcdef0123456789abcdef01234567"
)

var (
	binaryOnce gosync.Once
	binaryDir  string
	binaryPath string
	binaryErr  error
)

// binary builds this command once, as make build does (-ldflags -X stamping the version and
// revision), and returns the path of the rigel binary.
func binary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		if binaryDir, binaryErr = os.MkdirTemp("", "rigel-cli-"); binaryErr != nil {
			return
		}
		binaryPath = filepath.Join(binaryDir, "rigel")
		ldflags := "-X " + buildinfo.ImportPath + ".version=" + stampedVersion + " -X " + buildinfo.ImportPath + ".revision=" + stampedRevision
		out, err := exec.Command("go", "build", "-ldflags", ldflags, "-o", binaryPath, ".").CombinedOutput()
		if err != nil {
			binaryErr = &buildError{err, out}
		}
	})
	if binaryErr != nil {
		t.Fatalf("failed to build rigel: %v", binaryErr)
	}
	return binaryPath
}

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + string(e.out) }

func removeBinary() {
	if binaryDir != "" {
		os.RemoveAll(binaryDir)
	}
}

// runBinary runs the built rigel with args and env (added to a minimal environment: PATH and
// HOME, a temporary HOME so no kubeconfig of the machine is read), and returns its exit code,
// stdout and stderr.
func runBinary(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("rigel %q: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}
