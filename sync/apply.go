package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Result statuses.
const (
	StatusSucceeded = "Succeeded"
	StatusFailed    = "Failed"
	StatusUnhealthy = "Unhealthy"
)

// ApplyOptions tune Apply.
type ApplyOptions struct {
	Wait time.Duration // how long to wait for the objects to become healthy; 0 = don't wait
	// Prune deletes the plan's orphans that may be deleted (Orphan.Prunable) once every
	// object applied and became healthy (Result.Pruned); otherwise none is deleted.
	Prune bool

	// HookTimeout bounds the wait for each hook of the plan to complete (hooks_apply.go);
	// 0 means DefaultHookTimeout.
	HookTimeout time.Duration
}

// crdEstablishTimeout bounds the wait for the CRDs of a plan to be served.
const crdEstablishTimeout = time.Minute

// applyState is what Apply knows of one change.
type applyState struct {
	mapping *meta.RESTMapping
	obj     *unstructured.Unstructured // the object as the apply response returned it
}

// Apply applies every change of a plan that the preview did not refuse, with server-side
// apply (field manager "rigel", conflicts forced): Namespaces and CRDs first, waiting until
// the CRDs are established, then everything else at once. A refused object does not stop the
// others. With opts.Wait > 0 it then waits for the objects to become healthy (kstatus).
// The plan's hooks run in their stage (hooks_apply.go): pre hooks after the Namespaces and
// CRDs (when one does not succeed, nothing else is applied), sync hooks right after the
// objects, post hooks once they are healthy, SyncFail hooks when the apply did not succeed.
// Objects of several sync waves are applied one wave at a time, lowest first (waves.go).
//
// Apply sends the plan as it is: to apply exactly what was previewed, compute a fresh plan
// for the same commit and compare its Digest with the previewed one first.
func (e *Engine) Apply(ctx context.Context, plan *Plan, opts ApplyOptions) (*Result, error) {
	if plan == nil {
		return nil, errors.New("failed to apply: no plan")
	}
	res := &Result{Started: time.Now(), Objects: make([]ObjectResult, len(plan.Changes))}
	states := make([]applyState, len(plan.Changes))
	var first, rest []int
	for i := range plan.Changes {
		c := &plan.Changes[i]
		res.Objects[i] = ObjectResult{Ref: c.Ref, Action: c.Action}
		switch {
		case c.Action == ActionError:
			res.Objects[i].Message = "not applied: the preview refused it: " + c.Err
		case c.Action == ActionBlocked || len(c.Violations) > 0:
			res.Objects[i].Action = ActionError
			res.Objects[i].Message = "not applied: the deployment's policy refuses it"
		case c.desired == nil:
			res.Objects[i].Action = ActionError
			res.Objects[i].Message = "not applied: the plan holds no object for it (plans come from Diff)"
		case stage(c.Ref) < 2:
			first = append(first, i)
		default:
			rest = append(rest, i)
		}
	}
	if e.Inventory != "" {
		// The parent names every kind and namespace of the set before any member is
		// labelled (KEP-3659): this plan's objects and its orphans.
		if err := e.writeParent(ctx, plan.Deployment, inventoryRefs(plan, nil)); err != nil {
			return nil, fmt.Errorf("failed to apply %s: %w", plan.Deployment, err)
		}
	}
	e.applyAll(ctx, plan, first, res, states, true)
	var crds []int
	for _, i := range first {
		if groupKind(plan.Changes[i].Ref) == crdGK && res.Objects[i].Action != ActionError {
			crds = append(crds, i)
		}
	}
	if len(crds) > 0 {
		e.waitEstablished(ctx, crds, res, states)
		e.Kube.ResetMapper()
	}
	// The plan's hooks (hooks_apply.go): pre hooks after the Namespaces and CRDs and before
	// the rest, which is not applied when one fails; sync hooks right after it.
	// With more than one sync wave (waves.go) the rest goes one wave at a time, each awaited.
	unhealthy, waved := false, false
	if e.runHooks(ctx, plan, HookPre, res, opts) {
		if waves := plan.Waves(); len(waves) > 1 {
			waved = true
			unhealthy = e.applyInWaves(ctx, plan, waves, rest, res, states, opts)
		} else {
			e.applyAll(ctx, plan, rest, res, states, opts.Wait > 0)
			e.runHooks(ctx, plan, HookSync, res, opts)
		}
	} else {
		notAppliedAfterHook(plan, rest, res)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("failed to apply %s: %w", plan.Deployment, err)
	}
	if opts.Wait > 0 && !waved {
		unhealthy = e.waitHealthy(ctx, res, states, nil, opts.Wait)
	}
	res.Status = StatusSucceeded
	for _, o := range res.Objects {
		if o.Action == ActionError {
			res.Status = StatusFailed
			break
		}
	}
	if res.Status == StatusSucceeded && unhealthy {
		res.Status = StatusUnhealthy
	}
	e.finishHooks(ctx, plan, res, opts) // post hooks when healthy, else SyncFail ones
	if opts.Prune && len(plan.Orphans) > 0 {
		e.pruneAfter(ctx, plan, res)
	}
	res.Finished = time.Now()
	zerolog.Ctx(ctx).Debug().Str("commit", plan.Commit).
		Int("objects", len(res.Objects)).Str("status", res.Status).
		Dur("took", res.Finished.Sub(res.Started)).Msg("plan applied")
	return res, nil
}

