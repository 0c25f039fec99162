package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	gosync "sync/atomic"
	"time"

	"github.com/rigel-gitops/rigel/gitsrc"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// The git figure (issue 14): Rigel's fetch (gitsrc, in a process of its own so its peak RSS
// is its own) against git's, of the generated monorepo (gitrepo.go) served by the real git
// http-backend (testenv.GitServer) through a proxy on 127.0.0.1 that counts the bytes both
// ways. Per round: `git clone --bare --depth 1` and Rigel's first fetch into an empty cache;
// then one file is pushed, and `git fetch --depth 1` and Rigel's next fetch bring it.
// Goals: first fetch ≤ 1.5× git's clone; after the push bytes ≤ 4× and time ≤ 2× git's
// fetch; peak RSS ≤ 150 MiB.
const (
	gitRounds = 3
	gitRepo   = "bench/monorepo"
	gitToken  = "bench-git-token"
)

// gitMain is `bench git`: only the git figure (no cluster needed).
func gitMain() int {
	if err := gitBench(); err != nil {
		fmt.Fprintln(os.Stderr, "bench git:", err)
		return 1
	}
	return 0
}

// gitFetchChild is `bench gitfetch CACHE URL REF`: one Rigel fetch, as the bot does it. It
// prints the commit, the fetch's time in nanoseconds, its own peak RSS in KiB and that peak
// before the fetch (the binary's pages and package initialization): the bot is
// a running process, so its fetch is timed without the start of a process (the Go runtime
// and package initialization of a binary holding Kubernetes' and Helm's libraries: 0.1–0.3 s
// on these machines), which git pays in its column and the process column shows.
//
// The peak RSS is the process's own VmHWM, read at its end, not the rusage the parent gets
// from wait4: Go starts a child with vfork (CLONE_VM), and Linux's exec records the high-water
// mark of the address space it leaves — the parent's — into the child's ru_maxrss
// (fs/exec.c, exec_mmap). A child of a bench that had run the other figures first reported
// the parent's 182.8 MiB, not its own (issue 14).
func gitFetchChild(args []string) int {
	if len(args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: bench gitfetch CACHE-DIR CLONE-URL REF")
		return 2
	}
	host, err := gitsrc.ParseHost(args[1])
	if err == nil {
		var snap *gitsrc.Snapshot
		before := vmHWM(os.Getpid())
		start := time.Now()
		snap, err = gitsrc.New(args[0], host).Fetch(context.Background(), gitsrc.FetchRequest{Repo: gitRepo, CloneURL: args[1], Ref: args[2]})
		if err == nil {
			_, err = snap.ReadFile(gitFile(0)) // a command reads its folder from the snapshot
			took := time.Since(start)
			fmt.Println(snap.Commit, took.Nanoseconds(), vmHWM(os.Getpid()), before)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gitfetch:", err)
		return 1
	}
	return 0
}

// countingProxy forwards to the git server with its credentials and counts the bytes.
type countingProxy struct {
	srv   *httptest.Server
	bytes gosync.Int64
}

func startCountingProxy(target string) (*countingProxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	p := &countingProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("x-access-token:"+gitToken))
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("Authorization", auth)
		if r.Body != nil {
			r.Body = &countingReader{ReadCloser: r.Body, n: &p.bytes}
		}
		rp.ServeHTTP(&countingWriter{ResponseWriter: w, n: &p.bytes}, r)
	}))
	return p, nil
}

type countingReader struct {
	io.ReadCloser
	n *gosync.Int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.ReadCloser.Read(b)
	c.n.Add(int64(n))
	return n, err
}

