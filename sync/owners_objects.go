package sync

import "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

// The objects of a folder that are another reconciler's own (issue 17): an Argo CD Application
// or ApplicationSet, a Flux Kustomization or HelmRelease. Applying one does not change the
// cluster the way the preview shows: it hands what the object names (another repository,
// folder or chart) to that tool, which Rigel neither previews nor applies. Such an object is a
// change ManagedBy the tool, with Hands set, so the plan shows it as what it is and
// /rigel apply refuses it without --force, as it refuses an object the tool manages (ops
// Reconciler refusal).

// handingKinds are the groups (and, when not every kind of the group, the kinds) of the
// objects that hand work to another reconciler.
var handingKinds = map[string]struct {
	tool  string
	kinds []string // nil: every kind of the group
}{
	"argoproj.io":                 {"Argo CD", []string{"Application", "ApplicationSet"}},
	"kustomize.toolkit.fluxcd.io": {"Flux", nil},
	"helm.toolkit.fluxcd.io":      {"Flux", nil},
}

// ReconcilerObjectOf says whether a desired object is one of another reconciler's own, and
// whose; nil when it is not.
func ReconcilerObjectOf(u *unstructured.Unstructured) *Reconciler {
	if u == nil {
		return nil
	}
	gvk := u.GroupVersionKind()
	h, ok := handingKinds[gvk.Group]
	if !ok || h.kinds != nil && !contains(h.kinds, gvk.Kind) {
		return nil
	}
	return &Reconciler{
		Tool:     h.tool,
		Owner:    gvk.Kind + " " + joinNS(u.GetNamespace(), u.GetName()),
		Evidence: "kind " + gvk.Kind + " of " + gvk.Group,
		Hands:    true,
	}
}