// pruneAfter deletes the orphans of an applied plan when the apply succeeded healthily (else
// keeps them all, saying why), then shrinks the inventory to what is left.
func (e *Engine) pruneAfter(ctx context.Context, plan *Plan, res *Result) {
	if res.Status != StatusSucceeded {
		for _, o := range plan.Orphans {
			res.Pruned = append(res.Pruned, ObjectResult{Ref: o.Ref, Action: ActionKeep,
				Message: "not deleted: the apply did not succeed healthily (" + res.Status + ")"})
		}
		return
	}
	res.Pruned = e.prune(ctx, plan)
	for _, r := range res.Pruned {
		if r.Action == ActionError {
			res.Status = StatusFailed
		}
	}
	if e.Inventory == "" {
		return
	}
	if err := e.writeParent(ctx, plan.Deployment, inventoryRefs(plan, res.Pruned)); err != nil {
		// The parent still names kinds or namespaces with no member left: harmless, the
		// next apply writes it again.
		zerolog.Ctx(ctx).Warn().Err(err).Msg("inventory not shrunk after prune")
	}
}

// applyAll applies the changes at idx concurrently, recording outcomes in res and states (with
// the objects as applied when decode is set).
func (e *Engine) applyAll(ctx context.Context, plan *Plan, idx []int, res *Result, states []applyState, decode bool) {
	mappings := map[schema.GroupVersionKind]*meta.RESTMapping{}
	failed := map[schema.GroupVersionKind]error{}
	var g errgroup.Group
	g.SetLimit(e.limit())
	for _, i := range idx {
		c := &plan.Changes[i]
		gvk := c.desired.GroupVersionKind()
		m, ok := mappings[gvk]
		if !ok && failed[gvk] == nil {
			var err error
			if m, err = e.Kube.Mapping(gvk); err != nil && c.kindLater {
				m, err = e.awaitKind(ctx, gvk) // previewed as sent: its CRD comes first (syncoptions_crd.go)
			}
			if err != nil {
				failed[gvk] = err
			} else {
				mappings[gvk] = m
			}
		}
		if err := failed[gvk]; err != nil {
			res.Objects[i].Action = ActionError
			res.Objects[i].Message = err.Error()
			continue
		}
		states[i].mapping = m
		g.Go(func() error {
			// A replace (Replace=true) takes the whole object over: no migration first.
			if c.handover != nil && !c.Argo.Replaces() && !e.migrate(ctx, m, c, &res.Objects[i]) { // handover_apply.go
				return nil
			}
			var u *unstructured.Unstructured
			var err error
			if c.Argo.Replaces() { // Replace=true (syncoptions_apply.go)
				u, err = e.replaceOne(ctx, m, c)
			} else {
				u, err = e.applyOne(ctx, m, c.desired, decode)
			}
			if err != nil {
				res.Objects[i].Action = ActionError
				switch {
				case c.Unmanaged != nil && !c.liveShown: // the message may quote the live object it took over
					res.Objects[i].Message = hiddenErrMessage(err, c.Ref, "the object was not this deployment's before: the message may quote its live values")
				case groupKind(c.Ref) == secretGK:
					res.Objects[i].Message = secretErrMessage(err, c.desired.Object, c.Ref)
				default:
					res.Objects[i].Message = err.Error()
				}
				return nil
			}
			states[i].obj = u
			return nil
		})
	}
	_ = g.Wait()
}

// applyOne applies one object; the response is decoded only when decode is set (to wait
// for health or for a CRD to be established).
func (e *Engine) applyOne(ctx context.Context, m *meta.RESTMapping, obj *unstructured.Unstructured, decode bool) (*unstructured.Unstructured, error) {
	body, err := json.Marshal(obj.Object)
	if err != nil {
		return nil, fmt.Errorf("failed to encode the object: %w", err)
	}
	raw, err := e.apply(ctx, m, obj.GetNamespace(), obj.GetName(), body, false)
	if err != nil || !decode {
		return nil, err
	}
	live, err := decodeObject(raw)
	if err != nil {
		return nil, err
	}
	return &unstructured.Unstructured{Object: live}, nil
}

// waitEstablished waits until the CRDs at idx have condition Established=True; a CRD that is
// not established in time is reported as an error.
func (e *Engine) waitEstablished(ctx context.Context, idx []int, res *Result, states []applyState) {
	deadline := time.Now().Add(crdEstablishTimeout)
	pending := idx
	for {
		var still []int
		for _, i := range pending {
			if !crdEstablished(states[i].obj) {
				still = append(still, i)
			}
		}
		pending = still
		if len(pending) == 0 || !sleepUntil(ctx, 100*time.Millisecond, deadline) {
			break
		}
		for _, i := range pending {
			r := res.Objects[i].Ref
			u, err := e.Kube.Resource(states[i].mapping, "").Get(ctx, r.Name, metav1.GetOptions{})
			if err == nil {
				states[i].obj = u
			}
		}
	}
	for _, i := range pending {
		res.Objects[i].Action = ActionError
		res.Objects[i].Message = fmt.Sprintf("the CustomResourceDefinition was applied but not established within %s", crdEstablishTimeout)
	}
}

func crdEstablished(u *unstructured.Unstructured) bool {
	if u == nil {
		return false
	}
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]interface{})
		if m["type"] == "Established" && m["status"] == "True" {
			return true
		}
	}
	return false
}

// sleepUntil sleeps for d, or until the deadline when that comes first; it reports whether
// the caller should look again (false when the deadline had passed already or ctx ended).
func sleepUntil(ctx context.Context, d time.Duration, deadline time.Time) bool {
	left := time.Until(deadline)
	if left <= 0 || ctx.Err() != nil {
		return false
	}
	t := time.NewTimer(min(d, left))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
