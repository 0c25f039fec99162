package fix

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"reflect"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/model"
	rsync "github.com/rigel-gitops/rigel/sync"
)

// FieldPatch is an edit beyond the vocabulary of `set`, proposed by a model only
// (model.PatchOp): Key a JSON pointer into the workload's document as its folder renders it,
// Value the value it sets as a JSON scalar (a quoted string, a number, true or false).
// PlanWith places a plan of such edits with planPatch, and verifies that the build changes
// exactly as they say.
const FieldPatch = "patch"

// maxPatchDepth bounds a patch path's segments.
const maxPatchDepth = 24

// podLists are the lists of a pod spec a patch may not add an item to: a container needs more
// than one value to be one.
var podLists = map[string]bool{"containers": true, "initContainers": true, "ephemeralContainers": true}

// patchEdits turns a model's patch into FieldPatch edits, each checked (checkPatch).
func patchEdits(ops []model.PatchOp) ([]Edit, error) {
	var out []Edit
	seen := map[string]bool{}
	for _, p := range ops {
		lit, err := patchLiteral(p)
		if err != nil {
			return nil, err
		}
		e := Edit{Field: FieldPatch, Key: p.Path, Value: lit}
		if _, _, err := checkPatch(e); err != nil {
			return nil, err
		}
		if seen[p.Path] {
			return nil, typedErrorf("its patch sets `%s` twice", p.Path)
		}
		seen[p.Path] = true
		out = append(out, e)
	}
	return out, nil
}

// patchLiteral is a patch value as a JSON scalar of its type.
func patchLiteral(p model.PatchOp) (string, error) {
	switch p.Type {
	case "string":
		b, err := json.Marshal(p.Value)
		return string(b), err
	case "boolean":
		if p.Value != "true" && p.Value != "false" {
			return "", typedErrorf("its patch sets `%s` to the boolean `%s`, which is neither true nor false", p.Path, p.Value)
		}
		return p.Value, nil
	case "number":
		if _, err := strconv.ParseFloat(p.Value, 64); err != nil || !json.Valid([]byte(p.Value)) {
			return "", typedErrorf("its patch sets `%s` to the number `%s`, which is not a number", p.Path, p.Value)
		}
		return p.Value, nil
	}
	return "", typedErrorf("its patch gives `%s` a value of type `%s`: a value is a string, a number or a boolean", p.Path, p.Type)
}

// checkPatch reads a FieldPatch edit: the path's segments and the value. It refuses (a
// *fault.Invalid) a path outside what a fix may change — only under spec (not spec.selector,
// which cannot change) and the workload's own labels and annotations (not Rigel's link) —, and
// a value that is not a JSON scalar.
func checkPatch(e Edit) ([]string, any, error) {
	if !strings.HasPrefix(e.Key, "/") {
		return nil, nil, typedErrorf("its patch path `%s` is not a JSON pointer: it starts with `/`, like `/spec/template/spec/containers/0/readinessProbe/httpGet/path`", e.Key)
	}
	segs := parsePointer(e.Key)
	if len(segs) > maxPatchDepth {
		return nil, nil, typedErrorf("its patch path `%s` is more than %d steps deep", e.Key, maxPatchDepth)
	}
	for _, s := range segs {
		if s == "" || s == "-" {
			return nil, nil, typedErrorf("its patch path `%s` has an empty step or `-`: name each key, and each list item by its index or `name=NAME`", e.Key)
		}
	}
	switch {
	case len(segs) >= 2 && segs[0] == "spec" && segs[1] != "selector":
	case len(segs) == 3 && segs[0] == "metadata" && (segs[1] == "labels" || segs[1] == "annotations"):
		if strings.HasPrefix(segs[2], "helmsman.dev/") {
			return nil, nil, typedErrorf("its patch sets `%s`, Rigel's link of the workload to its deployment, which a fix never changes", e.Key)
		}
	default:
		return nil, nil, typedErrorf("its patch sets `%s`: a patch may set values under `/spec` (not `/spec/selector`) and the workload's own `/metadata/labels` and `/metadata/annotations`, never its kind, name or namespace", e.Key)
	}
	dec := json.NewDecoder(strings.NewReader(e.Value))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, nil, typedErrorf("its patch value for `%s` is not a JSON value", e.Key)
	}
	switch n := v.(type) {
	case string, bool:
	case json.Number:
		if i, err := n.Int64(); err == nil {
			v = i
		} else if f, err := n.Float64(); err == nil {
			v = f
		}
	default:
		return nil, nil, typedErrorf("its patch sets `%s` to a %s: a patch sets strings, numbers and booleans, one value at a time", e.Key, map[bool]string{true: "null", false: "mapping or list"}[v == nil])
	}
	return segs, v, nil
}

