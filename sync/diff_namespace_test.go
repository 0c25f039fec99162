package sync

import (
	"errors"
	"testing"
)

// DiffOptions.Namespace is the namespace of namespaced objects that name none, and
// EnforceNamespace refuses one naming another (kubectl apply -n); cluster-scoped objects keep
// no namespace either way.
func TestDiffNamespaceOption(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := newNamespace(t, "nsopt")
	other := newNamespace(t, "nsother")
	cr := uniqueName("cr")
	clusterRole := "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: " + cr + "\nrules: []\n"
	tests := []struct {
		name    string
		docs    []string
		opts    DiffOptions
		want    string // actions, when no error
		wantErr string // the Ref of the *NamespaceError
	}{
		{"no namespace given: default", []string{configMap("", "a", nil)}, DiffOptions{}, "ConfigMap/default/a create\n", ""},
		{"a namespace given", []string{configMap("", "a", nil), clusterRole}, DiffOptions{Namespace: ns},
			"ClusterRole/" + cr + " create\nConfigMap/" + ns + "/a create\n", ""},
		{"given, not enforced: the object's own wins", []string{configMap(other, "a", nil)}, DiffOptions{Namespace: ns}, "ConfigMap/" + other + "/a create\n", ""},
		{"enforced, the same", []string{configMap(ns, "a", nil), configMap("", "b", nil), clusterRole}, DiffOptions{Namespace: ns, EnforceNamespace: true},
			"ClusterRole/" + cr + " create\nConfigMap/" + ns + "/a create\nConfigMap/" + ns + "/b create\n", ""},
		{"enforced, another", []string{configMap("", "b", nil), configMap(other, "a", nil)}, DiffOptions{Namespace: ns, EnforceNamespace: true}, "", "ConfigMap/" + other + "/a"},
		{"enforced default, another", []string{configMap(other, "a", nil)}, DiffOptions{EnforceNamespace: true}, "", "ConfigMap/" + other + "/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := e.DiffWith(ctx, objs(t, "x.yaml", tt.docs...), Provenance{Deployment: "d", Path: "x"}, tt.opts)
			if tt.wantErr != "" {
				var nsErr *NamespaceError
				if !errors.As(err, &nsErr) || nsErr.Ref.String() != tt.wantErr || nsErr.Source != "x.yaml" {
					t.Fatalf("err %v, want a *NamespaceError for %s from x.yaml", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := actions(p); got != tt.want {
				t.Errorf("plan:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}
