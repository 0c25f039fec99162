package gitsrc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

func TestFetchFirstAndIncremental(t *testing.T) {
	repo, first := newRepo(t, map[string]string{"apps/web/k8s/a.yaml": "a: 1\n", "README.md": "hi\n"})
	src := New(t.TempDir(), gitHost)

	snap := mustFetch(t, src, request(repo, "refs/heads/main", ""))
	if snap.Commit != first {
		t.Fatalf("commit %s, want %s", snap.Commit, first)
	}
	if got := readFile(t, snap, "apps/web/k8s/a.yaml"); got != "a: 1\n" {
		t.Fatalf("a.yaml = %q", got)
	}

	second := mustCommit(t, repo, "main", map[string]string{"apps/web/k8s/a.yaml": "a: 2\n", "apps/web/k8s/b.yaml": "b: 1\n"}, "second")
	snap2 := mustFetch(t, src, request(repo, "main", "")) // short ref form
	if snap2.Commit != second {
		t.Fatalf("commit %s, want %s", snap2.Commit, second)
	}
	if got := readFile(t, snap2, "apps/web/k8s/a.yaml"); got != "a: 2\n" {
		t.Fatalf("a.yaml = %q", got)
	}
	if got := readFile(t, snap2, "apps/web/k8s/b.yaml"); got != "b: 1\n" {
		t.Fatalf("b.yaml = %q", got)
	}
	// The first snapshot still reads its own commit.
	if got := readFile(t, snap, "apps/web/k8s/a.yaml"); got != "a: 1\n" {
		t.Fatalf("old snapshot a.yaml = %q", got)
	}
	if _, err := snap.Stat("apps/web/k8s/b.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("b.yaml in the first commit: %v", err)
	}

	third := mustCommit(t, repo, "main", map[string]string{"apps/web/k8s/b.yaml": ""}, "delete b")
	snap3 := mustFetch(t, src, request(repo, "refs/heads/main", ""))
	if snap3.Commit != third {
		t.Fatalf("commit %s, want %s", snap3.Commit, third)
	}
	if _, err := snap3.Stat("apps/web/k8s/b.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("deleted b.yaml: %v", err)
	}
}

// TestFetchHistoryInOneCache moves back and forth in history and across a force-push with
// one shallow cache.
func TestFetchHistoryInOneCache(t *testing.T) {
	repo, v1 := newRepo(t, map[string]string{"k8s/a.yaml": "v1\n"})
	v2 := mustCommit(t, repo, "main", map[string]string{"k8s/a.yaml": "v2\n"}, "v2")
	v3 := mustCommit(t, repo, "main", map[string]string{"k8s/a.yaml": "v3\n"}, "v3")
	cache := t.TempDir()
	src := New(cache, gitHost)
	steps := []struct {
		desc   string
		before func()
		commit string // wanted; "" = the branch tip
		want   string // commit expected
		body   string
	}{
		{desc: "tip", want: v3, body: "v3\n"},
		{desc: "oldest by SHA", commit: v1, want: v1, body: "v1\n"},
		{desc: "middle by SHA", commit: v2, want: v2, body: "v2\n"},
		{desc: "new tip", before: func() { mustCommit(t, repo, "main", map[string]string{"k8s/a.yaml": "v4\n"}, "v4") }, body: "v4\n"},
		{desc: "force-pushed to another history", before: func() {
			other := mustCommit(t, repo, "rewrite", map[string]string{"k8s/a.yaml": "rewritten\n", "k8s/b.yaml": "b\n"}, "rewrite")
			if err := gitServer.SetRef(repo, "refs/heads/main", other); err != nil {
				t.Fatal(err)
			}
		}, body: "rewritten\n"},
		{desc: "cached old commit still served", commit: v2, want: v2, body: "v2\n"},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		want := st.want
		if want == "" {
			var err error
			if want, err = gitServer.Head(repo, "main"); err != nil {
				t.Fatal(err)
			}
		}
		snap := mustFetch(t, src, request(repo, "refs/heads/main", st.commit))
		if snap.Commit != want || readFile(t, snap, "k8s/a.yaml") != st.body {
			t.Fatalf("%s: got %s %q, want %s %q", st.desc, short(snap.Commit), readFile(t, snap, "k8s/a.yaml"), short(want), st.body)
		}
	}
	assertNoToken(t, cache)
}

