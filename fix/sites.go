package fix

import (
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// siteKind is what a place that can define a workload's values is.
type siteKind int

const (
	siteResource siteKind = iota // a document defining the workload
	sitePatch                    // a strategic-merge patch document of the workload
	siteImages                   // an entry of a kustomization's images:
	siteReplicas                 // an entry of a kustomization's replicas:
	siteBlocked                  // a patch Rigel cannot edit (inline, JSON 6902)
)

// site is one place that can define values of the workload, in a file of the folder.
type site struct {
	kind siteKind
	file string
	doc  int    // document index in the file
	item int    // item index in a List document, -1 when the document is the object
	pre  []step // for siteImages and siteReplicas: the entry's path in the kustomization
	name string // for siteImages and siteReplicas: the entry's name

	// siteBlocked: why it cannot be edited, and what it sets: JSON pointers of JSON 6902
	// operations, or the patch document of an inline strategic-merge patch.
	why      string
	pointers [][]string
	inline   *yaml.Node
}

// root returns the node of a site in the file's current parse: the object, the patch, or
// the kustomization entry.
func (s site) root(f *yfile) (*yaml.Node, error) {
	if s.doc >= len(f.docs) || len(f.docs[s.doc].Content) == 0 {
		return nil, fmt.Errorf("document %d of %s is gone", s.doc+1, f.path)
	}
	n := f.docs[s.doc].Content[0]
	if s.item >= 0 {
		_, items := mapGet(n, "items")
		if items == nil || s.item >= len(items.Content) {
			return nil, fmt.Errorf("item %d of %s is gone", s.item+1, f.path)
		}
		n = items.Content[s.item]
	}
	if len(s.pre) > 0 {
		t := walk(n, s.pre)
		if t.found() != len(s.pre) {
			return nil, fmt.Errorf("%s of %s is gone", pathString(s.pre), f.path)
		}
		n = t.nodes[len(t.nodes)-1]
	}
	return n, nil
}

// touches reports whether a blocked site sets anything at or under path (or above it).
func (s site) touches(path []step) bool {
	if s.inline != nil {
		t := walk(s.inline, path)
		return t.found() == len(path)
	}
	want := pointerOf(path)
	for _, p := range s.pointers {
		if pointerOverlaps(p, want) {
			return true
		}
	}
	return false
}

// pointerOf turns a path into JSON pointer segments; "*" stands for a list index.
func pointerOf(path []step) []string {
	out := make([]string, len(path))
	for i, s := range path {
		if s.key != "" {
			out[i] = s.key
		} else {
			out[i] = "*"
		}
	}
	return out
}

// parsePointer splits a JSON pointer ("/spec/template/spec/containers/0/image").
func parsePointer(p string) []string {
	if p == "" || p == "/" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return parts
}

// pointerOverlaps reports whether one of two pointers is a prefix of the other; "*" matches
// any list index.
func pointerOverlaps(a, b []string) bool {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] == b[i] {
			continue
		}
		if (a[i] == "*" && isIndex(b[i])) || (b[i] == "*" && isIndex(a[i])) {
			continue
		}
		return false
	}
	return true
}

func isIndex(s string) bool {
	if s == "-" {
		return true
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
