package sync

import (
	"sort"
	"strings"
)

// Reconciler is another GitOps tool that manages a live object: applying the object from
// Rigel too would make the two fight over it.
type Reconciler struct {
	Tool     string // "Argo CD", "Flux" or "Helm"
	Owner    string // what of the tool manages it: "Application web", "Kustomization flux-system/apps"; "" when unknown
	Evidence string // what says so: "label argocd.argoproj.io/instance=web", "field manager kustomize-controller"
	// Hands (issue 17): the object is the tool's own (an Argo CD Application, a Flux
	// Kustomization…, owners_objects.go): applying it hands what it names to the tool.
	Hands bool
}

// String is "Argo CD Application web" or "Flux (field manager kustomize-controller)".
func (r *Reconciler) String() string {
	if r.Owner != "" {
		return r.Tool + " " + r.Owner
	}
	return r.Tool + " (" + r.Evidence + ")"
}

// Labels, annotations and field managers that mark an object as managed by Argo CD or Flux.
const (
	argoInstanceLabel      = "argocd.argoproj.io/instance"
	argoTrackingAnnotation = "argocd.argoproj.io/tracking-id"
	argoPrefix             = "argocd.argoproj.io/"
	k8sInstanceLabel       = "app.kubernetes.io/instance"
	fluxKustomizeName      = "kustomize.toolkit.fluxcd.io/name"
	fluxKustomizeNamespace = "kustomize.toolkit.fluxcd.io/namespace"
	fluxHelmName           = "helm.toolkit.fluxcd.io/name"
	fluxHelmNamespace      = "helm.toolkit.fluxcd.io/namespace"
	helmReleaseName        = "meta.helm.sh/release-name"
	helmReleaseNamespace   = "meta.helm.sh/release-namespace"
	k8sManagedByLabel      = "app.kubernetes.io/managed-by"
)

// reconcilerManagers are the field managers of the tools' controllers.
var reconcilerManagers = map[string]struct{ tool, kind string }{
	"argocd-controller":             {"Argo CD", "Application"},
	"argocd-application-controller": {"Argo CD", "Application"},
	"kustomize-controller":          {"Flux", "Kustomization"},
	"helm-controller":               {"Flux", "HelmRelease"},
}

// ReconcilerOf says whether a live object (as the apiserver returns it, managedFields
// included) is managed by Argo CD or Flux, and by what; nil when neither shows.
func ReconcilerOf(obj map[string]interface{}) *Reconciler {
	md, _ := obj["metadata"].(map[string]interface{})
	if md == nil {
		return nil
	}
	labels := stringMap(md["labels"])
	ann := stringMap(md["annotations"])
	managers := fieldManagers(md["managedFields"])

	// Flux stamps both the name and the namespace of the Kustomization or HelmRelease.
	if n := labels[fluxKustomizeName]; n != "" {
		return &Reconciler{Tool: "Flux", Owner: "Kustomization " + joinNS(labels[fluxKustomizeNamespace], n), Evidence: "label " + fluxKustomizeName + "=" + n}
	}
	if n := labels[fluxHelmName]; n != "" {
		return &Reconciler{Tool: "Flux", Owner: "HelmRelease " + joinNS(labels[fluxHelmNamespace], n), Evidence: "label " + fluxHelmName + "=" + n}
	}
	if n := labels[argoInstanceLabel]; n != "" {
		return &Reconciler{Tool: "Argo CD", Owner: "Application " + n, Evidence: "label " + argoInstanceLabel + "=" + n}
	}
	if id := ann[argoTrackingAnnotation]; id != "" {
		app, _, _ := strings.Cut(id, ":") // "app:group/Kind:namespace/name"
		return &Reconciler{Tool: "Argo CD", Owner: "Application " + app, Evidence: "annotation " + argoTrackingAnnotation}
	}
	// A release the helm binary installed (Helm stamps both, and adopts nothing without them).
	if n := ann[helmReleaseName]; n != "" && (labels[k8sManagedByLabel] == "Helm" || contains(managers, "helm")) {
		return &Reconciler{Tool: "Helm", Owner: "release " + joinNS(ann[helmReleaseNamespace], n), Evidence: "annotation " + helmReleaseName + "=" + n}
	}
	argoManager := ""
	for _, m := range managers {
		if r, ok := reconcilerManagers[m]; ok && r.tool == "Argo CD" {
			argoManager = m
		}
	}
	// app.kubernetes.io/instance is Argo CD's default tracking label, but also a common label
	// Helm charts set: it counts only with another sign of Argo CD.
	if n := labels[k8sInstanceLabel]; n != "" && (argoManager != "" || hasKeyPrefix(labels, argoPrefix) || hasKeyPrefix(ann, argoPrefix)) {
		return &Reconciler{Tool: "Argo CD", Owner: "Application " + n, Evidence: "label " + k8sInstanceLabel + "=" + n + " with Argo CD's marks"}
	}
	for _, m := range managers {
		if r, ok := reconcilerManagers[m]; ok {
			return &Reconciler{Tool: r.tool, Evidence: "field manager " + m}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func joinNS(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

func stringMap(v interface{}) map[string]string {
	m, _ := v.(map[string]interface{})
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

func hasKeyPrefix(m map[string]string, prefix string) bool {
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// fieldManagers lists the managers of an object's managedFields, sorted.
func fieldManagers(v interface{}) []string {
	list, _ := v.([]interface{})
	var out []string
	for _, e := range list {
		m, _ := e.(map[string]interface{})
		if name, ok := m["manager"].(string); ok && name != "" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Reconciled lists the changes whose live object another reconciler manages.
func (p *Plan) Reconciled() []Change {
	var out []Change
	for _, c := range p.Changes {
		if c.ManagedBy != nil {
			out = append(out, c)
		}
	}
	for _, h := range p.Hooks { // hooks.go: a hook's live object too
		if h.ManagedBy != nil {
			out = append(out, h.AsChange())
		}
	}
	return out
}