// assertNoToken fails when any file under dir holds the test token.
func assertNoToken(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(testToken)) {
			t.Errorf("%s holds the token", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFetchPullRequestRef(t *testing.T) {
	repo, _ := newRepo(t, map[string]string{"k8s/a.yaml": "main\n"})
	pr := mustCommit(t, repo, "feature", map[string]string{"k8s/a.yaml": "feature\n"}, "feature work")
	if err := gitServer.SetRef(repo, "refs/pull/7/head", pr); err != nil {
		t.Fatal(err)
	}
	src := New(t.TempDir(), gitHost)
	mustFetch(t, src, request(repo, "refs/heads/main", ""))
	snap := mustFetch(t, src, request(repo, "refs/pull/7/head", ""))
	if snap.Commit != pr || readFile(t, snap, "k8s/a.yaml") != "feature\n" {
		t.Fatalf("PR snapshot %s: %q", snap.Commit, readFile(t, snap, "k8s/a.yaml"))
	}
	// The PR moves on: fetching the same ref gets the new head.
	pr2 := mustCommit(t, repo, "feature", map[string]string{"k8s/a.yaml": "feature 2\n"}, "more work")
	if err := gitServer.SetRef(repo, "refs/pull/7/head", pr2); err != nil {
		t.Fatal(err)
	}
	if snap := mustFetch(t, src, request(repo, "refs/pull/7/head", "")); snap.Commit != pr2 || readFile(t, snap, "k8s/a.yaml") != "feature 2\n" {
		t.Fatalf("PR snapshot after push: %s", snap.Commit)
	}
}

func TestFetchExactCommit(t *testing.T) {
	repo, first := newRepo(t, map[string]string{"k8s/a.yaml": "v1\n"})
	second := mustCommit(t, repo, "main", map[string]string{"k8s/a.yaml": "v2\n"}, "v2")
	mustCommit(t, repo, "main", map[string]string{"k8s/a.yaml": "v3\n"}, "v3")

	tests := []struct {
		desc, ref, commit, want string
	}{
		{"old commit of the branch", "refs/heads/main", first, "v1\n"},
		{"middle commit", "refs/heads/main", second, "v2\n"},
		{"ref gone, commit still there", "refs/pull/99/head", second, "v2\n"},
		{"no ref", "", first, "v1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			src := New(t.TempDir(), gitHost) // empty cache each time
			snap := mustFetch(t, src, request(repo, tt.ref, tt.commit))
			if snap.Commit != tt.commit || readFile(t, snap, "k8s/a.yaml") != tt.want {
				t.Fatalf("snapshot %s: %q, want %s %q", snap.Commit, readFile(t, snap, "k8s/a.yaml"), tt.commit, tt.want)
			}
		})
	}
}

func TestFetchCachedCommitNeedsNoNetwork(t *testing.T) {
	repo, first := newRepo(t, map[string]string{"k8s/a.yaml": "v1\n"})
	src := New(t.TempDir(), gitHost)
	mustFetch(t, src, request(repo, "refs/heads/main", ""))
	mustCommit(t, repo, "main", map[string]string{"k8s/a.yaml": "v2\n"}, "v2")

	before := len(gitServer.Requests())
	req := request(repo, "refs/heads/main", first)
	req.Token = func(ctx context.Context) (string, string, error) {
		return "", "", errors.New("no token should be needed")
	}
	snap := mustFetch(t, src, req)
	if snap.Commit != first || readFile(t, snap, "k8s/a.yaml") != "v1\n" {
		t.Fatalf("snapshot %s", snap.Commit)
	}
	if after := len(gitServer.Requests()); after != before {
		t.Fatalf("a cached commit made %d requests: %v", after-before, gitServer.Requests()[before:])
	}
}

func TestFetchMissingCommit(t *testing.T) {
	repo, _ := newRepo(t, map[string]string{"k8s/a.yaml": "v1\n"})
	gone := "abc1234" + strings.Repeat("0", 33)
	for _, ref := range []string{"refs/heads/main", ""} {
		t.Run("ref="+ref, func(t *testing.T) {
			_, err := New(t.TempDir(), gitHost).Fetch(ctxFor(t), request(repo, ref, gone))
			want := "commit abc1234 is not in " + repo + " any more (force-pushed?)"
			var missing *CommitMissingError
			if err == nil || err.Error() != want || !errors.As(err, &missing) {
				t.Fatalf("err = %v, want %q", err, want)
			}
		})
	}
}

func TestFetchErrors(t *testing.T) {
	repo, _ := newRepo(t, map[string]string{"k8s/a.yaml": "v1\n"})
	const wrong = "ghs_WRONGTOKEN_s3cr3t"
	tests := []struct {
		desc  string
		req   FetchRequest
		want  string
		is    error
		leaks []string
	}{
		{
			desc:  "wrong token",
			req:   FetchRequest{Repo: repo, CloneURL: gitServer.CloneURL(repo), Ref: "refs/heads/main", Token: tokenFunc(wrong)},
			want:  "failed to fetch refs/heads/main of " + repo + ": authentication required",
			is:    transport.ErrAuthenticationRequired,
			leaks: []string{wrong},
		},
		{
			desc: "no token",
			req:  FetchRequest{Repo: repo, CloneURL: gitServer.CloneURL(repo), Ref: "refs/heads/main"},
			want: "failed to fetch refs/heads/main of " + repo + ": authentication required",
			is:   transport.ErrAuthenticationRequired,
		},
		{
			desc:  "wrong token, exact commit",
			req:   FetchRequest{Repo: repo, CloneURL: gitServer.CloneURL(repo), Commit: strings.Repeat("ab", 20), Token: tokenFunc(wrong)},
			want:  "failed to fetch commit ababab" + "a of " + repo + ": authentication required",
			is:    transport.ErrAuthenticationRequired,
			leaks: []string{wrong},
		},
		{
			desc: "unknown repo",
			req:  request("acme/nope", "refs/heads/main", ""),
			want: "failed to fetch refs/heads/main of acme/nope: repository not found",
			is:   transport.ErrRepositoryNotFound,
		},
		{
			desc: "unknown ref",
			req:  request(repo, "refs/heads/nope", ""),
			want: "failed to fetch refs/heads/nope of " + repo + ": no such ref",
		},
		{
			desc:  "credentials in URL",
			req:   FetchRequest{Repo: repo, CloneURL: strings.Replace(gitServer.CloneURL(repo), "http://", "http://x:"+wrong+"@", 1), Ref: "refs/heads/main"},
			want:  "failed to fetch " + repo + ": clone URL must not carry credentials",
			leaks: []string{wrong},
		},
		{
			desc: "token func fails",
			req:  FetchRequest{Repo: repo, CloneURL: gitServer.CloneURL(repo), Ref: "refs/heads/main", Token: func(context.Context) (string, string, error) { return "", "", errors.New("installation suspended") }},
			want: "failed to fetch " + repo + ": failed to get a token: installation suspended",
		},
		{desc: "bad repo name", req: request("acme/../etc", "refs/heads/main", ""), want: `invalid repository name "acme/../etc"`},
		{desc: "bad ref", req: request(repo, "refs/heads/a..b", ""), want: `invalid ref "refs/heads/a..b"`},
		{desc: "short sha", req: request(repo, "refs/heads/main", "abc1234"), want: `commit "abc1234" is not a full 40-hex SHA`},
		{desc: "nothing wanted", req: request(repo, "", ""), want: "no ref and no commit"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			_, err := New(t.TempDir(), gitHost).Fetch(ctxFor(t), tt.req)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("errors.Is(%v, %v) = false", err, tt.is)
			}
			for _, l := range tt.leaks {
				if strings.Contains(err.Error(), l) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), l) {
					t.Fatalf("error leaks %q: %v", l, err)
				}
			}
		})
	}
}

