package testenv

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// Git runs the git CLI in dir (the current dir when "") with a hermetic environment: no system
// or global config, no prompt. It is the reference Rigel's fetches are measured against and
// the generator of test repositories (cmd/bench's git figure); Rigel itself never runs git.
func Git(dir string, stdin io.Reader, args ...string) error {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0")
	cmd.Stdin = stdin
	out, err := cmd.CombinedOutput()
	if err != nil {
		if len(out) > 2000 {
			out = out[len(out)-2000:]
		}
		return fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return nil
}
