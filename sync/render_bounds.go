package sync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// Bounds on hostile input beyond file sizes (MaxFileBytes, MaxKustomizeBytes): documents are
// counted before they are decoded, and YAML that kustomize would read is checked for alias
// bombs first.

// tooManyObjects is the refusal of a folder that holds more than MaxObjects objects.
func tooManyObjects(where string) error {
	return fmt.Errorf("%s holds more than %d objects, the most one deployment may hold: split the folder into several deployments", where, MaxObjects)
}

// checkDocCount refuses a YAML file holding more non-blank documents than room (the objects
// a folder may still hold) before any is decoded, so a file of 50,000 tiny documents costs a
// scan, not 50,000 decodes.
func checkDocCount(file string, data []byte, room int) error {
	if !isYAMLName(file) || bytes.Count(data, []byte("\n---")) < room {
		return nil
	}
	n := 0
	for _, doc := range splitYAML(data) {
		if !isBlankYAML(doc.text) {
			n++
		}
	}
	if n > room {
		return tooManyObjects(file)
	}
	return nil
}

func isYAMLName(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

// guardedFS is the file system kustomize builds from: every file kustomize reads is checked
// for alias bombs first (checkAliasBomb), and the first one found is kept for the reply.
// Once ctx is done every call fails, so that a build Render stopped waiting for stops at its
// next file access; and it is read-only (a build that would write, as a git clone or a helm
// run does, fails).
type guardedFS struct {
	filesys.FileSystem
	ctx  context.Context
	bomb error
}

// errReadOnly refuses a write to the repository copy.
var errReadOnly = errors.New("the repository copy a kustomize build reads is read-only")

func (g *guardedFS) stopped() error {
	if g.ctx == nil {
		return nil
	}
	return g.ctx.Err()
}

// ReadFile reads a file, refusing an alias bomb.
func (g *guardedFS) ReadFile(p string) ([]byte, error) {
	if err := g.stopped(); err != nil {
		return nil, err
	}
	data, err := g.FileSystem.ReadFile(p)
	if err != nil {
		return nil, err
	}
	if err := checkAliasBomb(strings.TrimPrefix(p, "/"), data); err != nil {
		if g.bomb == nil {
			g.bomb = err
		}
		return nil, err
	}
	return data, nil
}

func (g *guardedFS) Open(p string) (filesys.File, error) {
	if err := g.stopped(); err != nil {
		return nil, err
	}
	return g.FileSystem.Open(p)
}

func (g *guardedFS) IsDir(p string) bool { return g.stopped() == nil && g.FileSystem.IsDir(p) }

func (g *guardedFS) Exists(p string) bool { return g.stopped() == nil && g.FileSystem.Exists(p) }

func (g *guardedFS) ReadDir(p string) ([]string, error) {
	if err := g.stopped(); err != nil {
		return nil, err
	}
	return g.FileSystem.ReadDir(p)
}

func (g *guardedFS) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	if err := g.stopped(); err != nil {
		return "", "", err
	}
	return g.FileSystem.CleanedAbs(p)
}

func (g *guardedFS) Glob(pattern string) ([]string, error) {
	if err := g.stopped(); err != nil {
		return nil, err
	}
	return g.FileSystem.Glob(pattern)
}

func (g *guardedFS) Walk(p string, fn filepath.WalkFunc) error {
	if err := g.stopped(); err != nil {
		return err
	}
	return g.FileSystem.Walk(p, fn)
}

func (g *guardedFS) Create(string) (filesys.File, error) { return nil, errReadOnly }
func (g *guardedFS) Mkdir(string) error                  { return errReadOnly }
func (g *guardedFS) MkdirAll(string) error               { return errReadOnly }
func (g *guardedFS) RemoveAll(string) error              { return errReadOnly }
func (g *guardedFS) WriteFile(string, []byte) error      { return errReadOnly }

// checkAliasBomb refuses YAML whose aliases expand beyond what a manifest needs ("billion
// laughs"). kustomize expands every alias of what it reads without a bound, so what it reads
// is checked first with the parser plain rendering uses, which refuses excessive aliasing.
// Other parse errors are left to kustomize, which reports them itself.
func checkAliasBomb(file string, data []byte) error {
	if !bytes.Contains(data, []byte("&")) || !bytes.Contains(data, []byte("*")) {
		return nil // no anchor or no alias: nothing to expand
	}
	for _, doc := range splitYAML(data) {
		if _, err := yaml.YAMLToJSON(doc.text); err != nil && strings.Contains(err.Error(), "excessive aliasing") {
			return yamlError(file, doc, err)
		}
	}
	return nil
}
