package sync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// DefaultHookTimeout bounds the wait for one hook to complete when ApplyOptions.HookTimeout is 0.
const DefaultHookTimeout = 5 * time.Minute

// hookPoll is how often a running hook is read.
const hookPoll = 250 * time.Millisecond

var (
	jobGK = schema.GroupKind{Group: "batch", Kind: "Job"}
	podGK = schema.GroupKind{Kind: "Pod"}
)

// hookTimeout is the bound of one hook's wait.
func (o ApplyOptions) hookTimeout() time.Duration {
	if o.HookTimeout > 0 {
		return o.HookTimeout
	}
	return DefaultHookTimeout
}

// runHooks runs the plan's hooks of stage s one after the other in plan order (weight, then
// kind and name), recording each outcome in res.Hooks. It stops at the first hook that does
// not succeed, records the rest as skipped, and reports whether every hook succeeded.
func (e *Engine) runHooks(ctx context.Context, plan *Plan, s HookStage, res *Result, opts ApplyOptions) bool {
	return e.runHookList(ctx, plan.HooksIn(s), s, res, opts)
}

// runHookList is runHooks over the hooks hs of stage s (the Sync hooks of one wave: waves.go).
func (e *Engine) runHookList(ctx context.Context, hs []HookChange, s HookStage, res *Result, opts ApplyOptions) bool {
	ok := true
	for _, hc := range hs {
		if !ok {
			res.Hooks = append(res.Hooks, HookResult{Ref: hc.NamedRef(), Stage: s, Outcome: HookSkipped,
				Message: "not run: a hook before it in this stage did not succeed"})
			continue
		}
		r := e.runHook(ctx, &hc, opts.hookTimeout())
		r.Stage = s
		res.Hooks = append(res.Hooks, r)
		ok = r.Outcome == HookSucceeded
		zerolog.Ctx(ctx).Debug().Str("hook", r.Ref.String()).Str("stage", string(s)).Str("outcome", r.Outcome).Msg("hook ran")
	}
	return ok
}

// skipHooks records the hooks of stage s as not run, saying why.
func skipHooks(plan *Plan, s HookStage, res *Result, why string) {
	skipList(plan.HooksIn(s), s, res, why)
}

// skipList records the hooks hs of stage s as not run, saying why.
func skipList(hs []HookChange, s HookStage, res *Result, why string) {
	for _, hc := range hs {
		res.Hooks = append(res.Hooks, HookResult{Ref: hc.NamedRef(), Stage: s, Outcome: HookSkipped, Message: why})
	}
}

// notRunHooks records the hooks Rigel does not run, with why.
func notRunHooks(plan *Plan, res *Result) {
	for _, hc := range plan.HooksIn(HookNotRun) {
		res.Hooks = append(res.Hooks, HookResult{Ref: hc.NamedRef(), Stage: HookNotRun, Outcome: string(HookNotRun), Message: hc.NotRun})
	}
}

// runHook runs one hook: deletes the hook of the same name first when its policy says
// before-hook-creation, creates it (never applies it), waits for it to complete (a Job
// complete, a Pod succeeded; any other kind once created) within timeout, keeps the tail of
// its logs, and deletes it when its policy says so for its outcome.
func (e *Engine) runHook(ctx context.Context, hc *HookChange, timeout time.Duration) HookResult {
	r := HookResult{Ref: hc.NamedRef()} // named by the apiserver once created
	switch {
	case hc.Action == ActionBlocked || len(hc.Violations) > 0:
		r.Outcome, r.Message = HookBlocked, "not run: the deployment's policy refuses it"
		return r
	case hc.Action == ActionError:
		r.Outcome, r.Message = HookBlocked, "not run: the preview refused it: "+hc.Err
		return r
	case hc.desired == nil:
		r.Outcome, r.Message = HookBlocked, "not run: the plan holds no object for it (plans come from Diff)"
		return r
	}
	fail := func(msg string) HookResult {
		r.Outcome, r.Message = HookFailed, msg
		return r
	}
	m, err := e.Kube.Mapping(hc.desired.GroupVersionKind())
	if err != nil && hc.kindLater {
		m, err = e.awaitKind(ctx, hc.desired.GroupVersionKind()) // syncoptions_crd.go
	}
	if err != nil {
		return fail(err.Error())
	}
	deadline := time.Now().Add(timeout)
	if hc.Ref.Name != "" && hc.Hook.Deletes(DeleteBeforeCreation) { // a generateName has no previous one
		deleted, err := e.deleteHook(ctx, m, hc.Ref, true, deadline)
		if err != nil {
			return fail("failed to delete the previous hook (before-hook-creation): " + err.Error())
		}
		if deleted {
			r.Deleted = append(r.Deleted, DeleteBeforeCreation)
		}
	}
	created, err := e.createHook(ctx, m, hc) // Replace=true replaces a kept one (syncoptions_hooks.go)
	if err != nil {
		if groupKind(hc.Ref) == secretGK {
			return fail("failed to create it: " + secretErrMessage(err, hc.desired.Object, hc.Ref))
		}
		return fail("failed to create it: " + err.Error())
	}
	r.Ref.Name = created.GetName()
	r.Outcome, r.Message = e.awaitHook(ctx, m, r.Ref, created, deadline, timeout)
	if gk := groupKind(r.Ref); gk == jobGK || gk == podGK {
		r.Logs = e.hookLogs(ctx, r.Ref, created.GetUID())
	}
	policy := DeleteFailed
	if r.Outcome == HookSucceeded {
		policy = DeleteSucceeded
	}
	if hc.Hook.Deletes(policy) {
		// Another context: a hook that timed out because ctx ended is still deleted.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if _, err := e.deleteHook(dctx, m, r.Ref, false, time.Time{}); err != nil {
			r.Message += "; failed to delete it (" + policy + "): " + err.Error()
		} else {
			r.Deleted = append(r.Deleted, policy)
		}
	}
	return r
}

