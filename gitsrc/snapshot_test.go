package gitsrc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

var snapshotFiles = map[string]string{
	"apps/web/k8s/deploy.yaml":             "kind: Deployment\n",
	"apps/web/k8s/svc.yaml":                "kind: Service\n",
	"apps/web/k8s/overlays/prod/kust.yaml": "resources: []\n",
	"apps/api/k8s/cm.yaml":                 "kind: ConfigMap\n",
	"README.md":                            "# repo\n",
	"Zeta.txt":                             "capital letters sort first\n",
}

func snapshotRepo(t *testing.T) (string, *Snapshot) {
	t.Helper()
	repo, _ := newRepo(t, snapshotFiles)
	if _, err := gitServer.CommitSymlink(repo, "main", "apps/web/k8s/link.yaml", "../../../secrets/key.yaml"); err != nil {
		t.Fatal(err)
	}
	return repo, mustFetch(t, New(t.TempDir(), gitHost), request(repo, "refs/heads/main", ""))
}

func TestSnapshotWalk(t *testing.T) {
	_, snap := snapshotRepo(t)
	var got []string
	err := fs.WalkDir(snap, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		got = append(got, fmt.Sprintf("%s %s", p, d.Type()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		". d---------", "README.md ----------", "Zeta.txt ----------",
		"apps d---------", "apps/api d---------", "apps/api/k8s d---------", "apps/api/k8s/cm.yaml ----------",
		"apps/web d---------", "apps/web/k8s d---------", "apps/web/k8s/deploy.yaml ----------",
		"apps/web/k8s/link.yaml L---------", "apps/web/k8s/overlays d---------", "apps/web/k8s/overlays/prod d---------",
		"apps/web/k8s/overlays/prod/kust.yaml ----------", "apps/web/k8s/svc.yaml ----------",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("walk:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for name, content := range snapshotFiles {
		if b, err := fs.ReadFile(snap, name); err != nil || string(b) != content {
			t.Errorf("%s = %q, %v", name, b, err)
		}
	}
}

func TestSnapshotSymlink(t *testing.T) {
	_, snap := snapshotRepo(t)
	const link = "apps/web/k8s/link.yaml"
	fi, err := snap.Stat(link)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&fs.ModeSymlink == 0 || fi.Name() != "link.yaml" || fi.Size() != int64(len("../../../secrets/key.yaml")) {
		t.Fatalf("stat %s: mode %v size %d", link, fi.Mode(), fi.Size())
	}
	for op, f := range map[string]func() error{
		"open":     func() error { _, err := snap.Open(link); return err },
		"readfile": func() error { _, err := snap.ReadFile(link); return err },
		"fs.ReadFile": func() error {
			_, err := fs.ReadFile(snap.FS, link)
			return err
		},
	} {
		err := f()
		if !errors.Is(err, ErrSymlink) || !strings.Contains(err.Error(), "symbolic link") || !strings.Contains(err.Error(), link) {
			t.Errorf("%s: err = %v, want ErrSymlink naming the path", op, err)
		}
	}
	if target, err := snap.ReadLink(link); err != nil || target != "../../../secrets/key.yaml" {
		t.Errorf("ReadLink = %q, %v", target, err)
	}
	if _, err := snap.ReadLink("README.md"); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("ReadLink of a file: %v", err)
	}
	// A path through the link is not followed either.
	if _, err := snap.Open(link + "/x"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("open through symlink: %v", err)
	}
}

func TestSnapshotOps(t *testing.T) {
	_, snap := snapshotRepo(t)
	tests := []struct {
		desc string
		do   func() error
		is   error
	}{
		{"missing file", func() error { _, err := snap.Open("apps/nope.yaml"); return err }, fs.ErrNotExist},
		{"below a file", func() error { _, err := snap.Stat("README.md/x"); return err }, fs.ErrNotExist},
		{"invalid path", func() error { _, err := snap.Open("../etc/passwd"); return err }, fs.ErrInvalid},
		{"absolute path", func() error { _, err := snap.Open("/README.md"); return err }, fs.ErrInvalid},
		{"trailing slash", func() error { _, err := snap.ReadDir("apps/"); return err }, fs.ErrInvalid},
		{"readdir of a file", func() error { _, err := snap.ReadDir("README.md"); return err }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			err := tt.do()
			var pe *fs.PathError
			if err == nil || !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *fs.PathError", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want %v", err, tt.is)
			}
		})
	}

	// Open a directory and page through it.
	f, err := snap.Open("apps/web/k8s")
	if err != nil {
		t.Fatal(err)
	}
	d := f.(fs.ReadDirFile)
	var names []string
	for {
		es, err := d.ReadDir(2)
		for _, e := range es {
			names = append(names, e.Name())
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"deploy.yaml", "link.yaml", "overlays", "svc.yaml"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("paged ReadDir = %v, want %v", names, want)
	}
	// Files carry the commit time and git's executable bit mapping.
	fi, err := snap.Stat("apps/web/k8s/deploy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != 0o644 || fi.Size() != int64(len("kind: Deployment\n")) || fi.ModTime().IsZero() {
		t.Fatalf("deploy.yaml info: %v %d %v", fi.Mode(), fi.Size(), fi.ModTime())
	}
}

