package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// TestDockerignoreKeepsTheBuild checks that .dockerignore leaves in the build context every
// file `go build ./cmd/bot` reads: go.mod, go.sum and the Go and embedded files of every
// package of this module the binary imports.
func TestDockerignoreKeepsTheBuild(t *testing.T) {
	f, err := os.Open("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var patterns []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "!") {
			t.Fatalf("exception %q: this test does not handle them", line)
		}
		patterns = append(patterns, strings.TrimPrefix(strings.TrimSuffix(line, "/"), "/"))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	excluded := func(rel string) string {
		// A pattern excludes a path when it matches the path or one of its parent folders.
		for p := rel; p != "." && p != ""; p = path.Dir(p) {
			for _, pat := range patterns {
				if ok, _ := path.Match(pat, p); ok {
					return pat
				}
				if strings.HasPrefix(pat, "**/") {
					if ok, _ := path.Match(strings.TrimPrefix(pat, "**/"), path.Base(p)); ok {
						return pat
					}
				}
			}
		}
		return ""
	}

	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-deps", "-f", `{{if .Module}}{{if .Module.Main}}{{.Dir}}{{range .GoFiles}} {{.}}{{end}}{{range .EmbedFiles}} {{.}}{{end}}{{end}}{{end}}`, "./cmd/bot")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list ./cmd/bot: %v", err)
	}
	needed := []string{"go.mod", "go.sum"}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		dir, err := filepath.Rel(root, fields[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range fields[1:] {
			needed = append(needed, filepath.ToSlash(filepath.Join(dir, name)))
		}
	}
	if len(needed) < 10 {
		t.Fatalf("go list found only %v", needed)
	}
	for _, rel := range needed {
		if pat := excluded(rel); pat != "" {
			t.Errorf(".dockerignore pattern %q leaves %s out of the build context", pat, rel)
		}
	}
	// And it does leave out what must not be shipped to the builder.
	for _, rel := range []string{".git/config", ".github/dependabot.yml", "deploy/secret.example.yaml", "deploy/grafana/rigel-dashboard.json"} {
		if excluded(rel) == "" {
			t.Errorf(".dockerignore keeps %s in the build context", rel)
		}
	}
}
