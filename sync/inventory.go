package sync

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rigel-gitops/rigel/internal/buildinfo"
)

// The inventory of a deployment is an ApplySet (KEP-3659, as kubectl's
// k8s.io/kubectl/pkg/cmd/apply/applyset.go implements it): a parent ConfigMap in Rigel's
// namespace (Engine.Inventory) labelled with the set's id and annotated with the tool that
// manages it, the group-kinds of its members and the namespaces besides its own where they
// live; each member labelled part-of the id. kubectl and other tools read the same labels.
const (
	LabelApplySetID              = "applyset.kubernetes.io/id"
	LabelApplySetPartOf          = "applyset.kubernetes.io/part-of"
	AnnotationApplySetTooling    = "applyset.kubernetes.io/tooling"
	AnnotationApplySetGroupKinds = "applyset.kubernetes.io/contains-group-kinds"
	AnnotationApplySetNamespaces = "applyset.kubernetes.io/additional-namespaces"
	inventoryPrefix              = "rigel-applyset-"
	applySetIDFormat             = "applyset-%s-v1"
	inventoryTool                = "rigel"
	inventoryKind                = "ConfigMap"
	inventoryAPIVersion          = "v1"
	inventoryGroup               = ""
	applySetIDPartDelimiter      = "."
)

// InventoryName is the name of the ApplySet parent ConfigMap of a deployment.
func InventoryName(deployment string) string { return inventoryPrefix + deployment }

// ApplySetID is the id of the ApplySet whose parent is the ConfigMap name in namespace ns,
// computed as kubectl does: "applyset-" + base64url(sha256(name.ns.ConfigMap.)) + "-v1".
func ApplySetID(name, ns string) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{name, ns, inventoryKind, inventoryGroup}, applySetIDPartDelimiter)))
	return fmt.Sprintf(applySetIDFormat, base64.RawURLEncoding.EncodeToString(sum[:]))
}

// inventoryID is the ApplySet id of a deployment's inventory ("" when the Engine keeps none).
func (e *Engine) inventoryID(deployment string) string {
	if e.Inventory == "" {
		return ""
	}
	return ApplySetID(InventoryName(deployment), e.Inventory)
}

// tooling is the value of the parent's tooling annotation: rigel/<version>.
func (e *Engine) tooling() string {
	v := buildinfo.Read().Version
	if v == "" {
		v = "devel"
	}
	return inventoryTool + "/" + v
}

// Orphan is a member of a deployment's inventory that its folder no longer renders: applying
// with prune deletes it unless Keep says why not.
type Orphan struct {
	Ref             Ref
	UID             string
	ResourceVersion string
	ClusterScoped   bool
	// Keep, when set, says why even an apply that prunes keeps the object (DiffOptions.KeepOrphan:
	// the deployment's policy would refuse to apply it, so it is not Rigel's to delete).
	Keep string

	mapping *meta.RESTMapping
}

// Prunable reports whether an apply that prunes deletes the orphan.
func (o Orphan) Prunable() bool { return o.Keep == "" }

// inventoryParent is what the parent ConfigMap says of the set.
type inventoryParent struct {
	found      bool
	groupKinds []schema.GroupKind
	namespaces []string // its own and the additional ones
}

// readParent reads the parent ConfigMap of deployment; a missing parent is an empty set. A
// parent that is not this Rigel's set (another id, another tool) is refused.
func (e *Engine) readParent(ctx context.Context, deployment string, sw *Sweep) (inventoryParent, error) {
	var p inventoryParent
	m, err := e.Kube.Mapping(schema.GroupVersionKind{Version: inventoryAPIVersion, Kind: inventoryKind})
	if err != nil {
		return p, err
	}
	name := InventoryName(deployment)
	obj, err := e.sweepParent(ctx, sw, m, name) // a GET without a Sweep (sweep.go)
	if err != nil || obj == nil {
		return p, err
	}
	md, _ := obj["metadata"].(map[string]interface{})
	labels := stringMap(md["labels"])
	ann := stringMap(md["annotations"])
	id := ApplySetID(name, e.Inventory)
	if labels[LabelApplySetID] != id {
		return p, fmt.Errorf("ConfigMap %s/%s is not the inventory of deployment %s: its label %s is %q, not %q", e.Inventory, name, deployment, LabelApplySetID, labels[LabelApplySetID], id)
	}
	if tool := ann[AnnotationApplySetTooling]; tool != "" && !strings.HasPrefix(tool, inventoryTool+"/") {
		return p, fmt.Errorf("ConfigMap %s/%s is an ApplySet of another tool (%s = %q)", e.Inventory, name, AnnotationApplySetTooling, tool)
	}
	p.found = true
	for _, s := range splitList(ann[AnnotationApplySetGroupKinds]) {
		p.groupKinds = append(p.groupKinds, schema.ParseGroupKind(s))
	}
	p.namespaces = append([]string{e.Inventory}, splitList(ann[AnnotationApplySetNamespaces])...)
	return p, nil
}

