package gitsrc

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// fakeCacheObserver records what a Source tells its metrics.
type fakeCacheObserver struct {
	mu      sync.Mutex
	bytes   int64
	evicted int
}

func (o *fakeCacheObserver) GitCacheBytes(n int64) { o.mu.Lock(); o.bytes = n; o.mu.Unlock() }
func (o *fakeCacheObserver) GitCacheEvicted()      { o.mu.Lock(); o.evicted++; o.mu.Unlock() }

func (o *fakeCacheObserver) get() (int64, int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.bytes, o.evicted
}

// cacheRepos makes n repositories of about the same size (a few kB each).
func cacheRepos(t *testing.T, n int) []string {
	t.Helper()
	var repos []string
	for i := 0; i < n; i++ {
		files := map[string]string{}
		for j := 0; j < 20; j++ {
			files[fmt.Sprintf("k8s/cm-%d.yaml", j)] = fmt.Sprintf("repo: %d\nfile: %d\n", i, j)
		}
		repo, _ := newRepo(t, files)
		repos = append(repos, repo)
	}
	return repos
}

func dirOf(t *testing.T, cache, repo string) string {
	t.Helper()
	d, err := repoDir(cache, repo)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// TestCacheEvictsLeastRecentlyUsed: over its bound, the cache removes the repository used
// longest ago (by last use, not by first fetch), tells its observer, and fetches a removed
// repository again when asked.
func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	repos := cacheRepos(t, 3)
	cache := t.TempDir()
	probe := New(t.TempDir(), gitHost) // one repository's size, for the bound
	mustFetch(t, probe, request(repos[0], "main", ""))
	one, _ := measureRepo(dirOf(t, probe.cacheDir, repos[0]))

	obs := &fakeCacheObserver{}
	src := NewBounded(cache, gitHost, CacheOptions{MaxBytes: 2*one + one/2, Observer: obs})
	a := mustFetch(t, src, request(repos[0], "main", ""))
	mustFetch(t, src, request(repos[1], "main", ""))
	mustFetch(t, src, request(repos[0], "main", a.Commit)) // repos[0] used again: repos[1] is now the oldest
	if _, evicted := obs.get(); evicted != 0 {
		t.Fatalf("%d evictions under the bound", evicted)
	}
	mustFetch(t, src, request(repos[2], "main", ""))
	if exists(dirOf(t, cache, repos[1])) {
		t.Fatal("the least recently used repository is still cached")
	}
	for _, r := range []string{repos[0], repos[2]} {
		if !exists(dirOf(t, cache, r)) {
			t.Fatalf("%s was removed; only %s should be", r, repos[1])
		}
	}
	bytes, evicted := obs.get()
	if evicted != 1 || bytes <= 0 || bytes > src.cache.opts.MaxBytes {
		t.Fatalf("observer: %d bytes, %d evictions; want ≤ %d bytes and 1 eviction", bytes, evicted, src.cache.opts.MaxBytes)
	}
	if got := readFile(t, mustFetch(t, src, request(repos[1], "main", "")), "k8s/cm-3.yaml"); got != "repo: 1\nfile: 3\n" {
		t.Fatalf("refetched file = %q", got)
	}
}

// TestCacheNeverEvictsInUse: a repository whose fetch runs (its lock is held) or that was
// used less than InUseFor ago is never removed, even with the cache over its bound.
func TestCacheNeverEvictsInUse(t *testing.T) {
	repos := cacheRepos(t, 3)
	tests := []struct {
		name     string
		inUseFor time.Duration
		hold     bool // hold the first repository's lock while fetching the others
	}{
		{name: "lock held", hold: true},
		{name: "used recently", inUseFor: time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cache := t.TempDir()
			obs := &fakeCacheObserver{}
			src := NewBounded(cache, gitHost, CacheOptions{MaxBytes: 1, InUseFor: tc.inUseFor, Observer: obs})
			mustFetch(t, src, request(repos[0], "main", ""))
			first := dirOf(t, cache, repos[0])
			if tc.hold {
				unlock, err := src.lock(ctxFor(t), first)
				if err != nil {
					t.Fatal(err)
				}
				defer unlock()
			}
			mustFetch(t, src, request(repos[1], "main", ""))
			if !exists(first) {
				t.Fatal("a repository in use was removed")
			}
			if _, evicted := obs.get(); evicted != 0 {
				t.Fatalf("%d evictions, want none: every other repository is in use", evicted)
			}
		})
	}
}

// TestCacheRemembersAcrossRestarts: a new Source over the same dir counts the repositories
// already there and removes the one used longest ago (its dir's modification time).
func TestCacheRemembersAcrossRestarts(t *testing.T) {
	repos := cacheRepos(t, 3)
	cache := t.TempDir()
	before := New(cache, gitHost)
	mustFetch(t, before, request(repos[0], "main", ""))
	mustFetch(t, before, request(repos[1], "main", ""))
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(dirOf(t, cache, repos[1]), old, old); err != nil { // repos[1] used long ago
		t.Fatal(err)
	}
	one, _ := measureRepo(dirOf(t, cache, repos[0]))
	obs := &fakeCacheObserver{}
	after := NewBounded(cache, gitHost, CacheOptions{MaxBytes: 2*one + one/2, InUseFor: time.Minute, Observer: obs})
	mustFetch(t, after, request(repos[2], "main", ""))
	if exists(dirOf(t, cache, repos[1])) || !exists(dirOf(t, cache, repos[0])) {
		t.Fatalf("after a restart: %s kept %v, %s kept %v; want the one used an hour ago removed",
			repos[0], exists(dirOf(t, cache, repos[0])), repos[1], exists(dirOf(t, cache, repos[1])))
	}
	if bytes, evicted := obs.get(); evicted != 1 || bytes < 2*one-one/2 {
		t.Fatalf("observer: %d bytes, %d evictions; want the two repositories left (about %d bytes) and 1 eviction", bytes, evicted, 2*one)
	}
}

// TestCacheStartsAgainAfterManyLooseObjects: a repository that gathered more than maxLoose
// loose objects (fetches after a push, thinpack.go) is fetched again from scratch into one pack.
func TestCacheStartsAgainAfterManyLooseObjects(t *testing.T) {
	saved := maxLoose
	maxLoose = 6
	t.Cleanup(func() { maxLoose = saved })
	repo, _ := newRepo(t, map[string]string{"k8s/a.yaml": "a: 0\n"})
	cache := t.TempDir()
	src := NewBounded(cache, gitHost, CacheOptions{})
	dir := dirOf(t, cache, repo)
	mustFetch(t, src, request(repo, "main", ""))
	var tip string
	for i := 1; i <= 3; i++ {
		tip = mustCommit(t, repo, "main", map[string]string{"k8s/a.yaml": fmt.Sprintf("a: %d\n", i)}, "change")
		snap := mustFetch(t, src, request(repo, "main", ""))
		if snap.Commit != tip || readFile(t, snap, "k8s/a.yaml") != fmt.Sprintf("a: %d\n", i) {
			t.Fatalf("fetch %d: commit %s", i, snap.Commit)
		}
	}
	// 4 objects per push (commit, root, k8s, blob): 8 loose after two, then the third fetch
	// starts again from one pack.
	packs, loose := countObjects(t, dir)
	if packs != 1 || loose != 0 {
		t.Fatalf("%d packs, %d loose objects; want the repository fetched again into one pack", packs, loose)
	}
	if entries, _ := filepath.Glob(filepath.Join(dir, "refs", "rigel", "heads", "*")); len(entries) != 1 {
		t.Fatalf("refs after starting again: %v", entries)
	}
}