// isPatch says whether edits are a patch (any FieldPatch edit).
func isPatch(edits []Edit) bool {
	for _, e := range edits {
		if e.Field == FieldPatch {
			return true
		}
	}
	return false
}

// planPatch is PlanWith for a patch: each value is placed in the folder's files where the
// workload's document defines it (a kustomization's patch or resource, as `set` edits are),
// and the folder is built again: the workload must come out as the document before with
// exactly the patch's values, and every other object as it was. A chart's templates are
// never patched.
func planPatch(fsys fs.FS, folder string, w kube.WorkloadRef, edits []Edit, opts rsync.RenderOptions) ([]Change, error) {
	if rsync.IsChart(fsys, folder) {
		return nil, placeErrorf("folder `%s` is a Helm chart: Rigel changes a chart only through its values, with the vocabulary of `set` (image, memory, cpu, replicas, env), never by patching what its templates render", folder)
	}
	for _, e := range edits {
		if e.Field != FieldPatch {
			return nil, userErrorf("a patch goes alone: %s is not part of it", untrusted.MarkdownCode(e.String()))
		}
	}
	before, err := rsync.RenderWith(context.Background(), fsys, folder, rsync.RenderOptions{})
	if err != nil {
		return nil, &PlaceError{Msg: fmt.Sprintf("Rigel cannot build folder `%s` to find %s: %s", folder, workloadTitle(w), untrusted.MarkdownText(err.Error())), Err: err}
	}
	obj, source := findRendered(before, w)
	if obj == nil {
		return nil, placeErrorf("%s (namespace `%s`) is not defined in folder `%s`%s", workloadTitle(w), w.Namespace, folder, definedList(before))
	}
	want := obj.DeepCopy()
	var ops []op
	for _, e := range edits {
		o, changed, err := patchOp(want, e)
		if err != nil {
			return nil, err
		}
		if changed {
			ops = append(ops, o)
		}
	}
	if len(ops) == 0 {
		return []Change{}, nil
	}
	p, err := newPlanner(fsys, folder, w, obj, source)
	if err != nil {
		return nil, err
	}
	for _, o := range ops {
		if err := p.place(o); err != nil {
			return nil, err
		}
	}
	if err := verifyPatch(fsys, folder, before, obj, want, ops, p.edited); err != nil {
		return nil, err
	}
	return p.changes(), nil
}

// patchOp sets e's value in want (the workload's rendered document) and returns where it goes
// in a file: list items by index become items by name, which is how the files are searched.
// changed is false when want has the value already.
func patchOp(want *unstructured.Unstructured, e Edit) (op, bool, error) {
	segs, v, err := checkPatch(e)
	if err != nil {
		return op{}, false, err
	}
	o := op{edit: e, kind: kindInt, value: strings.Trim(e.Value, `"`)}
	if s, ok := v.(string); ok {
		o.kind, o.value = kindString, s
	}
	if len(segs) == 5 && strings.Join(segs[:4], "/") == "spec/template/metadata/labels" {
		if _, selected, _ := unstructured.NestedString(want.Object, "spec", "selector", "matchLabels", segs[4]); selected {
			return op{}, false, typedErrorf("its patch sets `%s`, a label the workload's selector matches its pods by: the pods would no longer be the workload's", e.Key)
		}
	}
	at := func(i int) string { return "/" + strings.Join(segs[:i+1], "/") }
	var cur any = want.Object
	for i, seg := range segs {
		last := i == len(segs)-1
		switch c := cur.(type) {
		case map[string]any:
			o.path = append(o.path, step{key: seg})
			next, ok := c[seg]
			if last {
				switch next.(type) {
				case map[string]any, []any:
					return op{}, false, typedErrorf("its patch sets `%s`, which holds a mapping or a list, to one value", e.Key)
				}
				if ok && reflect.DeepEqual(jsonForm(next), jsonForm(v)) {
					return op{}, false, nil
				}
				c[seg] = v
				return o, true, nil
			}
			if !ok || next == nil {
				if isIndex(segs[i+1]) || strings.HasPrefix(segs[i+1], "name=") {
					next = []any{}
				} else {
					next = map[string]any{}
				}
				c[seg] = next
			}
			cur = next
		case []any:
			if last {
				return op{}, false, typedErrorf("its patch sets the list item `%s` to one value: set the values inside it", e.Key)
			}
			idx, name := -1, ""
			if n, err := strconv.Atoi(seg); err == nil && isIndex(seg) {
				if n >= len(c) {
					return op{}, false, typedErrorf("its patch path `%s` names item %d of a list of %d", e.Key, n, len(c))
				}
				m, _ := c[n].(map[string]any)
				name, _ = m["name"].(string)
				if name == "" {
					return op{}, false, typedErrorf("its patch path `%s` names an item without a name: Rigel finds list items in the files by their names", e.Key)
				}
				idx = n
			} else if nm, ok := strings.CutPrefix(seg, "name="); ok && nm != "" {
				name = nm
				for j, it := range c {
					if m, _ := it.(map[string]any); m != nil && m["name"] == nm {
						idx = j
					}
				}
			} else {
				return op{}, false, typedErrorf("its patch path `%s` has `%s` where a list item goes: give its index or `name=NAME`", e.Key, seg)
			}
			list := segs[i-1]
			if idx < 0 {
				if podLists[list] {
					return op{}, false, typedErrorf("its patch path `%s` adds an item to `%s`: a patch changes the containers there are, it does not add one", e.Key, list)
				}
				c = append(c, map[string]any{"name": name})
				idx = len(c) - 1
				if err := setIn(want.Object, segs[:i], c); err != nil {
					return op{}, false, err
				}
			}
			o.path = append(o.path, named(name))
			if podLists[list] {
				o.anchor = len(o.path)
				if list == "containers" {
					o.container = name
				}
			}
			cur = c[idx]
		default:
			return op{}, false, typedErrorf("its patch path `%s` goes through `%s`, which holds a value, not a mapping or a list", e.Key, at(i-1))
		}
	}
	return op{}, false, typedErrorf("its patch path `%s` sets nothing", e.Key)
}

