package sync

import (
	"context"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Argo CD's sync options on a hook (issue 17). A hook is created in its phase, never applied
// nor pruned, so only some options change what Rigel does with it:
//   - SkipDryRunOnMissingResource=true: a hook of a kind the cluster does not serve yet is
//     previewed as sent, and created once the kind is served (syncoptions_crd.go);
//   - Replace=true: a named hook that exists and whose delete policy is not
//     BeforeHookCreation is replaced as a whole (at the resourceVersion the preview read)
//     rather than created again, which would fail; with Force=true it is deleted and created;
//   - the others (Prune, Delete, ServerSideApply, compare-options) do nothing to a hook: they
//     are listed as such (Hook.Unknown), never ignored silently.

// hookArgoOptions reads a hook's Argo CD options: the options (nil when none), what they do
// to the hook (said in the preview) and what they do not do (listed as not honoured).
func hookArgoOptions(ann map[string]string) (o *ArgoOptions, said, ignored []string) {
	o = argoOptionsOf(ann, "")
	if o == nil {
		return nil, nil, nil
	}
	ignored = append(ignored, o.Unknown...)
	if o.SkipDryRun {
		said = append(said, "SkipDryRunOnMissingResource=true: created once its kind is served, when the cluster does not know it yet")
	}
	switch {
	case o.Force:
		said = append(said, "Replace=true,Force=true: a hook of this name that exists is deleted and created again")
	case o.Replace:
		said = append(said, "Replace=true: a hook of this name that exists (its delete policy keeping it) is replaced as a whole, not created again")
	}
	const none = AnnotationArgoSyncOptions + ": "
	if o.NoPrune {
		ignored = append(ignored, none+"Prune=false (a hook is never pruned: its delete policy says when it is deleted)")
	}
	if o.NoDelete {
		ignored = append(ignored, none+"Delete=false (a hook is deleted by its delete policy: drop the policy to keep it)")
	}
	if o.ServerSideApply {
		ignored = append(ignored, none+"ServerSideApply=true (a hook is created, not applied)")
	}
	if o.IgnoreExtraneous {
		ignored = append(ignored, AnnotationArgoCompareOptions+": IgnoreExtraneous (a hook is not compared)")
	}
	return o, said, ignored
}

// replacesHook reports whether running the hook replaces its live object (Replace=true, a
// named hook that exists and that its delete policy does not delete before creation).
func (h *HookChange) replacesHook() bool {
	return h.Argo.Replaces() && h.liveRV != "" && !h.Hook.Deletes(DeleteBeforeCreation)
}

// createHook creates the hook, or replaces its live object when replacesHook (replaceOne:
// Force=true deletes and creates).
func (e *Engine) createHook(ctx context.Context, m *meta.RESTMapping, hc *HookChange) (*unstructured.Unstructured, error) {
	if !hc.replacesHook() {
		return e.Kube.Resource(m, hc.Ref.Namespace).Create(ctx, hc.desired, metav1.CreateOptions{FieldManager: FieldManager})
	}
	c := hc.Change
	c.liveRV = hc.liveRV
	return e.replaceOne(ctx, m, &c)
}
