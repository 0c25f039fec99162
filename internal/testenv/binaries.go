package testenv

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

const modulePath = "github.com/rigel-gitops/rigel"

// binaries are the paths of the server binaries the cluster runs.
type binaries struct {
	Etcd      string
	APIServer string
}

// testbedDir is where built binaries are kept: $RIGEL_TESTBED_DIR, else ~/.cache/rigel-testbed.
func testbedDir() (string, error) {
	if d := os.Getenv("RIGEL_TESTBED_DIR"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("failed to find the home directory for the testbed cache: %w", err)
	}
	return filepath.Join(home, ".cache", "rigel-testbed"), nil
}

// RepoRoot returns the root of the Rigel repository, found by walking up from the working
// directory to the directory whose go.mod declares the Rigel module.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("failed to get the working directory: %w", err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && isRigelGoMod(data) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("failed to find the Rigel repository root: no go.mod declaring " + modulePath + " above the working directory")
		}
		dir = parent
	}
}

func isRigelGoMod(data []byte) bool {
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "module" && strings.Trim(f[1], `"`) == modulePath {
			return true
		}
	}
	return false
}

// apiserverName is the kube-apiserver binary the cluster runs: $RIGEL_TESTBED_APISERVER
// (for the version-skew run: kube-apiserver-1.35, the oldest line upstream supports), else
// kube-apiserver (the line Rigel builds against). Each name is built by testbed/build.sh
// from the wrapper module testbed/<name without "kube-">; any other name is refused, so the
// variable cannot point the tests at a binary outside the testbed.
func apiserverName() (name, module string, err error) {
	name = os.Getenv("RIGEL_TESTBED_APISERVER")
	if name == "" {
		name = "kube-apiserver"
	}
	module, ok := strings.CutPrefix(name, "kube-")
	if !ok || !strings.HasPrefix(module, "apiserver") || strings.ContainsAny(module, `/\`) || strings.Contains(module, "..") {
		return "", "", fmt.Errorf("RIGEL_TESTBED_APISERVER=%q: want kube-apiserver or kube-apiserver-<line> (a binary testbed/build.sh builds)", name)
	}
	return name, module, nil
}

var buildMu sync.Mutex

// findBinaries returns the etcd and kube-apiserver binaries, running testbed/build.sh first
// when one is missing or was built from another version of its wrapper module.
func findBinaries() (binaries, error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	dir, err := testbedDir()
	if err != nil {
		return binaries{}, err
	}
	apiName, apiModule, err := apiserverName()
	if err != nil {
		return binaries{}, err
	}
	bin := filepath.Join(dir, "bin")
	b := binaries{Etcd: filepath.Join(bin, "etcd"), APIServer: filepath.Join(bin, apiName)}
	root, rootErr := RepoRoot()
	if rootErr == nil {
		if _, err := os.Stat(filepath.Join(root, "testbed", apiModule, "go.mod")); err != nil {
			return binaries{}, fmt.Errorf("RIGEL_TESTBED_APISERVER=%q: no wrapper module testbed/%s: %w", apiName, apiModule, err)
		}
	}
	fresh := func(name, path, module string) bool {
		if st, err := os.Stat(path); err != nil || st.Mode()&0o111 == 0 {
			return false
		}
		if rootErr != nil {
			return true // outside the repo we cannot check stamps: use what is there
		}
		stamp, err := os.ReadFile(filepath.Join(bin, "."+name+".stamp"))
		if err != nil {
			return true // built before stamps existed; build.sh adopts it
		}
		mod, err := os.ReadFile(filepath.Join(root, "testbed", module, "go.mod"))
		if err != nil {
			return true
		}
		sum := sha256.Sum256(mod)
		return strings.TrimSpace(string(stamp)) == hex.EncodeToString(sum[:])
	}
	if fresh("etcd", b.Etcd, "etcd") && fresh(apiName, b.APIServer, apiModule) {
		return b, nil
	}
	if rootErr != nil {
		return binaries{}, fmt.Errorf("failed to find testbed binaries in %s and cannot build them: %w", bin, rootErr)
	}
	script := filepath.Join(root, "testbed", "build.sh")
	fmt.Fprintf(os.Stderr, "testenv: building testbed binaries with %s\n", script)
	cmd := exec.Command("bash", script)
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.Env = append(os.Environ(), "RIGEL_TESTBED_DIR="+dir)
	if err := cmd.Run(); err != nil {
		return binaries{}, fmt.Errorf("failed to build testbed binaries with %s: %w\n%s", script, err, out.String())
	}
	os.Stderr.Write(out.Bytes())
	for _, p := range []string{b.Etcd, b.APIServer} {
		if _, err := os.Stat(p); err != nil {
			return binaries{}, fmt.Errorf("testbed build finished but %s is missing: %w", p, err)
		}
	}
	return b, nil
}
