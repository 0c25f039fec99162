package gitsrc

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	gogithash "github.com/go-git/go-git/v5/plumbing/hash"
	"github.com/go-git/go-git/v5/storage"
)

// The first fetch of a repository writes the pack as it comes to a file and indexes it at the
// same time in one sequential pass (packFile, indexStream): each object is inflated once, a
// delta is applied to its base from a bounded cache (basecache.go; read again from the file
// when evicted). go-git's own pack writer (storage/filesystem/dotgit.PackWriter) inflates
// most objects twice and keeps up to 96 MiB of them; on a 100,000-file tree it took 2.5× the
// time of git clone --depth 1 and 170 MiB (issue 14).

// packCacheSize bounds the inflated objects the indexer keeps as delta bases besides the last
// one read (basecache.go), until an object bigger than a 16th of it is read; then the
// bound grows to 16 times that object, up to packCacheCeiling. 4 MiB reads no base twice on
// the bench's 100,000-file monorepo (whose bases are 1 or 2 objects before their deltas for
// 99% of them, at most 9,470 objects before): the fetch's process peaks at 110 MiB, against
// 124 MiB with a fixed 32 MiB and 97 MiB with 1 MiB (10,137 bases read twice); 77 MiB of
// each is the process before the fetch (go run ./cmd/bench git).
const (
	packCacheSize    = 4 * cache.MiByte
	packCacheCeiling = 32 * cache.MiByte
)

// maxDeltaDepth bounds the chain of deltas read again from the file for one object.
const maxDeltaDepth = 10_000

// packStorer is the cache's storage with packFile as its pack writer.
type packStorer struct {
	storage.Storer
	dir string // the bare repository
}

// PackfileWriter is where go-git writes a fetched pack (storer.PackfileWriter).
func (p packStorer) PackfileWriter() (io.WriteCloser, error) {
	packDir := filepath.Join(p.dir, "objects", "pack")
	if err := os.MkdirAll(packDir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(packDir, "tmp_pack_")
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	w := &packFile{f: f, dir: packDir, pw: pw, done: make(chan indexed, 1)}
	go func() {
		x := &packIndexer{cacheSize: packCacheSize, cacheMax: packCacheCeiling}
		sum, idx, err := x.indexStream(pr, f.Name())
		if err == nil { // the pack ends at its checksum
			if n, _ := io.Copy(io.Discard, pr); n > 0 {
				err = fmt.Errorf("%d bytes after the pack's checksum", n)
			}
		}
		pr.CloseWithError(err) // a Write after a failure fails with it: the fetch stops
		w.done <- indexed{sum, idx, err}
	}()
	return w, nil
}

// packFile receives a pack: it writes it to a file and indexes it as it comes (git
// index-pack reads the network too), so the first fetch takes about the longer of the two,
// not their sum (issue 14); Close waits for the index and moves both in place.
type packFile struct {
	f    *os.File
	dir  string
	n    int64
	pw   *io.PipeWriter // to the indexer, after the file: a base it reads again is in the file
	done chan indexed
}

// indexed is the indexer's result.
type indexed struct {
	sum plumbing.Hash
	idx packIndex
	err error
}

func (w *packFile) Write(b []byte) (int, error) {
	n, err := w.f.Write(b)
	w.n += int64(n)
	if err != nil {
		return n, err
	}
	if _, err := w.pw.Write(b); err != nil {
		return n, fmt.Errorf("failed to index the fetched pack: %w", err)
	}
	return n, nil
}

func (w *packFile) Close() (err error) {
	tmp := w.f.Name()
	defer func() {
		if err != nil || w.n == 0 {
			_ = os.Remove(tmp)
		}
	}()
	_ = w.pw.Close()
	res := <-w.done
	if err := w.f.Close(); err != nil {
		return err
	}
	if w.n == 0 {
		return nil
	}
	if res.err == nil {
		res.err = checkTrailerOf(tmp, res.sum)
	}
	if res.err != nil {
		return fmt.Errorf("failed to index the fetched pack: %w", res.err)
	}
	sum, idx := res.sum, res.idx
	base := filepath.Join(w.dir, "pack-"+sum.String())
	idxTmp, err := os.CreateTemp(w.dir, "tmp_idx_")
	if err != nil {
		return err
	}
	defer os.Remove(idxTmp.Name())
	if err := idx.write(idxTmp, sum); err != nil {
		_ = idxTmp.Close()
		return err
	}
	if err := idxTmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, base+".pack"); err != nil {
		return err
	}
	return os.Rename(idxTmp.Name(), base+".idx") // the index last: a pack without one is not read
}

// packIndexer resolves the objects of one pack file.
type packIndexer struct {
	cacheSize cache.FileSize        // the first bound of cache's LRU
	cacheMax  cache.FileSize        // its ceiling
	rnd       *packfile.Scanner     // for bases no longer cached
	cache     *baseCache            // inflated objects by offset
	objects   packIndex             // in the order of the pack: by offset
	byHash    map[plumbing.Hash]int // index in objects, for REF deltas; made at the first
	hasher    hash.Hash             // sha1cd, as plumbing.ComputeHash, made once
	scratch   [20]byte
	rereads   int // bases read again from the file: not in the cache
}

