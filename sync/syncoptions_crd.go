package sync

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Custom resources whose kind the cluster does not serve yet at the preview (issue 17), as
// Argo CD treats them: when a CRD of the same plan defines the kind — an object of the plan
// (applied first, before any wave) or a PreSync/pre-install/pre-upgrade hook (created before
// the objects) — the dry-run is left out without any option, as Argo CD does; otherwise only
// with SkipDryRunOnMissingResource=true (the CRD comes from elsewhere: an operator an earlier
// wave installs, a hook Job that creates it). Either way the object is previewed as sent,
// said in its note, and Apply sends it only once the kind is served (its CRD established),
// waiting at most kindTimeout, else it fails at that object and says why.

// kindTimeout bounds the wait for the kind of an object previewed as sent to be served.
const kindTimeout = crdEstablishTimeout

// runsBefore reports whether a hook runs before the objects of the plan (a pre hook).
func runsBefore(h *Hook) bool {
	for _, p := range h.Phases {
		switch p {
		case "PreSync", "pre-install", "pre-upgrade":
			return true
		}
	}
	return false
}

// planCRDNote is the note of an object whose kind a CRD of the plan defines (hook: the CRD's
// hook phases when it is a hook).
func planCRDNote(r Ref, crd, hook string) string {
	if hook != "" {
		return fmt.Sprintf("kind %s is defined by CustomResourceDefinition %s, a %s hook of this plan: not dry-run (as Argo CD), shown as sent, without server defaults; applied once the hook created it and it is established", r.Kind, crd, hook)
	}
	return fmt.Sprintf("kind %s is defined by CustomResourceDefinition %s in this plan: shown as sent, without server defaults", r.Kind, crd)
}

// awaitKind waits until the cluster serves gvk (its CRD established and in discovery), at
// most kindTimeout: the object previewed as sent is applied only then.
func (e *Engine) awaitKind(ctx context.Context, gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	deadline := time.Now().Add(kindTimeout)
	for {
		m, err := e.Kube.Mapping(gvk) // forgets the cached discovery when it does not know the kind
		if err == nil {
			return m, nil
		}
		if !sleepUntil(ctx, hookPoll, deadline) {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("not applied: the apply ended while waiting for kind %s in group %s to be served: %w", gvk.Kind, groupName(gvk.Group), ctx.Err())
			}
			return nil, fmt.Errorf("not applied: kind %s in group %s was previewed as sent (its CRD was not there yet) and is still not served after %s: is its CustomResourceDefinition created and established? (%w)", gvk.Kind, groupName(gvk.Group), kindTimeout, err)
		}
	}
}

// crdHookDone says whether a CRD created as a hook is done: established (its kind served), or
// refused (its names not accepted).
func crdHookDone(u *unstructured.Unstructured) (done, ok bool, msg string) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]interface{})
		switch {
		case m["type"] == "Established" && m["status"] == "True":
			return true, true, "the CustomResourceDefinition is established"
		case m["type"] == "NamesAccepted" && m["status"] == "False":
			return true, false, fmt.Sprintf("the CustomResourceDefinition's names are not accepted: %v", m["message"])
		}
	}
	return false, false, ""
}

// unmapped reports whether the cluster does not serve the item's kind: unknown to discovery, or
// its cached mapping found stale by the dry-run (kindGone).
func (it *item) unmapped() bool { return it.mapping == nil || it.kindGone }

// kindGone is asked when a dry-run apply of a kind answers 404 (an apply creates what is
// absent, so the resource itself is missing): the cached discovery is forgotten, and it
// reports whether the cluster indeed no longer serves gvk (its CRD deleted since it was read).
func (e *Engine) kindGone(gvk schema.GroupVersionKind) bool {
	e.Kube.ResetMapper()
	_, err := e.Kube.Mapping(gvk)
	return meta.IsNoMatchError(err)
}
