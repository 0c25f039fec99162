package gitsrc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/idxfile"
)

// TestFirstFetchIndexedAsGitWould: the first fetch's pack, indexed as it came (deltas
// against bases of the same pack), is one git itself verifies (git verify-pack checks every
// object's hash, offset and CRC against the index) and whose objects are all connected.
func TestFirstFetchIndexedAsGitWould(t *testing.T) {
	files := map[string]string{}
	for i := 0; i < 200; i++ { // similar files: the server packs them as deltas
		files[fmt.Sprintf("apps/team-%d/cm-%03d.yaml", i%7, i)] = strings.Repeat(fmt.Sprintf("key-%d: value\n", i%13), 40) + fmt.Sprintf("index: %d\n", i)
	}
	repo, tip := newRepo(t, files)
	cache := t.TempDir()
	snap := mustFetch(t, New(cache, gitHost), request(repo, "main", ""))
	if snap.Commit != tip || readFile(t, snap, "apps/team-3/cm-101.yaml") != files["apps/team-3/cm-101.yaml"] {
		t.Fatalf("snapshot %s does not read the pushed content", snap.Commit)
	}
	dir := dirOf(t, cache, repo)
	idx, _ := filepath.Glob(filepath.Join(dir, "objects", "pack", "pack-*.idx"))
	tmp, _ := filepath.Glob(filepath.Join(dir, "objects", "pack", "tmp_*"))
	if len(idx) != 1 || len(tmp) != 0 {
		t.Fatalf("pack dir holds indexes %v and temporary files %v; want one index, nothing temporary", idx, tmp)
	}
	out, err := exec.Command("git", "--git-dir", dir, "verify-pack", "-v", idx[0]).CombinedOutput()
	if err != nil {
		t.Fatalf("git verify-pack: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "chain length") {
		t.Fatalf("the pack has no deltas, the test proves nothing:\n%s", out)
	}
	if out, err := exec.Command("git", "--git-dir", dir, "fsck", "--no-dangling", "--connectivity-only").CombinedOutput(); err != nil {
		t.Fatalf("git fsck: %v\n%s", err, out)
	}
	gits := filepath.Join(t.TempDir(), "git.idx") // git's own index of the same pack
	if out, err := exec.Command("git", "index-pack", "-o", gits, strings.TrimSuffix(idx[0], ".idx")+".pack").CombinedOutput(); err != nil {
		t.Fatalf("git index-pack: %v\n%s", err, out)
	}
	ours, err := os.ReadFile(idx[0])
	if err != nil {
		t.Fatal(err)
	}
	if theirs, err := os.ReadFile(gits); err != nil || !bytes.Equal(ours, theirs) {
		t.Fatalf("the index differs from git index-pack's (%d bytes against %d, %v)", len(ours), len(theirs), err)
	}
}

// TestPackIndexLargeOffsets: an object past 2 GiB in a pack goes in the index's table of
// 64-bit offsets, and go-git reads it back there (a pack that large cannot be made in a test).
func TestPackIndexLargeOffsets(t *testing.T) {
	objs := packIndex{
		{hash: plumbing.NewHash("ff00000000000000000000000000000000000001"), offset: 12, crc: 7},
		{hash: plumbing.NewHash("0100000000000000000000000000000000000002"), offset: 5 << 30, crc: 8},
		{hash: plumbing.NewHash("8000000000000000000000000000000000000003"), offset: 0x7fffffff, crc: 9},
		{hash: plumbing.NewHash("0100000000000000000000000000000000000004"), offset: 6 << 30, crc: 10},
	}
	var b bytes.Buffer
	if err := objs.write(&b, plumbing.NewHash("1234567890123456789012345678901234567890")); err != nil {
		t.Fatal(err)
	}
	idx := idxfile.NewMemoryIndex()
	if err := idxfile.NewDecoder(&b).Decode(idx); err != nil {
		t.Fatalf("go-git cannot read the index: %v", err)
	}
	for _, o := range objs {
		off, err := idx.FindOffset(o.hash)
		crc, _ := idx.FindCRC32(o.hash)
		if err != nil || off != o.offset || crc != o.crc {
			t.Errorf("%s: offset %d crc %d (%v); want %d, %d", o.hash, off, crc, err, o.offset, o.crc)
		}
	}
	if n, _ := idx.Count(); n != int64(len(objs)) {
		t.Errorf("count %d, want %d", n, len(objs))
	}
}

// TestIndexPackChainOfBigObjects: with a first cache bound smaller than every object, deltas
// on big bases still read no base twice: the bound grows with the biggest object read (up to
// its ceiling) and the last object read is kept whatever its size. With a bound that cannot
// grow, each delta reads its base (and its base's chain) again from the file.
func TestIndexPackChainOfBigObjects(t *testing.T) {
	files := map[string]string{}
	for i := 0; i < 30; i++ { // 30 similar objects of 8 KiB: one chain of deltas
		files[fmt.Sprintf("crds/bundle-%02d.yaml", i)] = strings.Repeat("spec: {type: object, properties: {}}\n", 220) + fmt.Sprintf("version: %d\n", i)
	}
	pack := fetchedPack(t, files)
	out, err := exec.Command("git", "verify-pack", "-v", strings.TrimSuffix(pack, ".pack")+".idx").CombinedOutput()
	if err != nil {
		t.Fatalf("git verify-pack: %v\n%s", err, out)
	}
	deltas := 0
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) == 7 && f[1] == "blob" {
			deltas++
		}
	}
	if deltas < 20 {
		t.Fatalf("the pack has %d blob deltas, the test proves nothing:\n%s", deltas, out)
	}
	fixed := &packIndexer{cacheSize: 1024, cacheMax: 1024}
	if _, _, err := indexFile(fixed, pack); err != nil || fixed.rereads == 0 {
		t.Fatalf("a fixed 1 KiB cache read %d bases again (%v): the pack does not test the growth", fixed.rereads, err)
	}
	x := &packIndexer{cacheSize: 1024, cacheMax: 1 << 20}
	sum, idx, err := indexFile(x, pack)
	if err != nil {
		t.Fatal(err)
	}
	if x.rereads != 0 {
		t.Errorf("read %d bases again from the file for %d deltas; want none", x.rereads, deltas)
	}
	var ours bytes.Buffer
	if err := idx.write(&ours, sum); err != nil {
		t.Fatal(err)
	}
	theirs, err := os.ReadFile(strings.TrimSuffix(pack, ".pack") + ".idx")
	if err != nil || !bytes.Equal(ours.Bytes(), theirs) {
		t.Fatalf("the index differs from the fetch's (%d bytes against %d, %v)", ours.Len(), len(theirs), err)
	}
}