var errBaseMissing = errors.New("a delta's base is not in the pack")

// indexStream indexes the pack read from seq, whose bytes read so far are in the file at
// path (bases evicted from the cache are read again there).
func (x *packIndexer) indexStream(seq io.Reader, path string) (plumbing.Hash, packIndex, error) {
	rnd, err := os.Open(path)
	if err != nil {
		return plumbing.ZeroHash, nil, err
	}
	defer rnd.Close()
	sc := packfile.NewScanner(seq)
	_, count, err := sc.Header()
	if err != nil {
		return plumbing.ZeroHash, nil, err
	}
	x.rnd = packfile.NewScanner(rnd)
	x.cache = newBaseCache(x.cacheSize, x.cacheMax)
	x.hasher = gogithash.New(gogithash.CryptoType)
	// The count is the sender's word: room for 131,072 objects (5 MiB) at first.
	x.objects = make(packIndex, 0, min(count, 1<<17))
	var buf bytes.Buffer
	for i := uint32(0); i < count; i++ {
		oh, err := sc.NextObjectHeader()
		if err != nil {
			return plumbing.ZeroHash, nil, err
		}
		buf.Reset()
		_, crc, err := sc.NextObject(&buf)
		if err != nil {
			return plumbing.ZeroHash, nil, err
		}
		content, typ, err := x.resolve(oh, buf.Bytes(), 0)
		if err != nil {
			return plumbing.ZeroHash, nil, err
		}
		e := packObject{hash: x.hash(typ, content), offset: oh.Offset, crc: crc, typ: typ}
		if x.byHash != nil {
			x.byHash[e.hash] = len(x.objects)
		}
		x.objects = append(x.objects, e)
		x.cache.putLast(oh.Offset, content)
	}
	sum, err := sc.Checksum() // checks the SHA-1 of what was read against the pack's last 20 bytes
	if err != nil {
		return plumbing.ZeroHash, nil, err
	}
	return sum, x.objects, nil
}

// hash is the object's name: SHA-1 (with go-git's collision detection) of its header and content.
func (x *packIndexer) hash(typ plumbing.ObjectType, content []byte) plumbing.Hash {
	x.hasher.Reset()
	x.hasher.Write(typ.Bytes())
	x.hasher.Write([]byte{' '})
	x.hasher.Write(strconv.AppendInt(x.scratch[:0], int64(len(content)), 10))
	x.hasher.Write([]byte{0})
	x.hasher.Write(content)
	var h plumbing.Hash
	x.hasher.Sum(h[:0])
	return h
}

// checkTrailerOf checks that sum, the last 20 bytes of the pack file at path, is the SHA-1 of
// what precedes it: the file holds nothing else.
func checkTrailerOf(path string, sum plumbing.Hash) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	h := sha1.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, fi.Size()-int64(len(sum)))); err != nil {
		return err
	}
	if !bytes.Equal(h.Sum(nil), sum[:]) {
		return errors.New("the pack's checksum does not match its content")
	}
	return nil
}

// resolve returns the content and type of the object whose header is oh and whose inflated
// data (the delta, for a delta) is data; data is not kept.
func (x *packIndexer) resolve(oh *packfile.ObjectHeader, data []byte, depth int) ([]byte, plumbing.ObjectType, error) {
	var baseOff int64
	switch oh.Type {
	case plumbing.OFSDeltaObject:
		baseOff = oh.OffsetReference
	case plumbing.REFDeltaObject:
		if x.byHash == nil { // git sends OFS deltas; a REF delta is rare: index by hash from now on
			x.byHash = make(map[plumbing.Hash]int, len(x.objects))
			for i, o := range x.objects {
				x.byHash[o.hash] = i
			}
		}
		i, ok := x.byHash[oh.Reference]
		if !ok {
			return nil, 0, errBaseMissing
		}
		baseOff = x.objects[i].offset
	default:
		return append([]byte(nil), data...), oh.Type, nil
	}
	typ, ok := x.objects.typeAt(baseOff)
	if !ok {
		return nil, 0, errBaseMissing
	}
	base, err := x.content(baseOff, depth+1)
	if err != nil {
		return nil, 0, err
	}
	content, err := packfile.PatchDelta(base, data)
	if err != nil {
		return nil, 0, err
	}
	return content, typ, nil
}

// content is the inflated object at off, from the cache or read again from the file.
func (x *packIndexer) content(off int64, depth int) ([]byte, error) {
	if b, ok := x.cache.get(off); ok {
		return b, nil
	}
	if depth > maxDeltaDepth {
		return nil, fmt.Errorf("a chain of more than %d deltas", maxDeltaDepth)
	}
	x.rereads++
	oh, err := x.rnd.SeekObjectHeader(off)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, _, err := x.rnd.NextObject(&buf); err != nil {
		return nil, err
	}
	b, _, err := x.resolve(oh, buf.Bytes(), depth)
	if err != nil {
		return nil, err
	}
	x.cache.put(off, b)
	return b, nil
}
