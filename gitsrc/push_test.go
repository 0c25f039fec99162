package gitsrc

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// serverGit runs git on the server's bare repository, to see what a push left there.
func serverGit(t *testing.T, repo string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"--git-dir", gitServer.RepoDir(repo)}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimRight(string(out), "\n")
}

func pushRequest(repo, base, branch string, files map[string]string) PushRequest {
	fs := map[string][]byte{}
	for p, c := range files {
		fs[p] = []byte(c)
	}
	return PushRequest{
		Repo: repo, CloneURL: gitServer.CloneURL(repo), Base: base, Branch: branch, Files: fs,
		Message: "Fix web\n\nRaise the memory limit.", Author: Signature{Name: "rigel[bot]", Email: "rigel[bot]@users.noreply.github.com", When: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		Token: tokenFunc(testToken),
	}
}

// TestPushBranch commits changed and new files on a fetched (shallow) commit and pushes them
// to a new branch, then runs the same change again, then another change.
func TestPushBranch(t *testing.T) {
	repo, _ := newRepo(t, map[string]string{"apps/web/deploy.yaml": "replicas: 1\n", "apps/web/svc.yaml": "port: 80\n", "README.md": "hi\n", "run.sh": "#!/bin/sh\n"})
	base := mustCommit(t, repo, "main", map[string]string{"apps/web/deploy.yaml": "replicas: 2\n"}, "second")
	src := New(t.TempDir(), gitHost)
	ctx := context.Background()
	mustFetch(t, src, request(repo, "refs/heads/main", "")) // shallow: the first commit is not in the cache

	files := map[string]string{"apps/web/deploy.yaml": "replicas: 3\n", "apps/web/patches/mem.yaml": "memory: 512Mi\n"}
	res, err := src.Push(ctx, pushRequest(repo, base, "rigel/fix-web-abc1234", files))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pushed || res.Existed || len(res.Commit) != 40 {
		t.Fatalf("first push = %+v", res)
	}
	if got := serverGit(t, repo, "rev-parse", "refs/heads/rigel/fix-web-abc1234"); got != res.Commit {
		t.Fatalf("server branch at %s, push said %s", got, res.Commit)
	}
	for p, want := range map[string]string{
		"apps/web/deploy.yaml": "replicas: 3", "apps/web/patches/mem.yaml": "memory: 512Mi",
		"apps/web/svc.yaml": "port: 80", "README.md": "hi", "run.sh": "#!/bin/sh",
	} {
		if got := serverGit(t, repo, "show", res.Commit+":"+p); got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	if got := serverGit(t, repo, "rev-parse", res.Commit+"^"); got != base {
		t.Errorf("parent %s, want the base %s", got, base)
	}
	if got := serverGit(t, repo, "log", "-1", "--format=%an <%ae>|%cn|%s|%b|%aI", res.Commit); got != "rigel[bot] <rigel[bot]@users.noreply.github.com>|rigel[bot]|Fix web|Raise the memory limit.\n|2026-01-02T03:04:05+00:00" {
		t.Errorf("commit = %q", got)
	}
	if out := serverGit(t, repo, "fsck", "--no-dangling"); strings.Contains(out, "error") {
		t.Errorf("fsck: %s", out)
	}
	if got := serverGit(t, repo, "rev-parse", "refs/heads/main"); got != base {
		t.Errorf("main moved to %s", got)
	}

	t.Run("same change again leaves the branch", func(t *testing.T) {
		again, err := pushAfterFetch(t, New(t.TempDir(), gitHost), repo, pushRequest(repo, base, "rigel/fix-web-abc1234", files))
		if err != nil {
			t.Fatal(err)
		}
		if again.Pushed || !again.Existed || again.Commit != res.Commit {
			t.Fatalf("second push = %+v, want the first commit %s untouched", again, res.Commit)
		}
	})
	t.Run("another change leaves the branch and says it is taken", func(t *testing.T) {
		_, err := src.Push(ctx, pushRequest(repo, base, "rigel/fix-web-abc1234", map[string]string{"apps/web/deploy.yaml": "replicas: 4\n"}))
		var taken *BranchTakenError
		if !errors.As(err, &taken) || taken.Tip != res.Commit || taken.Branch != "rigel/fix-web-abc1234" {
			t.Fatalf("err = %v, want a BranchTakenError at %s", err, res.Commit)
		}
		if got := serverGit(t, repo, "rev-parse", "refs/heads/rigel/fix-web-abc1234"); got != res.Commit {
			t.Errorf("branch moved to %s", got)
		}
	})
}

// pushAfterFetch fetches the branch's base into a fresh cache, then pushes.
func pushAfterFetch(t *testing.T, s *Source, repo string, req PushRequest) (PushResult, error) {
	t.Helper()
	mustFetch(t, s, request(repo, "", req.Base))
	return s.Push(context.Background(), req)
}

func TestPushRefusals(t *testing.T) {
	repo, base := newRepo(t, map[string]string{"k8s/deploy.yaml": "replicas: 1\n", "k8s/link": "x"})
	src := New(t.TempDir(), gitHost)
	ctx := context.Background()
	mustFetch(t, src, request(repo, "refs/heads/main", ""))
	branches := func() string { return serverGit(t, repo, "for-each-ref", "--format=%(refname)", "refs/heads/") }
	before := branches()

	tests := []struct {
		name  string
		req   PushRequest
		check func(t *testing.T, err error)
	}{
		{"nothing changes", pushRequest(repo, base, "rigel/same", map[string]string{"k8s/deploy.yaml": "replicas: 1\n"}), func(t *testing.T, err error) {
			if !errors.Is(err, ErrNothingToCommit) {
				t.Fatalf("err = %v, want ErrNothingToCommit", err)
			}
		}},
		{"no files", pushRequest(repo, base, "rigel/none", nil), func(t *testing.T, err error) {
			if !errors.Is(err, ErrNothingToCommit) {
				t.Fatalf("err = %v", err)
			}
		}},
		{"path escapes", pushRequest(repo, base, "rigel/escape", map[string]string{"../x.yaml": "a"}), func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "not a clean path") {
				t.Fatalf("err = %v", err)
			}
		}},
		{"into .git", pushRequest(repo, base, "rigel/dotgit", map[string]string{".git/config": "a"}), func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), ".git") {
				t.Fatalf("err = %v", err)
			}
		}},
		{"file where a directory is", pushRequest(repo, base, "rigel/dir", map[string]string{"k8s": "a"}), func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "k8s is a directory") {
				t.Fatalf("err = %v", err)
			}
		}},
		{"directory where a file is", pushRequest(repo, base, "rigel/file", map[string]string{"k8s/deploy.yaml/x": "a"}), func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "deploy.yaml is a file in the repository, not a directory") {
				t.Fatalf("err = %v", err)
			}
		}},
		{"base not cached", pushRequest(repo, strings.Repeat("ab", 20), "rigel/base", map[string]string{"k8s/deploy.yaml": "replicas: 2\n"}), func(t *testing.T, err error) {
			var cm *CommitMissingError
			if !errors.As(err, &cm) {
				t.Fatalf("err = %v, want a CommitMissingError", err)
			}
		}},
		{"bad branch", pushRequest(repo, base, "rigel/bad..name", map[string]string{"k8s/deploy.yaml": "replicas: 2\n"}), func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "failed to push to") {
				t.Fatalf("err = %v", err)
			}
		}},
		{"token refused", func() PushRequest {
			r := pushRequest(repo, base, "rigel/denied", map[string]string{"k8s/deploy.yaml": "replicas: 2\n"})
			r.Token = tokenFunc("ghs_SECRETBADTOKEN")
			return r
		}(), func(t *testing.T, err error) {
			var pe *PushError
			if !errors.As(err, &pe) || strings.Contains(err.Error(), "SECRETBADTOKEN") || !strings.Contains(err.Error(), "rigel/denied") {
				t.Fatalf("err = %v, want a PushError naming the branch without the token", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := src.Push(ctx, tt.req)
			tt.check(t, err)
		})
	}
	if got := branches(); got != before {
		t.Errorf("refused pushes changed the server's branches:\n%s\nwas:\n%s", got, before)
	}
}
