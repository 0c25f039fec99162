package gitsrc

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// Snapshot is the tree of one commit as a read-only file system, read straight from the
// git object store. It implements fs.ReadDirFS, fs.StatFS and fs.ReadFileFS and is safe
// for concurrent use. ModTime of every entry is the commit's committer time.
type Snapshot struct {
	Commit string // 40-hex SHA
	fs.FS
}

// ReadDir lists a directory, sorted by name.
func (s Snapshot) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(s.FS, name) }

// Stat describes a file, directory or symlink (symlinks are not followed).
func (s Snapshot) Stat(name string) (fs.FileInfo, error) { return fs.Stat(s.FS, name) }

// ReadFile returns a file's content.
func (s Snapshot) ReadFile(name string) ([]byte, error) { return fs.ReadFile(s.FS, name) }

// ReadLink returns a symbolic link's target (never resolved).
func (s Snapshot) ReadLink(name string) (string, error) { return fs.ReadLink(s.FS, name) }

// Lstat is Stat: a Snapshot never follows symlinks.
func (s Snapshot) Lstat(name string) (fs.FileInfo, error) { return fs.Lstat(s.FS, name) }

// openSnapshot opens commit sha of the bare repository in dir with a storage of its own, so
// reading never races with later fetches into the same repository.
func openSnapshot(dir, sha string) (*Snapshot, error) {
	st := newStorage(dir)
	c, err := object.GetCommit(st, plumbing.NewHash(sha))
	if err != nil {
		return nil, fmt.Errorf("failed to read commit %s: %w", short(sha), err)
	}
	return &Snapshot{Commit: sha, FS: &treeFS{
		st:      st,
		root:    c.TreeHash,
		modTime: c.Committer.When,
		trees:   map[plumbing.Hash]*object.Tree{},
	}}, nil
}

// treeFS serves one git tree. go-git's storage is not safe for concurrent use: every
// access holds mu.
type treeFS struct {
	mu      sync.Mutex
	st      storer.EncodedObjectStorer
	root    plumbing.Hash
	modTime time.Time
	trees   map[plumbing.Hash]*object.Tree // decoded trees, under mu
}

// node is one tree entry.
type node struct {
	name string // base name; "." for the root
	mode filemode.FileMode
	hash plumbing.Hash
}

func (n node) isDir() bool { return n.mode == filemode.Dir || n.mode == filemode.Submodule }

func (n node) fsMode() fs.FileMode {
	switch n.mode {
	case filemode.Dir, filemode.Submodule:
		return fs.ModeDir | 0o755
	case filemode.Symlink:
		return fs.ModeSymlink | 0o777
	case filemode.Executable:
		return 0o755
	default:
		return 0o644
	}
}

func (t *treeFS) tree(h plumbing.Hash) (*object.Tree, error) {
	if tr, ok := t.trees[h]; ok {
		return tr, nil
	}
	tr, err := object.GetTree(t.st, h)
	if err != nil {
		return nil, err
	}
	t.trees[h] = tr
	return tr, nil
}

// lookup walks to name without following symlinks; caller holds mu.
func (t *treeFS) lookup(op, name string) (node, error) {
	if !fs.ValidPath(name) {
		return node{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	n := node{name: ".", mode: filemode.Dir, hash: t.root}
	if name == "." {
		return n, nil
	}
	for _, part := range strings.Split(name, "/") {
		if n.mode != filemode.Dir { // a file, symlink or submodule has no children here
			return node{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		tr, err := t.tree(n.hash)
		if err != nil {
			return node{}, &fs.PathError{Op: op, Path: name, Err: err}
		}
		e, err := tr.FindEntry(part)
		if err != nil {
			return node{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		n = node{name: part, mode: e.Mode, hash: e.Hash}
	}
	return n, nil
}

// info describes n; caller holds mu.
func (t *treeFS) info(n node) (fs.FileInfo, error) {
	fi := &fileInfo{name: n.name, mode: n.fsMode(), modTime: t.modTime}
	if !n.isDir() {
		obj, err := t.st.EncodedObject(plumbing.BlobObject, n.hash)
		if err != nil {
			return nil, err
		}
		fi.size = obj.Size()
	}
	return fi, nil
}

// entries lists directory n sorted by name; caller holds mu.
func (t *treeFS) entries(n node) ([]fs.DirEntry, error) {
	if n.mode == filemode.Submodule {
		return []fs.DirEntry{}, nil
	}
	tr, err := t.tree(n.hash)
	if err != nil {
		return nil, err
	}
	out := make([]fs.DirEntry, 0, len(tr.Entries))
	for _, e := range tr.Entries {
		out = append(out, &dirEntry{t: t, n: node{name: e.Name, mode: e.Mode, hash: e.Hash}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// read returns the content of file n; caller holds mu.
func (t *treeFS) read(n node) ([]byte, error) {
	b, err := object.GetBlob(t.st, n.hash)
	if err != nil {
		return nil, err
	}
	r, err := b.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// Open opens a file or directory. Opening a symlink fails with ErrSymlink.
func (t *treeFS) Open(name string) (fs.File, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, err := t.lookup("open", name)
	if err != nil {
		return nil, err
	}
	if n.mode == filemode.Symlink {
		return nil, &fs.PathError{Op: "open", Path: name, Err: ErrSymlink}
	}
	fi, err := t.info(n)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if n.isDir() {
		es, err := t.entries(n)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &dirFile{info: fi, entries: es}, nil
	}
	data, err := t.read(n)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &file{info: fi, Reader: bytes.NewReader(data)}, nil
}

// Stat describes name without following a symlink.
func (t *treeFS) Stat(name string) (fs.FileInfo, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, err := t.lookup("stat", name)
	if err != nil {
		return nil, err
	}
	fi, err := t.info(n)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return fi, nil
}

// ReadDir lists directory name, sorted by name.
func (t *treeFS) ReadDir(name string) ([]fs.DirEntry, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, err := t.lookup("readdir", name)
	if err != nil {
		return nil, err
	}
	if !n.isDir() {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fmt.Errorf("not a directory")}
	}
	es, err := t.entries(n)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	return es, nil
}

// ReadFile returns the content of file name. Reading a symlink fails with ErrSymlink.
func (t *treeFS) ReadFile(name string) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, err := t.lookup("read", name)
	if err != nil {
		return nil, err
	}
	switch {
	case n.mode == filemode.Symlink:
		return nil, &fs.PathError{Op: "read", Path: name, Err: ErrSymlink}
	case n.isDir():
		return nil, &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("is a directory")}
	}
	data, err := t.read(n)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return data, nil
}

// ReadLink returns the target of symlink name.
func (t *treeFS) ReadLink(name string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, err := t.lookup("readlink", name)
	if err != nil {
		return "", err
	}
	if n.mode != filemode.Symlink {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	data, err := t.read(n)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: err}
	}
	return string(data), nil
}

// Lstat is Stat: symlinks are never followed.
func (t *treeFS) Lstat(name string) (fs.FileInfo, error) {
	fi, err := t.Stat(name)
	if pe, ok := err.(*fs.PathError); ok {
		pe.Op = "lstat"
	}
	return fi, err
}
