package sync

import (
	"bytes"
	"fmt"
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
type guardedFS struct {
	filesys.FileSystem
	bomb error
}

// ReadFile reads a file, refusing an alias bomb.
func (g *guardedFS) ReadFile(p string) ([]byte, error) {
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
