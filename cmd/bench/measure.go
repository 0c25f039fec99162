package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	gosync "sync"
	"time"
)

// measure runs a command and returns its wall time and peak memory; want lists exit codes
// that are not failures (kubectl diff and rigel diff exit 1 when there are changes).
//
// The command runs under cmd/bench/measured, a parent that imports next to nothing, which
// times it and reads its peak RSS from wait4. Go starts a child with vfork, so until the
// child's exec its memory is its parent's, and the kernel counts the parent's peak into the
// child's: run from this process (whose peak grows with the parts of the bench before), wait4
// said 336 MiB for commands that peaked at 89–113 MiB, and a copy of this binary as the parent
// (78 MiB just started) said 78 MiB for /bin/true.
func measure(want []int, name string, args ...string) (sample, error) {
	launcher, err := measuredBinary()
	if err != nil {
		return sample{}, err
	}
	out, err := os.CreateTemp("", "bench-out-")
	if err != nil {
		return sample{}, err
	}
	defer os.Remove(out.Name())
	defer out.Close()
	result := out.Name() + ".measured"
	defer os.Remove(result)
	cmd := exec.Command(launcher, append([]string{result, name}, args...)...)
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Run()
	code := cmd.ProcessState.ExitCode()
	ok := err == nil
	for _, w := range want {
		ok = ok || code == w
	}
	if !ok {
		b, _ := os.ReadFile(out.Name())
		return sample{}, fmt.Errorf("%s %v: exit %d: %v\n%s", name, args, code, err, tail(b))
	}
	b, err := os.ReadFile(result)
	if err != nil {
		return sample{}, fmt.Errorf("%s %v: no figures from its measuring parent: %w", name, args, err)
	}
	var wallNs, rssKiB int64
	if _, err := fmt.Sscan(strings.TrimSpace(string(b)), &wallNs, &rssKiB); err != nil {
		return sample{}, fmt.Errorf("%s %v: unreadable figures %q: %w", name, args, b, err)
	}
	return sample{wall: time.Duration(wallNs), maxRSS: rssKiB}, nil
}

// measuredBinary builds cmd/bench/measured once per bench process, into the user's cache
// (beside the generated monorepo, gitrepo.go), over the copy an earlier run left.
var measuredBinary = gosync.OnceValues(func() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder for the bench's measuring parent: %w", err)
	}
	bin := filepath.Join(cache, "rigel-bench", "measured")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", err
	}
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/bench/measured").CombinedOutput(); err != nil {
		return "", fmt.Errorf("failed to build cmd/bench/measured: %v\n%s", err, out)
	}
	return bin, nil
})
