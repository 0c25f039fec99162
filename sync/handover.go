package sync

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/util/csaupgrade"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// Hand-over from kubectl. An object first written with client-side `kubectl apply` has its
// fields owned by an Update manager (kubectl-client-side-apply, or kubectl for older
// clients). Server-side apply never removes a field another manager owns, so a field removed
// from git would stay in the object for ever. Before Rigel's apply, the object's managed
// fields are migrated to Rigel's field manager with client-go's csaupgrade (as
// `kubectl apply --server-side` does): the apply then removes what git no longer sets.
//
// The preview shows it (Rigel never applies what it did not preview): Diff computes the
// fields the apply removes from the migrated field sets (handover_fields.go), takes them out
// of the server-side dry-run's result, and has the apiserver default and admit what is left
// with an update dry-run: that is the object the apply produces. The change carries
// Change.HandOver, the digest covers it, and Apply sends the very migration patch the
// preview computed (guarded by the resourceVersion it read) before its server-side apply.

// csaManagers are the field managers of client-side kubectl apply; any other Update manager
// that owns the last-applied-configuration annotation is one too (kubectl's own test,
// k8s.io/kubectl/pkg/cmd/apply migrateToSSAIfNecessary).
var csaManagers = []string{"kubectl-client-side-apply", "kubectl"}

var lastAppliedPath = fieldpath.MakePathOrDie("metadata", "annotations", lastAppliedAnnotation)

// HandOver is what a preview says of an object whose fields client-side kubectl apply
// manages: applying moves them to Rigel's field manager first, so the fields git no longer
// sets are removed.
type HandOver struct {
	// Managers are the client-side managers whose fields Rigel takes over, sorted.
	Managers []string
	// Removed are the paths of the fields the apply removes ("metadata.labels.tier",
	// "spec.template.spec.containers[name=web].env[name=DEBUG]"); a Secret's data and
	// stringData are one path each, without keys. More is set when the list was cut.
	Removed []string
	More    int
	// Unnamed is the number of fields the apply removes from an object the deployment does
	// not manage (Change.Unmanaged): their paths are not named (they would tell the keys of
	// a live object the manifest does not), and Removed is empty.
	Unnamed int
}

// handover is what Diff keeps of an object to hand over from kubectl.
type handover struct {
	managers []string
	patch    []byte // csaupgrade's JSON patch of the live managed fields (with the live resourceVersion)
	// Rigel's Apply set and every other manager's fields, before and after the migration.
	before, othersBefore, after, othersAfter *fieldpath.Set
	removed                                  *fieldpath.Set // what the apply removes (set by Diff after the dry-run)
	// shown are the removed fields whose value the apply changes: neither defaulted back to
	// the same value nor kubectl's last-applied annotation (which previews never show).
	shown *fieldpath.Set
}

// handoverOf reads the managed fields of a live object (before normalize drops them): nil
// when no client-side kubectl apply manages it, or when its managed fields cannot be read
// or migrated (then nothing is migrated, and the server-side dry-run alone is the preview).
func handoverOf(obj map[string]interface{}) *handover {
	md, _ := obj["metadata"].(map[string]interface{})
	raw, ok := md["managedFields"].([]interface{})
	if !ok || len(raw) == 0 || !mayHandOver(md, raw) {
		return nil
	}
	js, err := json.Marshal(raw)
	if err != nil {
		return nil
	}
	var entries []metav1.ManagedFieldsEntry
	if err := json.Unmarshal(js, &entries); err != nil {
		return nil
	}
	names := sets.New[string]()
	for _, e := range entries {
		if e.Operation != metav1.ManagedFieldsOperationUpdate || e.Subresource != "" || e.Manager == FieldManager {
			continue
		}
		if slices.Contains(csaManagers, e.Manager) {
			names.Insert(e.Manager)
			continue
		}
		if s, err := fieldSet(e); err == nil && s.Has(lastAppliedPath) {
			names.Insert(e.Manager)
		}
	}
	if names.Len() == 0 {
		return nil
	}
	rv, _ := md["resourceVersion"].(string)
	shell := func() *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]interface{}{}}
		u.SetManagedFields(entries)
		u.SetResourceVersion(rv)
		return u
	}
	h := &handover{managers: sets.List(names)}
	if h.patch, err = csaupgrade.UpgradeManagedFieldsPatch(shell(), names, FieldManager); err != nil || h.patch == nil {
		return nil
	}
	up := shell()
	if csaupgrade.UpgradeManagedFields(up, names, FieldManager) != nil {
		return nil
	}
	if h.before, h.othersBefore, ok = rigelAndOthers(entries); !ok {
		return nil
	}
	if h.after, h.othersAfter, ok = rigelAndOthers(up.GetManagedFields()); !ok {
		return nil
	}
	return h
}