type countingWriter struct {
	http.ResponseWriter
	n *gosync.Int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// gitSample is one measured transfer.
type gitSample struct {
	wall  time.Duration // the fetch (Rigel: in its process)
	proc  time.Duration // Rigel: the whole process, start included; 0 for git
	bytes int64
	rss   int64 // KiB; 0 for git
	// rssBefore is the peak RSS of Rigel's process before its fetch began, in KiB
	rssBefore int64
}

func gitBench() error {
	src, err := benchGitRepo()
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	gs, err := testenv.StartGitServer()
	if err != nil {
		return err
	}
	defer gs.Stop()
	gs.AllowToken(gitToken)
	served := gs.RepoDir(gitRepo)
	if err := os.MkdirAll(filepath.Dir(served), 0o755); err != nil {
		return err
	}
	if err := gitIn("", nil, "clone", "-q", "--bare", src, served); err != nil { // hard links: cheap
		return err
	}
	for _, kv := range [][2]string{{"http.receivepack", "true"}, {"uploadpack.allowAnySHA1InWant", "true"}} {
		if err := gitIn(served, nil, "config", kv[0], kv[1]); err != nil {
			return err
		}
	}
	proxy, err := startCountingProxy(gs.URL())
	if err != nil {
		return err
	}
	defer proxy.srv.Close()
	cloneURL := proxy.srv.URL + "/" + gitRepo + ".git"
	work, err := os.MkdirTemp("", "rigel-bench-git-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	measureGit := func(dir string, args ...string) (gitSample, error) {
		proxy.bytes.Store(0)
		start := time.Now()
		if err := gitIn(dir, nil, args...); err != nil {
			return gitSample{}, err
		}
		return gitSample{wall: time.Since(start), bytes: proxy.bytes.Load()}, nil
	}
	measureRigel := func(cache string) (gitSample, error) {
		proxy.bytes.Store(0)
		cmd := exec.Command(self, "gitfetch", cache, cloneURL, "refs/heads/main")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		out, err := cmd.Output()
		proc := time.Since(start)
		if err != nil {
			return gitSample{}, fmt.Errorf("bench gitfetch: %w: %s", err, tail(stderr.Bytes()))
		}
		var commit string
		var took, rss, before int64
		if _, err := fmt.Sscan(string(out), &commit, &took, &rss, &before); err != nil || rss <= 0 || before <= 0 {
			return gitSample{}, fmt.Errorf("bench gitfetch printed %q: %v", out, err)
		}
		return gitSample{wall: time.Duration(took), proc: proc, bytes: proxy.bytes.Load(), rss: rss, rssBefore: before}, nil
	}
	var gitClone, rigelFirst, gitFetch, rigelNext []gitSample
	if _, err := measureGit(work, "clone", "-q", "--bare", "--depth", "1", "--branch", "main", cloneURL, filepath.Join(work, "warm")); err != nil {
		return err // a warm-up: the server's files in the page cache for everyone
	}
	fmt.Printf("measuring fetches of %d files, %d commits (%d rounds)…\n", gitFiles, gitCommits, gitRounds)
	for r := 0; r < gitRounds; r++ {
		clone := filepath.Join(work, fmt.Sprintf("git-%d", r))
		cache := filepath.Join(work, fmt.Sprintf("rigel-%d", r))
		s, err := measureGit(work, "clone", "-q", "--bare", "--depth", "1", "--branch", "main", cloneURL, clone)
		if err != nil {
			return err
		}
		gitClone = append(gitClone, s)
		if s, err = measureRigel(cache); err != nil {
			return err
		}
		rigelFirst = append(rigelFirst, s)
		n := gitCommits + r
		i := n * 7919 % gitFiles
		if _, err := gs.Commit(gitRepo, "main", map[string]string{gitFile(i): gitContent(i, n)}, fmt.Sprintf("change %d", n)); err != nil {
			return err
		}
		if s, err = measureGit(clone, "fetch", "-q", "--depth", "1", "origin", "main"); err != nil {
			return err
		}
		gitFetch = append(gitFetch, s)
		if s, err = measureRigel(cache); err != nil {
			return err
		}
		rigelNext = append(rigelNext, s)
	}
	reportGit(gitClone, rigelFirst, gitFetch, rigelNext)
	return nil
}

func medianGit(s []gitSample) gitSample {
	s = append([]gitSample(nil), s...)
	sort.Slice(s, func(i, j int) bool { return s[i].wall < s[j].wall })
	m := s[len(s)/2]
	sort.Slice(s, func(i, j int) bool { return s[i].bytes < s[j].bytes })
	m.bytes = s[len(s)/2].bytes
	sort.Slice(s, func(i, j int) bool { return s[i].proc < s[j].proc })
	m.proc = s[len(s)/2].proc
	for _, x := range s {
		m.rss, m.rssBefore = max(m.rss, x.rss), max(m.rssBefore, x.rssBefore)
	}
	return m
}

func reportGit(gitClone, rigelFirst, gitFetch, rigelNext []gitSample) {
	gc, rf, gf, rn := medianGit(gitClone), medianGit(rigelFirst), medianGit(gitFetch), medianGit(rigelNext)
	rss := func(s gitSample) string {
		if s.rss == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f MiB", float64(s.rss)/1024)
	}
	fmt.Printf("\n%-40s %10s %10s %14s %12s\n", "fetch (median of rounds)", "wall", "process", "bytes", "peak RSS")
	for _, r := range []struct {
		name string
		s    gitSample
	}{
		{"git clone --bare --depth 1", gc}, {"rigel first fetch", rf},
		{"git fetch --depth 1 (after a push)", gf}, {"rigel fetch (after a push)", rn},
	} {
		proc := "-"
		if r.s.proc > 0 {
			proc = r.s.proc.Round(time.Millisecond).String()
		}
		fmt.Printf("%-40s %10s %10s %14d %12s\n", r.name, r.s.wall.Round(time.Millisecond), proc, r.s.bytes, rss(r.s))
	}
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	first := float64(rf.wall) / float64(gc.wall)
	nextWall := float64(rn.wall) / float64(gf.wall)
	nextBytes := float64(rn.bytes) / float64(max(gf.bytes, 1))
	peak := float64(max(rf.rss, rn.rss)) / 1024
	fmt.Println()
	fmt.Printf("git first fetch:  %.2f× git clone --depth 1 (goal ≤ 1.5×: %s)\n", first, verdict(first <= 1.5))
	fmt.Printf("git after a push: %.2f× the bytes (goal ≤ 4×: %s), %.2f× the time (goal ≤ 2×: %s) of git fetch --depth 1\n",
		nextBytes, verdict(nextBytes <= 4), nextWall, verdict(nextWall <= 2))
	fmt.Printf("git peak RSS:     %.1f MiB (goal ≤ 150 MiB: %s; %.1f MiB of it the process before its fetch)\n",
		peak, verdict(peak <= 150), float64(max(rf.rssBefore, rn.rssBefore))/1024)
}
