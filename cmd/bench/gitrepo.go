package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// The git figure's repository (issue 14): a monorepo of gitFiles small manifests in
// d00/a0/f000.yaml … d99/a9/f099.yaml and gitCommits commits (the first adds every file,
// each later one changes one file), made once with git fast-import into the user's cache
// dir and reused by every later run: generating it takes a while on a shared machine.
const (
	gitFiles   = 100_000
	gitCommits = 2_000
	gitRepoVer = "v1" // bump when the generated content changes
)

// gitFile is the path of file i of the generated repository.
func gitFile(i int) string {
	return fmt.Sprintf("d%02d/a%d/f%03d.yaml", i/1000, i/100%10, i%100)
}

// gitContent is the content of file i at revision rev.
func gitContent(i, rev int) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%06d\n  namespace: team-%02d\ndata:\n  revision: \"%d\"\n", i, i/1000, rev)
}

// benchGitRepo returns the bare repository of the git figure, generating it the first time.
func benchGitRepo() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "rigel-bench", "monorepo-"+gitRepoVer+".git")
	if _, err := os.Stat(filepath.Join(dir, "rigel-bench-done")); err == nil {
		return dir, nil
	}
	fmt.Printf("generating a repository of %d files and %d commits into %s (once)…\n", gitFiles, gitCommits, dir)
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(tmp), 0o755); err != nil {
		return "", err
	}
	if err := gitIn("", nil, "init", "-q", "--bare", "--initial-branch=main", tmp); err != nil {
		return "", err
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeHistory(pw)) }()
	if err := gitIn(tmp, pr, "fast-import", "--quiet"); err != nil {
		return "", err
	}
	if err := gitIn(tmp, nil, "repack", "-a", "-d", "-q"); err != nil {
		return "", err
	}
	for _, kv := range [][2]string{{"http.receivepack", "true"}, {"uploadpack.allowAnySHA1InWant", "true"}} {
		if err := gitIn(tmp, nil, "config", kv[0], kv[1]); err != nil {
			return "", err
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, "rigel-bench-done"), nil, 0o644); err != nil {
		return "", err
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	return dir, os.Rename(tmp, dir)
}

// writeHistory writes the repository's history as a fast-import stream.
func writeHistory(w io.Writer) error {
	b := bufio.NewWriterSize(w, 1<<20)
	when := int64(1704067200)
	commit := func(n int, files func()) {
		msg := fmt.Sprintf("change %d\n", n)
		fmt.Fprintf(b, "commit refs/heads/main\nmark :%d\n", n+1)
		fmt.Fprintf(b, "author Bench <bench@rigel.invalid> %d +0000\ncommitter Bench <bench@rigel.invalid> %d +0000\n", when+int64(n), when+int64(n))
		fmt.Fprintf(b, "data %d\n%s", len(msg), msg)
		if n > 0 {
			fmt.Fprintf(b, "from :%d\n", n)
		}
		files()
		b.WriteString("\n")
	}
	inline := func(path, content string) {
		fmt.Fprintf(b, "M 100644 inline %s\ndata %d\n%s\n", path, len(content), content)
	}
	commit(0, func() {
		for i := 0; i < gitFiles; i++ {
			inline(gitFile(i), gitContent(i, 0))
		}
	})
	for n := 1; n < gitCommits; n++ {
		i := n * 7919 % gitFiles // scattered over the tree
		commit(n, func() { inline(gitFile(i), gitContent(i, n)) })
	}
	return b.Flush()
}

// gitIn runs the git CLI in dir (testenv.Git: the reference, and the repository's generator).
func gitIn(dir string, stdin io.Reader, args ...string) error {
	return testenv.Git(dir, stdin, args...)
}
