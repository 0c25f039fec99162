package sync

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// EmptyFolderError refuses a folder that holds nothing Rigel can render: no manifest, no
// jsonnet file, or only files holding no object. Found says, file by file, what is there
// instead ("Chart.yaml: a Helm chart, …"); a folder rendered as empty would make a preview of
// nothing (or, with prune, of deleting everything) look like success.
type EmptyFolderError struct {
	Dir   string
	Found []string // "name: what it is", at most maxFound, then "… and N more"
}

func (e *EmptyFolderError) Error() string {
	if len(e.Found) == 0 {
		return fmt.Sprintf("%s holds nothing Rigel can render: it is empty. Rigel renders *.yaml, *.yml and *.json manifests, *.jsonnet files, a kustomization or a Helm chart", e.Dir)
	}
	return fmt.Sprintf("%s holds nothing Rigel can render (Rigel renders *.yaml, *.yml and *.json manifests, *.jsonnet files, a kustomization or a Helm chart); it holds: %s", e.Dir, strings.Join(e.Found, "; "))
}

// maxFound bounds what an EmptyFolderError lists.
const maxFound = 20

// emptyFolder describes what a folder rendered as empty holds, walking it as renderPlain does.
func emptyFolder(fsys fs.FS, dir string) error {
	e := &EmptyFolderError{Dir: dir}
	more := 0
	note := func(s string) {
		if len(e.Found) < maxFound {
			e.Found = append(e.Found, s)
		} else {
			more++
		}
	}
	var walk func(d string)
	walk = func(d string) {
		entries, err := fs.ReadDir(fsys, d)
		if err != nil {
			note(fmt.Sprintf("%s: cannot be read (%v)", rel(dir, d), err))
			return
		}
		for _, en := range entries {
			p := path.Join(d, en.Name())
			name := rel(dir, p)
			if isHidden(en.Name()) {
				continue
			}
			if en.IsDir() {
				sub, err := fs.ReadDir(fsys, p)
				switch {
				case err != nil:
					note(fmt.Sprintf("%s/: cannot be read (%v)", name, err))
				case chartIn(sub):
					note(fmt.Sprintf("%s/: a Helm chart, a deployment of its own: add %s as a deployment", name, p))
				case kustomizationIn(sub) != "":
					note(fmt.Sprintf("%s/: a kustomization, a deployment of its own: add %s as a deployment", name, p))
				default:
					walk(p)
				}
				continue
			}
			note(name + ": " + describeFile(en))
		}
	}
	walk(dir)
	if more > 0 {
		e.Found = append(e.Found, fmt.Sprintf("… and %d more", more))
	}
	return fmt.Errorf("failed to render %s: %w", dir, e)
}

// describeFile says what a file of a folder rendered as empty is, for EmptyFolderError.
func describeFile(en fs.DirEntry) string {
	n := en.Name()
	switch {
	case en.Type()&fs.ModeSymlink != 0:
		return "a symlink, which Rigel does not follow"
	case n == ChartFile:
		return "a Helm chart's Chart.yaml, but the chart cannot be used from here"
	case path.Ext(n) == LibsonnetExt:
		return "a jsonnet library, rendered only when a *.jsonnet file imports it"
	case isJsonnetName(n):
		return "a jsonnet file that evaluated to no object"
	case isManifestName(n):
		return "holds no object (only blank documents, comments or null)"
	case !en.Type().IsRegular():
		return "not a regular file"
	}
	return "not a manifest: Rigel reads *.yaml, *.yml, *.json and *.jsonnet files"
}

// rel is p relative to dir (p itself when dir is the root).
func rel(dir, p string) string {
	if dir == "." {
		return p
	}
	return strings.TrimPrefix(p, dir+"/")
}
