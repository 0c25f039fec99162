package sync

import (
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/rigel-gitops/rigel/internal/linediff"
)

const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// noisyMetadata are metadata fields the server maintains: they differ between the live
// object and the dry-run result without saying anything about what apply changes.
var noisyMetadata = []string{"managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink"}

// normalize drops, in place, what is noise when comparing a live object with a dry-run
// result: server-maintained metadata, status, and kubectl's last-applied annotation (which,
// for a Secret, holds its data). deletionTimestamp is kept: it says the object is going away.
func normalize(obj map[string]interface{}) {
	delete(obj, "status")
	md, ok := obj["metadata"].(map[string]interface{})
	if !ok {
		return
	}
	for _, f := range noisyMetadata {
		delete(md, f)
	}
	if ann, ok := md["annotations"].(map[string]interface{}); ok {
		delete(ann, lastAppliedAnnotation)
		if len(ann) == 0 {
			delete(md, "annotations")
		}
	}
}

// copyTop returns a copy of obj whose metadata map is copied too, so normalize can run on it
// without touching obj (nested values are shared).
func copyTop(obj map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(obj))
	for k, v := range obj {
		out[k] = v
	}
	if md, ok := obj["metadata"].(map[string]interface{}); ok {
		mdc := make(map[string]interface{}, len(md))
		for k, v := range md {
			mdc[k] = v
		}
		if ann, ok := md["annotations"].(map[string]interface{}); ok {
			annc := make(map[string]interface{}, len(ann))
			for k, v := range ann {
				annc[k] = v
			}
			mdc["annotations"] = annc
		}
		out["metadata"] = mdc
	}
	return out
}

// diffPath names an object in diff headers: group/version/Kind/namespace/name, leaving out
// the empty group of core kinds and the empty namespace of cluster-scoped kinds.
func diffPath(r Ref) string {
	parts := make([]string, 0, 5)
	for _, p := range []string{r.Group, r.Version, r.Kind, r.Namespace, r.Name} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "/")
}

// unifiedDiff returns the unified diff (3 lines of context) of two objects as YAML with
// sorted keys. A nil live object is shown as /dev/null.
func unifiedDiff(r Ref, live, after map[string]interface{}) (string, error) {
	var a []string
	from := "/dev/null"
	if live != nil {
		y, err := yaml.Marshal(live)
		if err != nil {
			return "", err
		}
		a = splitLines(y)
		from = "live/" + diffPath(r)
	}
	y, err := yaml.Marshal(after)
	if err != nil {
		return "", err
	}
	return linediff.Unified(a, splitLines(y), from, "rigel/"+diffPath(r), 3), nil
}

// splitLines splits YAML text into lines that keep their "\n" (difflib's SplitLines would add
// an empty last line).
func splitLines(y []byte) []string {
	lines := strings.SplitAfter(string(y), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	} else {
		lines[len(lines)-1] += "\n"
	}
	return lines
}

// Well-known kinds the engine treats specially.
var (
	namespaceGK = schema.GroupKind{Kind: "Namespace"}
	crdGK       = schema.GroupKind{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}
	secretGK    = schema.GroupKind{Kind: "Secret"}
)

func groupKind(r Ref) schema.GroupKind { return schema.GroupKind{Group: r.Group, Kind: r.Kind} }

// stage orders kinds for plans and apply: Namespaces, then CRDs, then everything else.
func stage(r Ref) int {
	switch groupKind(r) {
	case namespaceGK:
		return 0
	case crdGK:
		return 1
	}
	return 2
}
