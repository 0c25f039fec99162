package testenv

import (
	"errors"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/storage/memory"
)

func startGit(t *testing.T) *GitServer {
	t.Helper()
	gs, err := StartGitServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gs.Stop)
	return gs
}

func auth(tok string) *githttp.BasicAuth {
	return &githttp.BasicAuth{Username: "x-access-token", Password: tok}
}

func fileAt(t *testing.T, repo *git.Repository, sha, path string) (string, error) {
	t.Helper()
	c, err := repo.CommitObject(plumbing.NewHash(sha))
	if err != nil {
		t.Fatalf("commit %s: %v", sha, err)
	}
	f, err := c.File(path)
	if err != nil {
		return "", err
	}
	return f.Contents()
}

func TestGitServer(t *testing.T) {
	gs := startGit(t)
	gs.AllowToken("good-token")
	first, err := gs.CreateRepo("acme/web", "main", map[string]string{
		"apps/web/k8s/cm.yaml": "kind: ConfigMap\n",
		"README.md":            "hello\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := gs.CloneURL("acme/web"), gs.URL()+"/acme/web.git"; got != want {
		t.Fatalf("CloneURL = %q, want %q", got, want)
	}

	t.Run("clone with allowed token", func(t *testing.T) {
		repo, err := git.Clone(memory.NewStorage(), memfs.New(), &git.CloneOptions{URL: gs.CloneURL("acme/web"), Auth: auth("good-token")})
		if err != nil {
			t.Fatal(err)
		}
		head, err := repo.Head()
		if err != nil {
			t.Fatal(err)
		}
		if head.Hash().String() != first || head.Name().Short() != "main" {
			t.Fatalf("head = %s %s, want main %s", head.Name(), head.Hash(), first)
		}
		if got, err := fileAt(t, repo, first, "README.md"); err != nil || got != "hello\n" {
			t.Fatalf("README.md = %q, %v", got, err)
		}
	})

	for _, tc := range []struct {
		name string
		auth transport.AuthMethod
	}{
		{"wrong token", auth("bad-token")},
		{"no credentials", nil},
	} {
		t.Run("clone rejected: "+tc.name, func(t *testing.T) {
			_, err := git.Clone(memory.NewStorage(), nil, &git.CloneOptions{URL: gs.CloneURL("acme/web"), Auth: tc.auth})
			if !errors.Is(err, transport.ErrAuthenticationRequired) && !errors.Is(err, transport.ErrAuthorizationFailed) {
				t.Fatalf("err = %v, want an authentication error", err)
			}
		})
	}

	t.Run("revoked token is rejected", func(t *testing.T) {
		gs.AllowToken("short-lived")
		gs.RevokeToken("short-lived")
		_, err := git.Clone(memory.NewStorage(), nil, &git.CloneOptions{URL: gs.CloneURL("acme/web"), Auth: auth("short-lived")})
		if err == nil {
			t.Fatal("clone with a revoked token succeeded")
		}
	})

	t.Run("unknown repo", func(t *testing.T) {
		_, err := git.Clone(memory.NewStorage(), nil, &git.CloneOptions{URL: gs.CloneURL("acme/nope"), Auth: auth("good-token")})
		if err == nil {
			t.Fatal("clone of a missing repo succeeded")
		}
	})

	second, err := gs.Commit("acme/web", "main", map[string]string{"README.md": "", "apps/web/k8s/cm.yaml": "kind: Secret\n"}, "change")
	if err != nil {
		t.Fatal(err)
	}
	pr, err := gs.Commit("acme/web", "feature", map[string]string{"new.txt": "x"}, "feature work")
	if err != nil {
		t.Fatal(err)
	}
	if err := gs.SetRef("acme/web", "refs/pull/7/head", pr); err != nil {
		t.Fatal(err)
	}
	link, err := gs.CommitSymlink("acme/web", "hostile", "apps/web/k8s/passwd.yaml", "/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("commits, deletions, branches and pull refs", func(t *testing.T) {
		repo, err := git.Clone(memory.NewStorage(), nil, &git.CloneOptions{URL: gs.CloneURL("acme/web"), Auth: auth("good-token"), NoCheckout: true})
		if err != nil {
			t.Fatal(err)
		}
		err = repo.Fetch(&git.FetchOptions{Auth: auth("good-token"), RefSpecs: []config.RefSpec{
			"+refs/pull/7/head:refs/remotes/origin/pr/7",
			"+refs/heads/hostile:refs/remotes/origin/hostile",
		}})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := fileAt(t, repo, second, "apps/web/k8s/cm.yaml"); err != nil || got != "kind: Secret\n" {
			t.Fatalf("cm.yaml at second = %q, %v", got, err)
		}
		if _, err := fileAt(t, repo, second, "README.md"); !errors.Is(err, object.ErrFileNotFound) {
			t.Fatalf("README.md should be deleted at second, err = %v", err)
		}
		c, err := repo.CommitObject(plumbing.NewHash(second))
		if err != nil || c.NumParents() != 1 || c.ParentHashes[0].String() != first || c.Message != "change\n" {
			t.Fatalf("second commit = %+v, %v", c, err)
		}
		ref, err := repo.Reference("refs/remotes/origin/pr/7", true)
		if err != nil || ref.Hash().String() != pr {
			t.Fatalf("pr ref = %v, %v; want %s", ref, err, pr)
		}
		if got, err := fileAt(t, repo, pr, "apps/web/k8s/cm.yaml"); err != nil || got != "kind: Secret\n" {
			t.Fatalf("new branch should start from main's tip: cm.yaml = %q, %v", got, err)
		}
		lc, err := repo.CommitObject(plumbing.NewHash(link))
		if err != nil {
			t.Fatal(err)
		}
		f, err := lc.File("apps/web/k8s/passwd.yaml")
		if err != nil {
			t.Fatal(err)
		}
		target, _ := f.Contents()
		if f.Mode != filemode.Symlink || target != "/etc/passwd" {
			t.Fatalf("symlink = mode %v target %q", f.Mode, target)
		}
	})

	t.Run("push with go-git", func(t *testing.T) {
		repo, err := git.Clone(memory.NewStorage(), memfs.New(), &git.CloneOptions{URL: gs.CloneURL("acme/web"), Auth: auth("good-token")})
		if err != nil {
			t.Fatal(err)
		}
		wt, err := repo.Worktree()
		if err != nil {
			t.Fatal(err)
		}
		f, err := wt.Filesystem.Create("pushed.txt")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(f, "pushed\n")
		f.Close()
		if _, err := wt.Add("pushed.txt"); err != nil {
			t.Fatal(err)
		}
		h, err := wt.Commit("push", &git.CommitOptions{Author: &object.Signature{Name: "t", Email: "t@x"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := repo.Push(&git.PushOptions{Auth: auth("good-token")}); err != nil {
			t.Fatal(err)
		}
		got, err := gs.Head("acme/web", "main")
		if err != nil || got != h.String() {
			t.Fatalf("main = %s, %v; want pushed %s", got, err, h)
		}
	})

	t.Run("git cli fetches an unadvertised sha", func(t *testing.T) {
		dir := t.TempDir()
		u, _ := url.Parse(gs.CloneURL("acme/web"))
		u.User = url.UserPassword("x-access-token", "good-token")
		cmd := exec.Command("git", "init", "-q", dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		// first is no longer a branch tip.
		cmd = exec.Command("git", "-C", dir, "fetch", "-q", "--depth=1", u.String(), first)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir, "GIT_TERMINAL_PROMPT=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("fetch by sha: %v: %s", err, out)
		}
		out, err := exec.Command("git", "-C", dir, "rev-parse", "FETCH_HEAD").Output()
		if err != nil || strings.TrimSpace(string(out)) != first {
			t.Fatalf("FETCH_HEAD = %s, %v", out, err)
		}
	})

	t.Run("requests are recorded", func(t *testing.T) {
		found := false
		for _, r := range gs.Requests() {
			if strings.HasPrefix(r, "GET /acme/web.git/info/refs?service=git-upload-pack") {
				found = true
			}
		}
		if !found {
			t.Fatalf("no upload-pack discovery in %v", gs.Requests())
		}
	})

	t.Run("stop removes repos", func(t *testing.T) {
		dir := filepath.Dir(gs.RepoDir("acme/web"))
		gs2 := startGit(t)
		if _, err := gs2.CreateRepo("o/r", "main", nil); err != nil {
			t.Fatalf("repo without files: %v", err)
		}
		d2 := gs2.RepoDir("o/r")
		gs2.Stop()
		if _, err := os.Stat(d2); !os.IsNotExist(err) {
			t.Fatalf("%s still exists after Stop", d2)
		}
		if _, err := os.Stat(dir); err != nil {
			t.Fatalf("first server's repos should be untouched: %v", err)
		}
	})
}