func TestFetchConcurrentSameRepo(t *testing.T) {
	repo, _ := newRepo(t, map[string]string{"k8s/a.yaml": "v1\n"})
	head := mustCommit(t, repo, "main", map[string]string{"k8s/b.yaml": "b\n"}, "b")
	other, otherHead := newRepo(t, map[string]string{"k8s/x.yaml": "x\n"})
	src := New(t.TempDir(), gitHost)
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			snap, err := src.Fetch(ctxFor(t), request(repo, "refs/heads/main", ""))
			if err == nil && snap.Commit != head {
				err = fmt.Errorf("commit %s, want %s", snap.Commit, head)
			}
			if err == nil {
				var b []byte
				if b, err = snap.ReadFile("k8s/b.yaml"); err == nil && string(b) != "b\n" {
					err = fmt.Errorf("b.yaml = %q", b)
				}
			}
			errs <- err
		}()
		go func() {
			defer wg.Done()
			snap, err := src.Fetch(ctxFor(t), request(other, "refs/heads/main", otherHead))
			if err == nil && snap.Commit != otherHead {
				err = fmt.Errorf("commit %s, want %s", snap.Commit, otherHead)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestFetchWaitRespectsContext(t *testing.T) {
	repo, _ := newRepo(t, map[string]string{"k8s/a.yaml": "v1\n"})
	src := New(t.TempDir(), gitHost)
	dir, _ := repoDir(src.cacheDir, repo)
	unlock, err := src.lock(context.Background(), dir) // another fetch holds the repo
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := src.Fetch(ctx, request(repo, "refs/heads/main", "")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded while waiting", err)
	}
	unlock()
	mustFetch(t, src, request(repo, "refs/heads/main", ""))
}

func TestFetchRecreatesBrokenCache(t *testing.T) {
	repo, sha := newRepo(t, map[string]string{"k8s/a.yaml": "v1\n"})
	src := New(t.TempDir(), gitHost)
	dir, err := repoDir(src.cacheDir, repo)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil { // an empty dir: an interrupted init
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "junk"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if snap := mustFetch(t, src, request(repo, "refs/heads/main", "")); snap.Commit != sha {
		t.Fatalf("commit %s, want %s", snap.Commit, sha)
	}
}
