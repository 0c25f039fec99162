package sync

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// handOver completes the preview of the items to hand over from kubectl (handover.go): the
// fields the apply removes, and the object the apply produces as their dry-run result. An
// item whose dry-run failed, or that is not there, is left as it is.
func (e *Engine) handOver(ctx context.Context, items []*item) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(e.limit())
	for _, it := range items {
		h := it.handover
		if h == nil || it.dry == nil || it.dryErr != nil || it.live == nil {
			continue
		}
		applied, ok := appliedSet(it.dry)
		if !ok {
			it.handover = nil // the dry-run names no apply of Rigel's: nothing to compare with
			continue
		}
		h.removed = h.removedFields(applied)
		if h.removed.Empty() {
			continue
		}
		g.Go(func() error {
			e.dryRunRemoval(gctx, it)
			return nil
		})
	}
	_ = g.Wait()
	return ctx.Err()
}

// appliedSet is the field set of Rigel's apply in a dry-run result.
func appliedSet(dry map[string]interface{}) (*fieldpath.Set, bool) {
	fs := appliedFields(dry)
	if fs == nil {
		return nil, false
	}
	js, err := json.Marshal(fs)
	if err != nil {
		return nil, false
	}
	s := &fieldpath.Set{}
	if err := s.FromJSON(strings.NewReader(string(js))); err != nil {
		return nil, false
	}
	return s, true
}

// dryRunRemoval takes the removed fields out of the server-side dry-run's result and sends
// what is left as an update in dry-run: the apiserver defaults and admits it as it does the
// apply (a removed field with a default gets it back). Its answer is the item's dry-run.
func (e *Engine) dryRunRemoval(ctx context.Context, it *item) {
	after, ok := runtime.DeepCopyJSONValue(it.dry).(map[string]interface{})
	if !ok {
		return
	}
	removeFields(after, it.handover.removed)
	md, _ := after["metadata"].(map[string]interface{})
	if md == nil {
		return
	}
	ssaFields := md["managedFields"]
	delete(md, "managedFields")
	md["resourceVersion"] = it.liveRV
	body, err := json.Marshal(after)
	if err != nil {
		it.dryErr = fmt.Errorf("failed to encode the object handed over from kubectl apply: %w", err)
		return
	}
	raw, err := e.update(ctx, it.mapping, it.ref.Namespace, it.ref.Name, body, true)
	for try := 0; try < 3 && apierrors.IsConflict(err); try++ {
		// Another writer (a controller updating the status) changed the object since it was
		// read: the same body over its newest version, as the apply's dry-run was.
		var now map[string]interface{}
		if now, err = e.get(ctx, it.mapping, it.ref.Namespace, it.ref.Name); err != nil {
			break
		}
		md["resourceVersion"] = resourceVersionOf(now)
		if body, err = json.Marshal(after); err != nil {
			break
		}
		raw, err = e.update(ctx, it.mapping, it.ref.Namespace, it.ref.Name, body, true)
	}
	if err == nil {
		var obj map[string]interface{}
		if obj, err = decodeObject(raw); err == nil {
			if omd, ok := obj["metadata"].(map[string]interface{}); ok {
				omd["managedFields"] = ssaFields // the fields Rigel's apply sets, as the dry-run said
			}
			it.handover.shown = changedFields(it.handover.removed, it.dry, obj)
			it.dry = obj
			return
		}
	}
	it.handover.shown = changedFields(it.handover.removed, it.dry, after)
	it.dryErr = fmt.Errorf("the object without the fields kubectl apply set and git no longer sets was refused: %w", err)
}

// update sends an update (PUT) with Rigel's field manager and returns the response body.
func (e *Engine) update(ctx context.Context, m *meta.RESTMapping, ns, name string, body []byte, dryRun bool) ([]byte, error) {
	if err := checkName(ns, name); err != nil {
		return nil, err
	}
	rc, err := e.restClient()
	if err != nil {
		return nil, err
	}
	req := rc.Put().AbsPath(resourcePath(m, ns, name)).Param("fieldManager", FieldManager).Body(body)
	if dryRun {
		req = req.Param("dryRun", metav1.DryRunAll)
	}
	return e.send(ctx, req)
}

// markHandOver says on the change of it that applying hands it over from kubectl.
func (it *item) markHandOver(c *Change) {
	h := it.handover
	if h == nil || it.dry == nil || it.dryErr != nil || c.Action == ActionError || c.Action == ActionBlocked {
		return
	}
	c.HandOver = h.view(groupKind(it.ref) == secretGK, c.Unmanaged != nil && !c.liveShown)
	c.handover = h
}

// migrate hands the object of c over from kubectl before it is applied: the migration patch
// the preview computed, which the apiserver refuses when the object changed since (the
// patch sets the resourceVersion the preview read). It reports whether the object may be
// applied; when not, out says why.
func (e *Engine) migrate(ctx context.Context, m *meta.RESTMapping, c *Change, out *ObjectResult) bool {
	err := checkName(c.Ref.Namespace, c.Ref.Name)
	if err == nil {
		var rc *rest.RESTClient
		if rc, err = e.restClient(); err == nil {
			_, err = e.send(ctx, rc.Patch(types.JSONPatchType).AbsPath(resourcePath(m, c.Ref.Namespace, c.Ref.Name)).
				Param("fieldManager", FieldManager).Body(c.handover.patch))
		}
	}
	if err == nil {
		return true
	}
	out.Action = ActionError
	switch {
	case apierrors.IsConflict(err):
		out.Message = "not applied: the object changed since the preview, so its fields were not handed over from kubectl apply: preview again"
	case c.Unmanaged != nil && !c.liveShown: // the message may quote the live object
		out.Message = "not applied: its fields could not be handed over from kubectl apply: " + hiddenErrMessage(err, c.Ref, "the object was not this deployment's before: the message may quote its live values")
	default:
		out.Message = "not applied: its fields could not be handed over from kubectl apply: " + err.Error()
	}
	return false
}

// Note says what applying does to an object handed over from kubectl, in one sentence.
func (h *HandOver) Note() string {
	switch {
	case h.Unnamed > 0:
		return fmt.Sprintf("hand-over from kubectl apply: the fields %s manages move to Rigel, and the %d that git no longer sets are removed (not named: this deployment does not manage the object)",
			strings.Join(h.Managers, ", "), h.Unnamed)
	case len(h.Removed) == 0:
		return fmt.Sprintf("hand-over from kubectl apply: the fields %s manages move to Rigel; no field is removed", strings.Join(h.Managers, ", "))
	}
	more := ""
	if h.More > 0 {
		more = fmt.Sprintf(" and %d more", h.More)
	}
	return fmt.Sprintf("hand-over from kubectl apply: the fields %s manages move to Rigel, and those git no longer sets are removed: %s%s",
		strings.Join(h.Managers, ", "), strings.Join(h.Removed, ", "), more)
}