// orphans lists the members of the deployment's inventory (objects labelled part-of its id,
// of the group-kinds and in the namespaces its parent names, whose provenance names the
// deployment) that are not in items. A kind
// the cluster no longer serves has no members left to find.
func (e *Engine) orphans(ctx context.Context, deployment string, items []*item, sw *Sweep) ([]Orphan, error) {
	p, err := e.readParent(ctx, deployment, sw)
	if err != nil || !p.found {
		return nil, err
	}
	type key struct {
		gk       schema.GroupKind
		ns, name string
	}
	rendered := make(map[key]bool, len(items))
	for _, it := range items {
		rendered[key{groupKind(it.ref), it.ref.Namespace, it.ref.Name}] = true
	}
	// The objects of this plan carry the label already, and live in namespaces the parent may
	// not name yet: only the parent's set is searched (what is not in it was never applied
	// with the inventory, and is not an orphan).
	var out []Orphan
	for _, gk := range p.groupKinds {
		m, err := e.Kube.Mapping(gk.WithVersion(""))
		if err != nil {
			if meta.IsNoMatchError(err) {
				continue
			}
			return nil, err
		}
		nss := p.namespaces
		clusterScoped := m.Scope.Name() != meta.RESTScopeNameNamespace
		if clusterScoped {
			nss = []string{""}
		}
		for _, ns := range nss {
			objs, err := e.sweepMembers(ctx, sw, m, ns, e.inventoryID(deployment)) // listSelected without a Sweep
			if apierrors.IsForbidden(err) && ns == e.Inventory && !clusterScoped {
				// The parent's own namespace is part of every set (KEP-3659), but Rigel's
				// namespace holds members only where Rigel may write, and so read, them: a
				// namespaced install (overlays/namespaced) may list there only its own
				// ConfigMaps, and the policy refuses Rigel's namespace unless a cluster admin
				// names it. A kind it may not list there has no member there.
				continue
			}
			if apierrors.IsForbidden(err) {
				return nil, &InventoryUnreadable{Deployment: deployment, GroupKind: gk, Resource: m.Resource.GroupResource(), Namespace: ns, Err: err}
			}
			if err != nil {
				return nil, fmt.Errorf("failed to list the %s of the inventory: %w", gk, err)
			}
			for _, obj := range objs {
				md, _ := obj["metadata"].(map[string]interface{})
				name, _ := md["name"].(string)
				ons, _ := md["namespace"].(string)
				if rendered[key{gk, ons, name}] {
					continue
				}
				// A member is what this deployment applied: the label alone can be set by
				// anyone who may update the object, and would make Rigel delete it.
				if stringMap(md["annotations"])[AnnotationSourceRepo] != deployment {
					continue
				}
				uid, _ := md["uid"].(string)
				rv, _ := md["resourceVersion"].(string)
				out = append(out, Orphan{
					Ref:             Ref{Group: gk.Group, Version: m.GroupVersionKind.Version, Kind: gk.Kind, Namespace: ons, Name: name},
					UID:             uid,
					ResourceVersion: rv,
					ClusterScoped:   clusterScoped,
					Keep:            orphanKeep(stringMap(md["annotations"])), // syncoptions.go
					mapping:         m,
				})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return lessRef(out[i].Ref, out[j].Ref) })
	return out, nil
}

// InventoryUnreadable is a kind of a deployment's inventory Rigel may not list where the
// inventory says its members live: without the list, no preview can say which of them the
// folder no longer renders, so Diff fails rather than show none.
type InventoryUnreadable struct {
	Deployment string
	GroupKind  schema.GroupKind
	Resource   schema.GroupResource
	Namespace  string // "" for a cluster-scoped kind
	Err        error  // the apiserver's refusal
}

func (e *InventoryUnreadable) Error() string {
	where := "cluster-wide"
	if e.Namespace != "" {
		where = "in namespace " + e.Namespace
	}
	return fmt.Sprintf("Rigel may not list %s %s, a kind of the inventory of %s: it needs the right to list %s there: %v", e.Resource, where, e.Deployment, e.Resource, e.Err)
}

func (e *InventoryUnreadable) Unwrap() error { return e.Err }

// listSelected lists the objects of a resource in a namespace ("" for cluster-scoped) that
// match a label selector, every page.
func (e *Engine) listSelected(ctx context.Context, m *meta.RESTMapping, ns, selector string) ([]map[string]interface{}, error) {
	var out []map[string]interface{}
	cont := ""
	for {
		items, next, err := e.listWith(ctx, m, ns, cont, selector)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if obj, ok := it.(map[string]interface{}); ok {
				out = append(out, obj)
			}
		}
		if next == "" {
			return out, nil
		}
		cont = next
	}
}

// parentContent is the labels and annotations the parent of a set holding the objects of refs
// carries: the group-kinds and the namespaces other than the parent's, sorted.
func (e *Engine) parentContent(deployment string, refs []Ref) map[string]interface{} {
	gks := map[string]bool{}
	nss := map[string]bool{}
	for _, r := range refs {
		gks[schema.GroupKind{Group: r.Group, Kind: r.Kind}.String()] = true
		if r.Namespace != "" && r.Namespace != e.Inventory {
			nss[r.Namespace] = true
		}
	}
	ann := map[string]interface{}{
		AnnotationApplySetTooling:    e.tooling(),
		AnnotationApplySetGroupKinds: strings.Join(sortedSet(gks), ","),
	}
	if len(nss) > 0 {
		ann[AnnotationApplySetNamespaces] = strings.Join(sortedSet(nss), ",")
	}
	name := InventoryName(deployment)
	return map[string]interface{}{
		"apiVersion": inventoryAPIVersion,
		"kind":       inventoryKind,
		"metadata": map[string]interface{}{
			"name":        name,
			"namespace":   e.Inventory,
			"labels":      map[string]interface{}{LabelApplySetID: ApplySetID(name, e.Inventory)},
			"annotations": ann,
		},
	}
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
