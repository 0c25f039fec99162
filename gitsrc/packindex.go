package gitsrc

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"io"
	"slices"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
)

// packObject is one object of a fetched pack, as its index names it.
type packObject struct {
	hash   plumbing.Hash
	offset int64
	crc    uint32
	typ    plumbing.ObjectType // the resolved type: a delta's is its base's
}

// packIndex is the objects of one pack, by offset while the indexer reads the pack. It is the
// whole of the indexer's memory besides its delta-base cache: 40 bytes an object, where
// go-git's idxfile.Writer and two maps took about 150 (issue 14: 100,000 files).
type packIndex []packObject

// typeAt is the type of the object at offset off (objects are in the order of the pack).
func (p packIndex) typeAt(off int64) (plumbing.ObjectType, bool) {
	i := sort.Search(len(p), func(i int) bool { return p[i].offset >= off })
	if i == len(p) || p[i].offset != off {
		return 0, false
	}
	return p[i].typ, true
}

// write writes the index of the pack whose checksum is sum in git's pack index format,
// version 2 (gitformat-pack(5)), as git index-pack does; it sorts p by name. An object sent
// twice is indexed once (as go-git's idxfile.Writer did).
func (p packIndex) write(w io.Writer, sum plumbing.Hash) error {
	slices.SortFunc(p, func(a, b packObject) int { return bytes.Compare(a.hash[:], b.hash[:]) })
	objs := slices.CompactFunc(p, func(a, b packObject) bool { return a.hash == b.hash })
	h := sha1.New() // the index's own trailer: of bytes Rigel wrote
	bw := bufio.NewWriterSize(io.MultiWriter(w, h), 64<<10)
	u32 := func(v uint32) { _ = binary.Write(bw, binary.BigEndian, v) }
	bw.Write([]byte{0xff, 't', 'O', 'c'})
	u32(2)
	var fanout [256]uint32
	for _, o := range objs {
		fanout[o.hash[0]]++
	}
	var total uint32
	for _, n := range fanout {
		total += n
		u32(total)
	}
	for _, o := range objs {
		bw.Write(o.hash[:])
	}
	for _, o := range objs {
		u32(o.crc)
	}
	var large []int64 // offsets past 2 GiB: in a table of their own
	for _, o := range objs {
		if o.offset < 0 {
			return errors.New("an object at a negative offset")
		}
		if o.offset <= 0x7fffffff {
			u32(uint32(o.offset))
			continue
		}
		u32(0x80000000 | uint32(len(large)))
		large = append(large, o.offset)
	}
	for _, off := range large {
		_ = binary.Write(bw, binary.BigEndian, uint64(off))
	}
	bw.Write(sum[:])
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(h.Sum(nil))
	return err
}
