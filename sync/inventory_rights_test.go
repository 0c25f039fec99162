package sync

import (
	"errors"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"

	"github.com/rigel-gitops/rigel/kube"
)

// TestInventoryUnreadableKind: a Rigel that may read and write the objects of a deployment but
// not list one kind of its inventory where the members live gets an *InventoryUnreadable
// naming the resource and the namespace, instead of a preview that shows no orphan. In
// Rigel's own namespace (the parent's, part of every set) such a kind has no member and is
// skipped: a namespaced install may list only its own ConfigMaps there.
func TestInventoryUnreadableKind(t *testing.T) {
	inv := newNamespace(t, "rigel")
	admin := &Engine{Kube: cluster(t), Inventory: inv}
	ctx := testCtx(t)
	ns := newNamespace(t, "nolist")
	dep := uniqueName("shop")
	prov := Provenance{Deployment: dep, Path: "apps/shop", Commit: "c1"}
	one := objs(t, "apps/shop/a.yaml", configMap(ns, "a", map[string]string{"k": "v"}))
	if res := mustApply(t, admin, ctx, mustDiff(t, admin, ctx, one, prov), ApplyOptions{}); res.Status != StatusSucceeded {
		t.Fatalf("apply: %+v", res)
	}

	// In Rigel's own namespace (the parent's) a kind it may not list has no member: skipped.
	var limited *Engine
	limitedTo := func(rules map[string][]string) *Engine {
		t.Helper()
		user := uniqueName("limited")
		for where, verbs := range rules {
			role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: user, Namespace: where},
				Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: verbs}}}
			if _, err := theClient.Typed.RbacV1().Roles(where).Create(ctx, role, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: user, Namespace: where},
				RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: user},
				Subjects: []rbacv1.Subject{{Kind: "User", Name: user}}}
			if _, err := theClient.Typed.RbacV1().RoleBindings(where).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		cfg := rest.CopyConfig(theCluster.Config)
		cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: []string{"system:authenticated"}}
		kc, err := kube.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return &Engine{Kube: kc, Inventory: inv}
	}
	limited = limitedTo(map[string][]string{inv: {"get", "patch"}, ns: {"get", "patch", "list"}}) // no list in Rigel's namespace
	var p *Plan
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if p, err = limited.Diff(ctx, nil, prov); err == nil {
			break
		}
	}
	if err != nil || len(p.Orphans) != 1 {
		t.Fatalf("Diff without list in Rigel's namespace: %+v %v", p, err)
	}

	limited = limitedTo(map[string][]string{inv: {"get", "patch", "list"}, ns: {"get", "patch"}}) // no list in ns
	var got error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if _, got = limited.Diff(ctx, one, prov); got != nil && strings.Contains(got.Error(), "may not list") {
			break
		}
	}
	var u *InventoryUnreadable
	if !errors.As(got, &u) {
		t.Fatalf("Diff without list: %v", got)
	}
	if u.Deployment != dep || u.GroupKind != (schema.GroupKind{Kind: "ConfigMap"}) || u.Resource != (schema.GroupResource{Resource: "configmaps"}) || u.Namespace != ns {
		t.Errorf("refusal %+v", u)
	}
}