// rigelAndOthers splits managed fields into Rigel's Apply set and every other manager's.
func rigelAndOthers(entries []metav1.ManagedFieldsEntry) (rigel, others *fieldpath.Set, ok bool) {
	rigel, others = &fieldpath.Set{}, &fieldpath.Set{}
	for _, e := range entries {
		s, err := fieldSet(e)
		if err != nil {
			return nil, nil, false
		}
		if e.Manager == FieldManager && e.Operation == metav1.ManagedFieldsOperationApply && e.Subresource == "" {
			rigel = rigel.Union(&s)
		} else {
			others = others.Union(&s)
		}
	}
	return rigel, others, true
}

// mayHandOver is handoverOf's quick look, without decoding field sets (every live object of
// every preview passes here): an Update entry of the main resource by a client-side apply
// manager, or by any manager but Rigel when the object carries the last-applied annotation.
func mayHandOver(md map[string]interface{}, raw []interface{}) bool {
	_, lastApplied := stringMap(md["annotations"])[lastAppliedAnnotation]
	for _, e := range raw {
		m, _ := e.(map[string]interface{})
		if m["operation"] != string(metav1.ManagedFieldsOperationUpdate) {
			continue
		}
		if sub, _ := m["subresource"].(string); sub != "" {
			continue
		}
		name, _ := m["manager"].(string)
		if name != FieldManager && (lastApplied || slices.Contains(csaManagers, name)) {
			return true
		}
	}
	return false
}

// fieldSet decodes the fieldsV1 of a managed fields entry.
func fieldSet(e metav1.ManagedFieldsEntry) (fieldpath.Set, error) {
	var s fieldpath.Set
	if e.FieldsV1 == nil {
		return s, nil
	}
	err := s.FromJSON(e.FieldsV1.GetRawReader())
	return s, err
}

// view is what the change says of the hand-over; hidden leaves the paths out.
func (h *handover) view(secret, hidden bool) *HandOver {
	out := &HandOver{Managers: h.managers, Removed: []string{}}
	if h.shown == nil || h.shown.Empty() {
		return out
	}
	js, err := h.shown.ToJSON()
	var m map[string]interface{}
	if err == nil && json.Unmarshal(js, &m) == nil {
		out.Removed, out.More = takeOver(m, []map[string]interface{}{m}, secret)
	}
	if hidden {
		out.Unnamed, out.Removed, out.More = len(out.Removed)+out.More, []string{}, 0
	}
	return out
}

// digestText is what the digest hashes of a hand-over: the managers and the fields the apply
// removes, what the preview shows of it. Not the migration patch: it holds the live
// resourceVersion, which any write moves (a controller's status) — the patch itself is
// guarded by it at apply time.
func (h *handover) digestText() string {
	removed := ""
	if h.removed != nil {
		removed = h.removed.String()
	}
	return fmt.Sprintf("%v\x00%s", h.managers, removed)
}

// removedFields is what the migration makes applying remove from the object beyond what the
// server-side dry-run (without it) removes already: what Rigel's apply prunes with the
// migrated field sets and does not prune with the live ones. A field with something under
// it that is still applied or owned stays.
func (h *handover) removedFields(applied *fieldpath.Set) *fieldpath.Set {
	return pruned(h.after, applied, h.othersAfter).Difference(pruned(h.before, applied, h.othersBefore))
}

// pruned is what server-side apply removes when the applier owned last and now applies
// applied, while others own theirs: what it no longer sets and nobody else owns.
func pruned(last, applied, others *fieldpath.Set) *fieldpath.Set {
	keep := applied.Union(others)
	out := &fieldpath.Set{}
	last.Difference(keep).Iterate(func(p fieldpath.Path) {
		if !hasUnder(keep, p) {
			out.Insert(p)
		}
	})
	return out
}

