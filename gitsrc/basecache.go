package gitsrc

import "github.com/go-git/go-git/v5/plumbing/cache"

// baseCache holds the inflated objects the indexer (indexStream) may need again as delta
// bases, by their offset in the pack: the last object of the pack read, whatever its size
// (git often writes a delta's base just before it), and the most recently used others up to
// a byte bound. The
// bound starts small (most manifests are a few kB: 99% of the deltas of the bench's
// 100,000-file monorepo are 1 or 2 objects after their base) and grows to 16 times the
// biggest object read, up to a ceiling, so that a big base with several deltas after it
// (a CRD bundle of some MiB) is not read again from the file for each of them.
type baseCache struct {
	lastOff int64 // -1: none yet
	last    []byte
	ceiling cache.FileSize
	lru     *cache.BufferLRU // an object bigger than its bound is not kept there
}

func newBaseCache(bound, ceiling cache.FileSize) *baseCache {
	return &baseCache{lastOff: -1, ceiling: max(bound, ceiling), lru: cache.NewBufferLRU(bound)}
}

func (c *baseCache) get(off int64) ([]byte, bool) {
	if off == c.lastOff {
		return c.last, true
	}
	return c.lru.Get(off)
}

// putLast keeps b, the object at off just read in pack order; the one before it goes to the LRU.
func (c *baseCache) putLast(off int64, b []byte) {
	if want := 16 * cache.FileSize(len(b)); want > c.lru.MaxSize {
		c.lru.MaxSize = min(want, c.ceiling)
	}
	if c.lastOff >= 0 {
		c.lru.Put(c.lastOff, c.last)
	}
	c.lastOff, c.last = off, b
}

// put keeps b, a base read again out of pack order, in the LRU.
func (c *baseCache) put(off int64, b []byte) { c.lru.Put(off, b) }
