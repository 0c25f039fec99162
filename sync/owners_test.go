package sync

import "testing"

func TestReconcilerOf(t *testing.T) {
	obj := func(labels, ann map[string]interface{}, managers ...string) map[string]interface{} {
		md := map[string]interface{}{"name": "web"}
		if labels != nil {
			md["labels"] = labels
		}
		if ann != nil {
			md["annotations"] = ann
		}
		var mf []interface{}
		for _, m := range managers {
			mf = append(mf, map[string]interface{}{"manager": m, "operation": "Apply"})
		}
		if mf != nil {
			md["managedFields"] = mf
		}
		return map[string]interface{}{"apiVersion": "v1", "kind": "ConfigMap", "metadata": md}
	}
	tests := []struct {
		name string
		obj  map[string]interface{}
		want string // Reconciler.String(), "" for none
	}{
		{"plain object", obj(map[string]interface{}{"app": "web"}, nil, "kubectl-client-side-apply", "rigel"), ""},
		{"no metadata", map[string]interface{}{"kind": "ConfigMap"}, ""},
		{"Argo CD instance label", obj(map[string]interface{}{"argocd.argoproj.io/instance": "shop"}, nil), "Argo CD Application shop"},
		{"Argo CD tracking id", obj(nil, map[string]interface{}{"argocd.argoproj.io/tracking-id": "shop:/ConfigMap:default/web"}), "Argo CD Application shop"},
		{"app.kubernetes.io/instance alone is Helm's too", obj(map[string]interface{}{"app.kubernetes.io/instance": "shop"}, nil), ""},
		{"app.kubernetes.io/instance with an Argo CD annotation", obj(map[string]interface{}{"app.kubernetes.io/instance": "shop"}, map[string]interface{}{"argocd.argoproj.io/sync-options": "Prune=false"}), "Argo CD Application shop"},
		{"app.kubernetes.io/instance with Argo CD's field manager", obj(map[string]interface{}{"app.kubernetes.io/instance": "shop"}, nil, "argocd-controller"), "Argo CD Application shop"},
		{"Argo CD's field manager alone", obj(nil, nil, "argocd-controller"), "Argo CD (field manager argocd-controller)"},
		{"Flux Kustomization", obj(map[string]interface{}{"kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}, nil), "Flux Kustomization flux-system/apps"},
		{"Flux HelmRelease", obj(map[string]interface{}{"helm.toolkit.fluxcd.io/name": "redis", "helm.toolkit.fluxcd.io/namespace": "cache"}, nil), "Flux HelmRelease cache/redis"},
		{"Flux kustomize-controller field manager", obj(nil, nil, "kustomize-controller"), "Flux (field manager kustomize-controller)"},
		{"Flux helm-controller field manager", obj(nil, nil, "helm-controller"), "Flux (field manager helm-controller)"},
		{"Helm release", obj(map[string]interface{}{"app.kubernetes.io/managed-by": "Helm"}, map[string]interface{}{"meta.helm.sh/release-name": "web", "meta.helm.sh/release-namespace": "shop"}), "Helm release shop/web"},
		{"Helm release by field manager", obj(nil, map[string]interface{}{"meta.helm.sh/release-name": "web"}, "helm"), "Helm release web"},
		{"Helm's annotation alone", obj(nil, map[string]interface{}{"meta.helm.sh/release-name": "web"}), ""},
		{"Flux helm-controller's release is Flux's", obj(map[string]interface{}{"app.kubernetes.io/managed-by": "Helm", "helm.toolkit.fluxcd.io/name": "redis", "helm.toolkit.fluxcd.io/namespace": "cache"}, map[string]interface{}{"meta.helm.sh/release-name": "cache-redis"}), "Flux HelmRelease cache/redis"},
		{"labels that are not strings", obj(map[string]interface{}{"argocd.argoproj.io/instance": 3}, nil), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ReconcilerOf(tc.obj)
			switch {
			case tc.want == "" && got != nil:
				t.Fatalf("ReconcilerOf = %v, want none", got)
			case tc.want != "" && (got == nil || got.String() != tc.want):
				t.Fatalf("ReconcilerOf = %v, want %s", got, tc.want)
			}
		})
	}
}