// hasUnder reports whether s holds p, a field under it, or an ancestor of it as a whole (a
// member with nothing listed under it: an atomic value).
func hasUnder(s *fieldpath.Set, p fieldpath.Path) bool {
	cur := s
	for _, pe := range p {
		next, ok := cur.Children.Get(pe)
		if !ok {
			return cur.Members.Has(pe)
		}
		cur = next
	}
	return !cur.Empty()
}

// changedFields keeps the paths of s whose value in after differs from the one in before
// (or that after no longer holds), leaving out kubectl's last-applied annotation.
func changedFields(s *fieldpath.Set, before, after map[string]interface{}) *fieldpath.Set {
	out := &fieldpath.Set{}
	s.Iterate(func(p fieldpath.Path) {
		if p.Equals(lastAppliedPath) {
			return
		}
		b, _ := valueAt(before, p)
		a, ok := valueAt(after, p)
		if !ok || !reflect.DeepEqual(a, b) {
			out.Insert(p)
		}
	})
	// A field whose parent is listed says nothing more.
	top := &fieldpath.Set{}
	out.Iterate(func(p fieldpath.Path) {
		for i := 1; i < len(p); i++ {
			if out.Has(p[:i]) {
				return
			}
		}
		top.Insert(p)
	})
	return top
}

// valueAt is the value at p in obj, and whether there is one.
func valueAt(obj map[string]interface{}, p fieldpath.Path) (interface{}, bool) {
	var node interface{} = obj
	for _, pe := range p {
		switch n := node.(type) {
		case map[string]interface{}:
			if pe.FieldName == nil {
				return nil, false
			}
			v, ok := n[*pe.FieldName]
			if !ok {
				return nil, false
			}
			node = v
		case []interface{}:
			i := listIndex(n, pe)
			if i < 0 {
				return nil, false
			}
			node = n[i]
		default:
			return nil, false
		}
	}
	return node, true
}

// removeFields removes the paths of s from obj (a decoded object), outermost first.
func removeFields(obj map[string]interface{}, s *fieldpath.Set) {
	var paths []fieldpath.Path
	s.Iterate(func(p fieldpath.Path) { paths = append(paths, p.Copy()) })
	sort.SliceStable(paths, func(i, j int) bool { return len(paths[i]) < len(paths[j]) })
	for _, p := range paths {
		removeAt(obj, p)
	}
}

// removeAt removes the value at p under node; it returns node, or the list it became.
func removeAt(node interface{}, p fieldpath.Path) interface{} {
	if len(p) == 0 {
		return node
	}
	pe := p[0]
	switch n := node.(type) {
	case map[string]interface{}:
		if pe.FieldName == nil {
			return node
		}
		child, ok := n[*pe.FieldName]
		if !ok {
			return node
		}
		if len(p) == 1 {
			delete(n, *pe.FieldName)
		} else {
			n[*pe.FieldName] = removeAt(child, p[1:])
		}
		return n
	case []interface{}:
		i := listIndex(n, pe)
		if i < 0 {
			return node
		}
		if len(p) == 1 {
			return append(n[:i:i], n[i+1:]...)
		}
		n[i] = removeAt(n[i], p[1:])
		return n
	}
	return node
}

// listIndex finds the element of a list that pe names (by key fields, by value or by index);
// -1 when none does.
func listIndex(l []interface{}, pe fieldpath.PathElement) int {
	switch {
	case pe.Index != nil:
		if *pe.Index >= 0 && *pe.Index < len(l) {
			return *pe.Index
		}
	case pe.Value != nil:
		want := (*pe.Value).Unstructured()
		for i, v := range l {
			if sameScalar(v, want) {
				return i
			}
		}
	case pe.Key != nil:
		for i, v := range l {
			m, ok := v.(map[string]interface{})
			if !ok {
				continue
			}
			match := true
			for _, f := range *pe.Key {
				if !sameScalar(m[f.Name], f.Value.Unstructured()) {
					match = false
					break
				}
			}
			if match {
				return i
			}
		}
	}
	return -1
}

// sameScalar compares decoded values whose number types may differ (int64, float64).
func sameScalar(a, b interface{}) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}
