package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// CommitByHand makes a commit in repo on the server as a person with push access could:
// parent with files written (a "" content deletes the file), authored and committed by
// name <email>, and points branch at it. It returns the commit.
func (gs *GitServer) CommitByHand(repo, parent, branch string, files map[string]string, name, email string) (string, error) {
	tmp, err := os.MkdirTemp("", "rigel-index-")
	if err != nil {
		return "", fmt.Errorf("failed to make an index for a commit by hand: %w", err)
	}
	defer os.RemoveAll(tmp)
	index := filepath.Join(tmp, "index")
	var runErr error
	run := func(stdin string, args ...string) string {
		if runErr != nil {
			return ""
		}
		cmd := exec.Command("git", append([]string{"--git-dir", gs.RepoDir(repo)}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_INDEX_FILE="+index,
			"GIT_AUTHOR_NAME="+name, "GIT_AUTHOR_EMAIL="+email, "GIT_COMMITTER_NAME="+name, "GIT_COMMITTER_EMAIL="+email)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			runErr = fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run("", "read-tree", parent)
	for p, c := range files {
		if c == "" {
			run("0 0000000000000000000000000000000000000000\t"+p+"\n", "update-index", "--index-info")
			continue
		}
		blob := run(c, "hash-object", "-w", "--stdin")
		run("", "update-index", "--add", "--cacheinfo", "100644,"+blob+","+p)
	}
	commit := run("", "commit-tree", run("", "write-tree"), "-p", parent, "-m", "by hand")
	run("", "update-ref", "refs/heads/"+branch, commit)
	return commit, runErr
}