// TestIndexPackRefusesBrokenPack: a pack cut short or with a delta on a base it does not
// hold is an error, not a partial index.
func TestIndexPackRefusesBrokenPack(t *testing.T) {
	whole, err := os.ReadFile(fetchedPack(t, map[string]string{"a.yaml": strings.Repeat("a: 1\n", 100), "b.yaml": strings.Repeat("a: 1\n", 99) + "b: 2\n"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"cut short", whole[:len(whole)/2]},
		{"header only", whole[:12]},
		{"not a pack", []byte("PACX0000000000000000")},
		{"a byte flipped", flipped(whole, len(whole)-30)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "broken.pack")
			if err := os.WriteFile(p, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, _, err := indexFile(&packIndexer{cacheSize: packCacheSize, cacheMax: packCacheCeiling}, p); err == nil {
				t.Fatal("indexed a broken pack")
			}
		})
	}
}

// fetchedPack is the path of the one pack a first fetch of a repository of files wrote.
func fetchedPack(t *testing.T, files map[string]string) string {
	t.Helper()
	repo, _ := newRepo(t, files)
	cache := t.TempDir()
	mustFetch(t, New(cache, gitHost), request(repo, "main", ""))
	packs, _ := filepath.Glob(filepath.Join(dirOf(t, cache, repo), "objects", "pack", "pack-*.pack"))
	if len(packs) != 1 {
		t.Fatalf("packs %v", packs)
	}
	return packs[0]
}

// indexFile indexes the pack file at path with x, as packFile does while it is written.
func indexFile(x *packIndexer, path string) (plumbing.Hash, packIndex, error) {
	f, err := os.Open(path)
	if err != nil {
		return plumbing.ZeroHash, nil, err
	}
	defer f.Close()
	sum, idx, err := x.indexStream(f, path)
	if err != nil {
		return plumbing.ZeroHash, nil, err
	}
	return sum, idx, checkTrailerOf(path, sum)
}

func flipped(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x01
	return c
}

// TestPackFileIndexesAsItComes: the pack writer of the first fetch indexes the pack while it
// is written (in small pieces, as from the network) and ends with git's own index of it; a
// pack with a byte flipped, cut short, or followed by more bytes is refused and leaves
// nothing in the pack directory.
func TestPackFileIndexesAsItComes(t *testing.T) {
	files := map[string]string{}
	for i := 0; i < 300; i++ {
		files[fmt.Sprintf("apps/cm-%03d.yaml", i)] = strings.Repeat(fmt.Sprintf("key-%d: value\n", i%11), 30) + fmt.Sprintf("index: %d\n", i)
	}
	pack := fetchedPack(t, files)
	whole, err := os.ReadFile(pack)
	if err != nil {
		t.Fatal(err)
	}
	gitsIdx, err := os.ReadFile(strings.TrimSuffix(pack, ".pack") + ".idx")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		ok   bool
	}{
		{"whole", whole, true},
		{"a byte flipped", flipped(whole, len(whole)/2), false},
		{"cut short", whole[:len(whole)-100], false},
		{"bytes after the checksum", append(append([]byte(nil), whole...), "more"...), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			w, err := packStorer{dir: dir}.PackfileWriter()
			if err != nil {
				t.Fatal(err)
			}
			var werr error
			for b := tc.data; len(b) > 0 && werr == nil; {
				n := min(len(b), 1000)
				_, werr = w.Write(b[:n])
				b = b[n:]
			}
			err = errors.Join(werr, w.Close())
			left, _ := filepath.Glob(filepath.Join(dir, "objects", "pack", "*"))
			if !tc.ok {
				if err == nil || len(left) != 0 {
					t.Fatalf("accepted (%v), left %v", err, left)
				}
				if tc.name == "a byte flipped" && werr == nil {
					t.Fatal("every write of a pack broken in its middle was taken: it was not indexed as it came")
				}
				return
			}
			if err != nil || len(left) != 2 {
				t.Fatalf("%v, left %v", err, left)
			}
			idx, _ := filepath.Glob(filepath.Join(dir, "objects", "pack", "pack-*.idx"))
			ours, err := os.ReadFile(idx[0])
			if err != nil || !bytes.Equal(ours, gitsIdx) || filepath.Base(idx[0]) != filepath.Base(strings.TrimSuffix(pack, ".pack")+".idx") {
				t.Fatalf("index %s differs from the fetch's (%v)", idx[0], err)
			}
		})
	}
}
