package gitsrc

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// CacheOptions bound the cache of a Source (NewBounded).
type CacheOptions struct {
	// MaxBytes is how many bytes the repositories may take together; beyond it the least
	// recently used ones not in use are removed after a fetch or a push. 0: no bound.
	MaxBytes int64
	// InUseFor: a repository fetched or pushed less than this long ago counts as in use (a
	// command may still read its Snapshot) and is not removed, nor is one whose fetch or push
	// runs (its lock is held). Beyond MaxBytes with every repository in use, the cache stays
	// over its bound until one is not.
	InUseFor time.Duration
	// Observer is told the cache's size and each removal; nil: nobody.
	Observer CacheObserver
}

// DefaultInUseFor is CacheOptions.InUseFor of a Source made by New: longer than a command
// reads its snapshot.
const DefaultInUseFor = 10 * time.Minute

// maxLoose is how many loose objects (the new objects of fetches after the first, thinpack.go)
// a repository gathers before its next fetch starts it again from one pack (a variable for
// tests).
var maxLoose = 20_000

// CacheObserver is told what the cache holds (metrics.Metrics: rigel_git_cache_bytes and
// rigel_git_cache_evictions_total).
type CacheObserver interface {
	GitCacheBytes(n int64)
	GitCacheEvicted()
}

// NewBounded is New with a bounded cache.
func NewBounded(cacheDir string, host Host, o CacheOptions) *Source {
	s := New(cacheDir, host)
	s.cache.opts = o
	return s
}

// repoCache knows each repository's size and last use; under its own mu, never held while
// waiting for a repository's lock.
type repoCache struct {
	opts CacheOptions

	mu      sync.Mutex
	scanned bool
	repos   map[string]*cached // by repo dir
	total   int64
}

type cached struct {
	size  int64
	loose int
	used  time.Time
}

// scan learns the repositories a previous process left, their last use being their dir's
// modification time (touched at each use); caller holds c.mu.
func (c *repoCache) scan(root string) {
	if c.scanned {
		return
	}
	c.scanned = true
	if c.repos == nil {
		c.repos = map[string]*cached{}
	}
	dirs, _ := filepath.Glob(filepath.Join(root, "*", "*.git"))
	for _, d := range dirs {
		fi, err := os.Stat(d)
		if err != nil || !fi.IsDir() {
			continue
		}
		if _, ok := c.repos[d]; ok {
			continue
		}
		size, loose := measureRepo(d)
		c.repos[d] = &cached{size: size, loose: loose, used: fi.ModTime()}
		c.total += size
	}
}

// measureRepo is the bytes of the files under dir and how many of them are loose objects.
func measureRepo(dir string) (size int64, loose int) {
	objects := filepath.Join(dir, "objects")
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			size += fi.Size()
		}
		if parent := filepath.Dir(p); filepath.Dir(parent) == objects && len(filepath.Base(parent)) == 2 {
			loose++ // objects/ab/cdef…
		}
		return nil
	})
	return size, loose
}

// stale reports whether the repository in dir gathered so many loose objects that it is
// better fetched again from scratch, and is not in use (a Snapshot of it may still be read
// for InUseFor after its fetch); caller holds dir's lock.
func (s *Source) stale(dir string) bool {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	s.cache.scan(s.cacheDir)
	e, ok := s.cache.repos[dir]
	return ok && e.loose > maxLoose && time.Since(e.used) >= s.cache.opts.InUseFor
}

// used records that the repository in dir was just read (changed false: served from the
// cache), fetched or pushed — caller holds its lock — and removes the least recently used
// repositories not in use while the cache is over its bound.
func (s *Source) used(ctx context.Context, dir string, changed bool) {
	now := time.Now()
	_ = os.Chtimes(dir, now, now) // the order of use survives a restart (scan)
	c := &s.cache
	c.mu.Lock()
	c.scan(s.cacheDir)
	if e, ok := c.repos[dir]; ok && !changed {
		e.used = now
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	size, loose := measureRepo(dir) // not under c.mu: a walk of the repository's files
	c.mu.Lock()
	if e, ok := c.repos[dir]; ok {
		c.total -= e.size
	}
	c.repos[dir] = &cached{size: size, loose: loose, used: now}
	c.total += size
	var victims []string
	if c.opts.MaxBytes > 0 && c.total > c.opts.MaxBytes {
		for d, e := range c.repos {
			if d != dir && now.Sub(e.used) >= c.opts.InUseFor {
				victims = append(victims, d)
			}
		}
		sort.Slice(victims, func(i, j int) bool { return c.repos[victims[i]].used.Before(c.repos[victims[j]].used) })
	}
	c.mu.Unlock()

	log := zerolog.Ctx(ctx)
	for _, d := range victims {
		if !s.evict(ctx, d) {
			continue
		}
		c.mu.Lock()
		over := c.total > c.opts.MaxBytes
		c.mu.Unlock()
		if !over {
			break
		}
	}
	c.mu.Lock()
	total, over := c.total, c.opts.MaxBytes > 0 && c.total > c.opts.MaxBytes
	c.mu.Unlock()
	if over {
		log.Warn().Int64("cache_bytes", total).Int64("cache_max", c.opts.MaxBytes).Msg("git cache over its bound: every other repository is in use")
	}
	if c.opts.Observer != nil {
		c.opts.Observer.GitCacheBytes(total)
	}
}

// evict removes the repository in dir unless its lock is held (a fetch or push of it runs).
func (s *Source) evict(ctx context.Context, dir string) bool {
	unlock, ok := s.tryLock(dir)
	if !ok {
		return false
	}
	defer unlock()
	c := &s.cache
	c.mu.Lock()
	e, known := c.repos[dir]
	if !known || time.Since(e.used) < c.opts.InUseFor { // used meanwhile
		c.mu.Unlock()
		return false
	}
	c.mu.Unlock()
	if err := os.RemoveAll(dir); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Str("repo_dir", dir).Msg("failed to remove a repository from the git cache")
		return false
	}
	c.mu.Lock()
	delete(c.repos, dir)
	c.total -= e.size
	c.mu.Unlock()
	if c.opts.Observer != nil {
		c.opts.Observer.GitCacheEvicted()
	}
	zerolog.Ctx(ctx).Info().Str("repo_dir", dir).Int64("bytes", e.size).Msg("removed the least recently used repository from the git cache")
	return true
}

// forget drops what the cache knows of dir, removed by its lock's holder.
func (s *Source) forget(dir string) {
	c := &s.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.repos[dir]; ok {
		c.total -= e.size
		delete(c.repos, dir)
	}
}
