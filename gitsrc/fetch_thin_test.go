package gitsrc

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestFetchAfterPushBringsOnlyNewObjects: after a one-file push, the next fetch of a shallow
// cache brings the new commit, the trees on the file's path and the blob — not the whole
// tree again (issue 14; thinpack.go).
func TestFetchAfterPushBringsOnlyNewObjects(t *testing.T) {
	files := map[string]string{}
	for i := 0; i < 300; i++ {
		files[fmt.Sprintf("apps/team-%d/cm-%03d.yaml", i%10, i)] = fmt.Sprintf("index: %d\n", i)
	}
	repo, _ := newRepo(t, files)
	cache := t.TempDir()
	src := New(cache, gitHost)
	mustFetch(t, src, request(repo, "main", ""))
	dir, err := repoDir(cache, repo)
	if err != nil {
		t.Fatal(err)
	}
	packs, loose := countObjects(t, dir)
	if packs != 1 || loose != 0 {
		t.Fatalf("after the first fetch: %d packs and %d loose objects, want one pack", packs, loose)
	}

	tip := mustCommit(t, repo, "main", map[string]string{"apps/team-3/cm-003.yaml": "index: changed\n"}, "one file")
	snap := mustFetch(t, src, request(repo, "main", ""))
	if snap.Commit != tip {
		t.Fatalf("commit %s, want %s", snap.Commit, tip)
	}
	packs, loose = countObjects(t, dir)
	// commit + root tree + apps + apps/team-3 + the blob
	if packs != 1 || loose != 5 {
		t.Fatalf("after a one-file push: %d packs and %d loose objects, want the 1 pack of before and 5 new objects", packs, loose)
	}
	if got := readFile(t, snap, "apps/team-3/cm-003.yaml"); got != "index: changed\n" {
		t.Fatalf("changed file = %q", got)
	}
	if got := readFile(t, snap, "apps/team-4/cm-294.yaml"); got != "index: 294\n" { // from the first pack
		t.Fatalf("unchanged file = %q", got)
	}
}

// countObjects counts the pack files and loose objects of the bare repository in dir.
func countObjects(t *testing.T, dir string) (packs, loose int) {
	t.Helper()
	err := filepath.WalkDir(filepath.Join(dir, "objects"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join(dir, "objects"), p)
		switch {
		case strings.HasPrefix(rel, "pack"+string(filepath.Separator)) && strings.HasSuffix(rel, ".pack"):
			packs++
		case len(filepath.Dir(rel)) == 2:
			loose++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return packs, loose
}
