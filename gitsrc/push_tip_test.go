package gitsrc

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// craftCommit makes a commit on the server by hand (testenv.GitServer.CommitByHand).
func craftCommit(t *testing.T, repo, parent, branch string, files map[string]string, name, email string) string {
	t.Helper()
	commit, err := gitServer.CommitByHand(repo, parent, branch, files, name, email)
	if err != nil {
		t.Fatal(err)
	}
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