// setIn replaces the list at segs (a path of map keys and list indexes or names that exist).
func setIn(obj map[string]any, segs []string, v []any) error {
	var cur any = obj
	for i, seg := range segs {
		last := i == len(segs)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[seg] = v
				return nil
			}
			cur = c[seg]
		case []any:
			nm, byName := strings.CutPrefix(seg, "name=")
			n, _ := strconv.Atoi(seg)
			for j, it := range c {
				if m, _ := it.(map[string]any); (byName && m != nil && m["name"] == nm) || (!byName && j == n) {
					cur = it
				}
			}
		}
	}
	return fmt.Errorf("no list at /%s", strings.Join(segs, "/"))
}

// jsonForm is v as JSON reads it back (numbers as float64), to compare values of a decoded
// YAML document and of a patch.
func jsonForm(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// verifyPatch builds the folder with the edited files: the workload must be want, every other
// object as before.
func verifyPatch(fsys fs.FS, folder string, before []rsync.Object, obj, want *unstructured.Unstructured, ops []op, edited map[string][]byte) error {
	after, err := rsync.RenderWith(context.Background(), overlay{FS: fsys, files: edited}, folder, rsync.RenderOptions{})
	if err != nil {
		return &PlaceError{Msg: fmt.Sprintf("after the patch, folder `%s` no longer builds, so Rigel leaves it alone: %s", folder, untrusted.MarkdownText(err.Error())), Err: err}
	}
	w := kube.WorkloadRef{Kind: obj.GetKind(), Name: obj.GetName(), Namespace: obj.GetNamespace()}
	got, _ := findRendered(after, kube.WorkloadRef{Kind: w.Kind, Name: w.Name, Namespace: want.GetNamespace()})
	if got == nil {
		return placeErrorf("after the patch, folder `%s` no longer builds %s, so Rigel leaves it alone", folder, workloadTitle(w))
	}
	if !reflect.DeepEqual(jsonForm(got.Object), jsonForm(want.Object)) {
		return placeErrorf("placing the patch (%s) in the folder's files does not build %s with exactly those values (%s), so Rigel leaves it alone; change it by hand", editList(ops), workloadTitle(w), patchMismatch(got.Object, want.Object))
	}
	if len(after) != len(before) {
		return placeErrorf("placing the patch (%s) would change which objects folder `%s` builds, so Rigel leaves it alone", editList(ops), folder)
	}
	for i := range before {
		b, a := before[i].Obj, after[i].Obj
		if b == obj {
			continue
		}
		if !reflect.DeepEqual(jsonForm(b.Object), jsonForm(a.Object)) {
			return placeErrorf("placing the patch (%s) would also change %s %s, so Rigel leaves it alone; change it by hand", editList(ops), untrusted.MarkdownText(a.GetKind()), untrusted.MarkdownCode(a.GetName()))
		}
	}
	return nil
}

// patchMismatch names the first top-level field where the build differs from what the patch
// says, for a refusal.
func patchMismatch(got, want map[string]any) string {
	for _, k := range []string{"spec", "metadata"} {
		g, _ := json.Marshal(got[k])
		w, _ := json.Marshal(want[k])
		if !bytes.Equal(g, w) {
			return "something else in the folder sets `" + k + "` too: a transformer, a patch or a replacement Rigel does not edit"
		}
	}
	return "the build differs elsewhere"
}