// awaitHook waits for a created hook to complete: the outcome and a message.
func (e *Engine) awaitHook(ctx context.Context, m *meta.RESTMapping, ref Ref, u *unstructured.Unstructured, deadline time.Time, timeout time.Duration) (string, string) {
	for {
		if done, ok, msg := hookDone(u); done {
			if ok {
				return HookSucceeded, msg
			}
			return HookFailed, msg
		}
		if !sleepUntil(ctx, hookPoll, deadline) {
			if ctx.Err() != nil {
				return HookTimedOut, "the apply ended before the hook completed: " + ctx.Err().Error()
			}
			return HookTimedOut, fmt.Sprintf("the hook did not complete within %s", timeout)
		}
		live, err := e.Kube.Resource(m, ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			return HookFailed, "the hook was deleted before it completed"
		case err != nil:
			zerolog.Ctx(ctx).Debug().Err(err).Str("hook", ref.String()).Msg("failed to read a hook")
		default:
			u = live
		}
	}
}

// hookDone says whether a hook completed, whether it succeeded, and what its status says: a
// Job by its Complete or Failed condition, a Pod by its phase; any other kind is done once
// created, as in Helm.
func hookDone(u *unstructured.Unstructured) (done, ok bool, msg string) {
	switch u.GroupVersionKind().GroupKind() {
	case jobGK:
		conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
		for _, c := range conds {
			cm, _ := c.(map[string]interface{})
			if cm["status"] != "True" {
				continue
			}
			text := strings.TrimSpace(fmt.Sprint(cm["reason"], ": ", cm["message"]))
			switch cm["type"] {
			case "Complete":
				return true, true, "the Job completed"
			case "Failed":
				return true, false, "the Job failed: " + strings.TrimSuffix(text, ":")
			}
		}
		return false, false, ""
	case podGK:
		phase, _, _ := unstructured.NestedString(u.Object, "status", "phase")
		switch corev1.PodPhase(phase) {
		case corev1.PodSucceeded:
			return true, true, "the Pod succeeded"
		case corev1.PodFailed:
			reason, _, _ := unstructured.NestedString(u.Object, "status", "reason")
			message, _, _ := unstructured.NestedString(u.Object, "status", "message")
			return true, false, strings.TrimSuffix(strings.TrimSpace("the Pod failed: "+reason+" "+message), ":")
		}
		return false, false, ""
	case crdGK: // a CRD hook is done once its kind is served (syncoptions_crd.go)
		return crdHookDone(u)
	default:
		return true, true, "created"
	}
}

// deleteHook deletes a hook (propagation Background: a Job's pods go with it) and, when wait
// is set, waits until it is gone or the deadline passes. It reports whether there was
// something to delete. (A named hook whose live object is another deployment's never gets
// here: the preview refused it, hooks_plan.go.)
func (e *Engine) deleteHook(ctx context.Context, m *meta.RESTMapping, ref Ref, wait bool, deadline time.Time) (bool, error) {
	res := e.Kube.Resource(m, ref.Namespace)
	bg := metav1.DeletePropagationBackground
	err := res.Delete(ctx, ref.Name, metav1.DeleteOptions{PropagationPolicy: &bg})
	if apierrors.IsForbidden(err) {
		// The apiserver checks the right before the name: without delete, a hook that does not
		// exist (its first run) is still no error (checkHookDelete refused the others in the preview).
		if _, getErr := res.Get(ctx, ref.Name, metav1.GetOptions{}); apierrors.IsNotFound(getErr) {
			return false, nil
		}
	}
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for wait {
		_, err := res.Get(ctx, ref.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		if !sleepUntil(ctx, hookPoll, deadline) {
			return true, errors.New("still there (finalizers?) when the hook's timeout passed")
		}
	}
	return true, nil
}

// notAppliedAfterHook records the objects at idx as not applied because a pre hook did not
// succeed, and the sync hooks as skipped.
func notAppliedAfterHook(plan *Plan, idx []int, res *Result) {
	failed := ""
	for _, h := range res.Hooks {
		if h.Stage == HookPre && h.Outcome != HookSucceeded && h.Outcome != HookSkipped {
			failed = h.Ref.String()
			break
		}
	}
	for _, i := range idx {
		res.Objects[i].Action = ActionError
		res.Objects[i].Message = "not applied: the pre hook " + failed + " did not succeed"
	}
	skipHooks(plan, HookSync, res, "not run: the pre hook "+failed+" did not succeed")
}

// finishHooks ends an apply's hooks once its status is known: a hook of the pre or sync stage
// that did not succeed fails the apply; post hooks run when it succeeded (failing it when one
// does not succeed), SyncFail hooks when it did not; the hooks Rigel does not run are listed.
func (e *Engine) finishHooks(ctx context.Context, plan *Plan, res *Result, opts ApplyOptions) {
	if len(plan.Hooks) == 0 {
		return
	}
	for _, h := range res.Hooks {
		if h.Outcome != HookSucceeded && h.Outcome != HookSkipped {
			res.Status = StatusFailed
		}
	}
	if res.Status == StatusSucceeded {
		if !e.runHooks(ctx, plan, HookPost, res, opts) {
			res.Status = StatusFailed
		}
	} else {
		skipHooks(plan, HookPost, res, "not run: the apply is "+res.Status)
	}
	if res.Status != StatusSucceeded {
		e.runHooks(ctx, plan, HookFail, res, opts)
	} else {
		skipHooks(plan, HookFail, res, "not run: the apply succeeded")
	}
	notRunHooks(plan, res)
}
