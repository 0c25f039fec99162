package gitsrc

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFirstFetchIndexedAsGitWould: the first fetch's pack, indexed by indexPack (deltas
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
}

// TestIndexPackRefusesBrokenPack: a pack cut short or with a delta on a base it does not
// hold is an error, not a partial index.
func TestIndexPackRefusesBrokenPack(t *testing.T) {
	repo, _ := newRepo(t, map[string]string{"a.yaml": strings.Repeat("a: 1\n", 100), "b.yaml": strings.Repeat("a: 1\n", 99) + "b: 2\n"})
	cache := t.TempDir()
	mustFetch(t, New(cache, gitHost), request(repo, "main", ""))
	packs, _ := filepath.Glob(filepath.Join(dirOf(t, cache, repo), "objects", "pack", "pack-*.pack"))
	if len(packs) != 1 {
		t.Fatalf("packs %v", packs)
	}
	whole, err := os.ReadFile(packs[0])
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
			if _, _, err := indexPack(p); err == nil {
				t.Fatal("indexed a broken pack")
			}
		})
	}
}

func flipped(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x01
	return c
}
