package sync

import (
	"context"
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// writeParent applies the parent ConfigMap of the deployment's inventory naming the
// group-kinds and namespaces of refs (server-side apply, Rigel's field manager).
func (e *Engine) writeParent(ctx context.Context, deployment string, refs []Ref) error {
	m, err := e.Kube.Mapping(schema.GroupVersionKind{Version: inventoryAPIVersion, Kind: inventoryKind})
	if err != nil {
		return err
	}
	body, err := json.Marshal(e.parentContent(deployment, refs))
	if err != nil {
		return err
	}
	if _, err := e.apply(ctx, m, e.Inventory, InventoryName(deployment), body, false); err != nil {
		return fmt.Errorf("failed to write the inventory %s/%s: %w", e.Inventory, InventoryName(deployment), err)
	}
	return nil
}

// inventoryRefs are the refs a plan's inventory holds once applied: its objects, and the
// orphans that are still there (all of them unless pruned is set; then those not deleted).
func inventoryRefs(plan *Plan, pruned []ObjectResult) []Ref {
	refs := make([]Ref, 0, len(plan.Changes)+len(plan.Orphans))
	for _, c := range plan.Changes {
		refs = append(refs, c.Ref)
	}
	gone := map[Ref]bool{}
	for _, r := range pruned {
		if r.Action == ActionDelete {
			gone[r.Ref] = true
		}
	}
	for _, o := range plan.Orphans {
		if !gone[o.Ref] {
			refs = append(refs, o.Ref)
		}
	}
	return refs
}

// prune deletes the orphans of plan an apply may delete, in reverse dependency order
// (everything else, then CRDs, then Namespaces), each only if it is still the object the
// preview saw (same uid and resourceVersion). It returns one outcome per orphan.
func (e *Engine) prune(ctx context.Context, plan *Plan) []ObjectResult {
	order := make([]int, 0, len(plan.Orphans))
	for s := 2; s >= 0; s-- {
		for i, o := range plan.Orphans {
			if stage(o.Ref) == s {
				order = append(order, i)
			}
		}
	}
	out := make([]ObjectResult, 0, len(order))
	for _, i := range order {
		o := plan.Orphans[i]
		r := ObjectResult{Ref: o.Ref, Action: ActionDelete, Message: "deleted"}
		switch {
		case o.Keep != "":
			r.Action, r.Message = ActionKeep, "kept: "+o.Keep
		case o.mapping == nil:
			r.Action, r.Message = ActionError, "not deleted: the plan holds no resource for it (plans come from Diff)"
		default:
			if err := e.deleteExactly(ctx, o); err != nil {
				r.Action, r.Message = ActionError, err.Error()
			}
		}
		out = append(out, r)
	}
	return out
}

// deleteExactly deletes o if it still has the uid and resourceVersion the preview saw; an
// object already gone counts as deleted.
func (e *Engine) deleteExactly(ctx context.Context, o Orphan) error {
	if err := checkName(o.Ref.Namespace, o.Ref.Name); err != nil {
		return err
	}
	rc, err := e.restClient()
	if err != nil {
		return err
	}
	uid, rv := types.UID(o.UID), o.ResourceVersion
	policy := metav1.DeletePropagationBackground
	body, err := json.Marshal(metav1.DeleteOptions{
		TypeMeta:          metav1.TypeMeta{APIVersion: "v1", Kind: "DeleteOptions"},
		Preconditions:     &metav1.Preconditions{UID: &uid, ResourceVersion: &rv},
		PropagationPolicy: &policy,
	})
	if err != nil {
		return err
	}
	_, err = e.send(ctx, rc.Delete().AbsPath(resourcePath(o.mapping, o.Ref.Namespace, o.Ref.Name)).Body(body))
	switch {
	case err == nil, apierrors.IsNotFound(err):
		return nil
	case apierrors.IsConflict(err):
		return fmt.Errorf("not deleted: the object changed since the preview (preview again): %w", err)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("not deleted: Rigel may not delete it — pruning needs the delete right on its kind, which the shipped install does not grant: a cluster admin turns it on (the chart's rbac.prune: true, or the kustomize component deploy/components/pruner; README, Inventory and prune): %w", err)
	}
	return fmt.Errorf("failed to delete: %w", err)
}

// ForgetInventory deletes the parent ConfigMap of a deployment's inventory (when the Engine
// keeps inventories and the deployment has one), for a deployment Rigel forgets: the members
// stay in the cluster as they are (their part-of label then names a set with no parent,
// which no tool prunes). It returns the name of the ConfigMap deleted, "" when there was
// none. A ConfigMap of that name that is not this deployment's inventory is refused, not
// deleted.
func (e *Engine) ForgetInventory(ctx context.Context, deployment string) (string, error) {
	if e.Inventory == "" {
		return "", nil
	}
	p, err := e.readParent(ctx, deployment, nil)
	if err != nil {
		return "", fmt.Errorf("failed to read the inventory of %s: %w", deployment, err)
	}
	if !p.found {
		return "", nil
	}
	name := InventoryName(deployment)
	err = e.Kube.Typed.CoreV1().ConfigMaps(e.Inventory).Delete(ctx, name, metav1.DeleteOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("failed to delete the inventory %s/%s of %s: %w", e.Inventory, name, deployment, err)
	}
	return name, nil
}
