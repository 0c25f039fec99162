package gitsrc

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// craftCommit makes a commit on the server by hand, as a person with push access could: parent
// with files written (a "" content deletes the file), authored and committed by name <email>,
// and points branch at it. It returns the commit.
func craftCommit(t *testing.T, repo, parent, branch string, files map[string]string, name, email string) string {
	t.Helper()
	dir := gitServer.RepoDir(repo)
	index := filepath.Join(t.TempDir(), "index")
	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"--git-dir", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_INDEX_FILE="+index,
			"GIT_AUTHOR_NAME="+name, "GIT_AUTHOR_EMAIL="+email, "GIT_COMMITTER_NAME="+name, "GIT_COMMITTER_EMAIL="+email)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, out)
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
	tree := run("", "write-tree")
	commit := run("", "commit-tree", tree, "-p", parent, "-m", "by hand")
	run("", "update-ref", "refs/heads/"+branch, commit)
	return commit
}

// TestPushTrustsOnlyItsOwnTip: an existing branch is reused only when its tip is exactly the
// change Rigel would push; anything else is a BranchTakenError, and the branch is never moved.
func TestPushTrustsOnlyItsOwnTip(t *testing.T) {
	const bot, botMail = "rigel[bot]", "rigel[bot]@users.noreply.github.com"
	change := map[string]string{"k8s/deploy.yaml": "replicas: 3\n"}
	tests := []struct {
		name string
		// squat prepares the branch on the server (base is main's tip) and returns its tip;
		// "" leaves the branch absent.
		squat  func(t *testing.T, repo, base, branch string) string
		reused bool // Push answers with the existing tip, else it is taken
	}{
		{"no branch: created", func(*testing.T, string, string, string) string { return "" }, false},
		{"Rigel's exact commit: reused", func(t *testing.T, repo, base, branch string) string {
			return craftCommit(t, repo, base, branch, change, bot, botMail)
		}, true},
		{"an extra commit on top: taken", func(t *testing.T, repo, base, branch string) string {
			own := craftCommit(t, repo, base, branch, change, bot, botMail)
			return craftCommit(t, repo, own, branch, map[string]string{"k8s/extra.yaml": "kind: ClusterRoleBinding\n"}, "mallory", "m@example.com")
		}, false},
		{"the same change plus another file, in Rigel's name: taken", func(t *testing.T, repo, base, branch string) string {
			return craftCommit(t, repo, base, branch, map[string]string{"k8s/deploy.yaml": "replicas: 3\n", ".github/workflows/x.yaml": "on: push\n"}, bot, botMail)
		}, false},
		{"the same tree on another parent: taken", func(t *testing.T, repo, base, branch string) string {
			evil := craftCommit(t, repo, base, branch, map[string]string{"k8s/evil.yaml": "x: 1\n"}, "mallory", "m@example.com")
			return craftCommit(t, repo, evil, branch, map[string]string{"k8s/deploy.yaml": "replicas: 3\n", "k8s/evil.yaml": ""}, bot, botMail)
		}, false},
		{"the exact change by someone else: taken", func(t *testing.T, repo, base, branch string) string {
			return craftCommit(t, repo, base, branch, change, "mallory", "m@example.com")
		}, false},
		{"a branch with other content and no pull request: taken", func(t *testing.T, repo, base, branch string) string {
			return craftCommit(t, repo, base, branch, map[string]string{"k8s/deploy.yaml": "replicas: 9\n"}, "alice", "a@example.com")
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo, base := newRepo(t, map[string]string{"k8s/deploy.yaml": "replicas: 1\n"})
			const branch = "rigel/fix-web-1234567"
			tip := tt.squat(t, repo, base, branch)
			src := New(t.TempDir(), gitHost)
			req := pushRequest(repo, base, branch, change)
			res, err := pushAfterFetch(t, src, repo, req)
			var taken *BranchTakenError
			switch {
			case tip == "":
				if err != nil || !res.Pushed || res.Existed {
					t.Fatalf("push = %+v, %v: want a new branch", res, err)
				}
				if got := serverGit(t, repo, "rev-parse", res.Commit+"^"); got != base {
					t.Errorf("parent %s, want %s", got, base)
				}
				return
			case tt.reused:
				if err != nil || res.Pushed || !res.Existed || res.Commit != tip {
					t.Fatalf("push = %+v, %v: want the existing tip %s reused", res, err, tip)
				}
			case !errors.As(err, &taken):
				t.Fatalf("push = %+v, %v: want a BranchTakenError", res, err)
			case taken.Tip != tip || taken.Why == "":
				t.Errorf("taken = %+v, want tip %s and a reason", taken, tip)
			}
			if got := serverGit(t, repo, "rev-parse", "refs/heads/"+branch); got != tip {
				t.Errorf("the branch moved from %s to %s", tip, got)
			}
		})
	}
}

// TestCheckTipNeedsParentTreeAndAuthor: each check of CheckTip on its own.
func TestCheckTipNeedsParentTreeAndAuthor(t *testing.T) {
	repo, base := newRepo(t, map[string]string{"a.yaml": "a: 1\n"})
	own := craftCommit(t, repo, base, "x", map[string]string{"a.yaml": "a: 2\n"}, "rigel[bot]", "rigel[bot]@users.noreply.github.com")
	src := New(t.TempDir(), gitHost)
	mustFetch(t, src, request(repo, "refs/heads/x", ""))
	dir, _ := repoDir(src.cacheDir, repo)
	f, err := openFetcher(context.Background(), dir, request(repo, "refs/heads/x", ""))
	if err != nil {
		t.Fatal(err)
	}
	c, err := objectCommit(f, own)
	if err != nil {
		t.Fatal(err)
	}
	who := Signature{Name: "rigel[bot]", Email: "rigel[bot]@users.noreply.github.com"}
	if why := CheckTip(c, c.ParentHashes[0], c.TreeHash, who); why != "" {
		t.Errorf("own commit: %s", why)
	}
	if why := CheckTip(c, c.TreeHash, c.TreeHash, who); !strings.Contains(why, "not one commit on") {
		t.Errorf("other base: %q", why)
	}
	if why := CheckTip(c, c.ParentHashes[0], c.ParentHashes[0], who); !strings.Contains(why, "other files") {
		t.Errorf("other tree: %q", why)
	}
	if why := CheckTip(c, c.ParentHashes[0], c.TreeHash, Signature{Name: "rigel", Email: "rigel@x"}); !strings.Contains(why, "not made by Rigel") {
		t.Errorf("other author: %q", why)
	}
}

func objectCommit(f *fetcher, sha string) (*object.Commit, error) {
	return object.GetCommit(f.repo.Storer, plumbing.NewHash(sha))
}