// TestSnapshotFSContract runs the standard library's fs.FS conformance checks on a
// snapshot without symlinks.
func TestSnapshotFSContract(t *testing.T) {
	repo, _ := newRepo(t, snapshotFiles)
	snap := mustFetch(t, New(t.TempDir(), gitHost), request(repo, "refs/heads/main", ""))
	var names []string
	for n := range snapshotFiles {
		names = append(names, n)
	}
	if err := fstest.TestFS(snap, names...); err != nil {
		t.Fatal(err)
	}
	sub, err := fs.Sub(snap, "apps/web")
	if err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(sub, "k8s/deploy.yaml", "k8s/overlays/prod/kust.yaml"); err != nil {
		t.Fatal(err)
	}
}

func TestSnapshotSubmodule(t *testing.T) {
	repo, first := newRepo(t, map[string]string{"k8s/a.yaml": "a\n"})
	// git fast-import writes a gitlink (mode 160000) entry, as a submodule leaves in a tree.
	script := fmt.Sprintf("commit refs/heads/main\ncommitter T <t@rigel.invalid> 1704067200 +0000\ndata 4\nsub\nfrom %s\nM 160000 %s vendor/lib\n\n", first, strings.Repeat("1", 40))
	cmd := exec.Command("git", "fast-import", "--quiet")
	cmd.Dir = gitServer.RepoDir(repo)
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fast-import: %v: %s", err, out)
	}
	snap := mustFetch(t, New(t.TempDir(), gitHost), request(repo, "refs/heads/main", ""))
	fi, err := snap.Stat("vendor/lib")
	if err != nil || !fi.IsDir() {
		t.Fatalf("submodule stat: %v %v", fi, err)
	}
	es, err := snap.ReadDir("vendor/lib")
	if err != nil || len(es) != 0 {
		t.Fatalf("submodule ReadDir = %v, %v; want empty", es, err)
	}
	if _, err := snap.Stat("vendor/lib/x"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("inside submodule: %v", err)
	}
}

func TestSnapshotConcurrentReads(t *testing.T) {
	_, snap := snapshotRepo(t)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			err := fs.WalkDir(snap, ".", func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if _, err := d.Info(); err != nil {
					return err
				}
				if d.Type().IsRegular() {
					b, err := fs.ReadFile(snap, p)
					if err != nil {
						return err
					}
					buf.Write(b)
				}
				return nil
			})
			if err == nil && !strings.Contains(buf.String(), "kind: Deployment") {
				err = fmt.Errorf("walk read %q", buf.String())
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
