package deploy

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rigel-gitops/rigel/sync"
)

// TestPrunerRules checks the opt-in right to prune: the prune overlay (the base with
// components/pruner) adds a ClusterRole rigel-pruner that grants delete and nothing else, on
// exactly the resources rigel-deployer writes, bound to Rigel's ServiceAccount; the base and
// the chart's default values grant no delete.
func TestPrunerRules(t *testing.T) {
	for _, objs := range [][]*unstructured.Unstructured{render(t, "."), render(t, overlayDir), renderChart(t, rigelNS, nil)} {
		for _, u := range objs {
			if strings.Contains(u.GetName(), "pruner") {
				t.Errorf("installed without prune: %s %s", u.GetKind(), u.GetName())
			}
		}
	}
	for name, objs := range map[string][]*unstructured.Unstructured{
		"overlays/prune":       render(t, pruneOverlayDir),
		"chart rbac.prune":     renderChart(t, rigelNS, map[string]any{"rbac": map[string]any{"prune": true}}),
		"chart namespaced one": renderChart(t, rigelNS, map[string]any{"rbac": map[string]any{"prune": true, "scope": "namespaced", "namespaces": []any{"team-a"}}}),
	} {
		t.Run(name, func(t *testing.T) {
			var deployer, pruner rbacv1.ClusterRole
			convert(t, find(t, objs, "ClusterRole", "", "rigel-deployer"), &deployer)
			convert(t, find(t, objs, "ClusterRole", "", "rigel-pruner"), &pruner)
			if len(pruner.Rules) != len(deployer.Rules) {
				t.Fatalf("rigel-pruner has %d rules, rigel-deployer %d", len(pruner.Rules), len(deployer.Rules))
			}
			for i, r := range pruner.Rules {
				d := deployer.Rules[i]
				if !slices.Equal(r.Verbs, []string{"delete"}) || !slices.Equal(r.APIGroups, d.APIGroups) || !slices.Equal(r.Resources, d.Resources) ||
					len(r.ResourceNames) > 0 || len(r.NonResourceURLs) > 0 {
					t.Errorf("rigel-pruner rule %d = %+v, want delete on rigel-deployer's %v %v", i, r, d.APIGroups, d.Resources)
				}
			}
			kind, ns := "ClusterRoleBinding", ""
			if strings.Contains(name, "namespaced") {
				kind, ns = "RoleBinding", "team-a"
			}
			var sub []rbacv1.Subject
			var ref rbacv1.RoleRef
			if kind == "RoleBinding" {
				var rb rbacv1.RoleBinding
				convert(t, find(t, objs, kind, ns, "rigel-pruner"), &rb)
				sub, ref = rb.Subjects, rb.RoleRef
			} else {
				var crb rbacv1.ClusterRoleBinding
				convert(t, find(t, objs, kind, ns, "rigel-pruner"), &crb)
				sub, ref = crb.Subjects, crb.RoleRef
			}
			if ref.Kind != "ClusterRole" || ref.Name != "rigel-pruner" || len(sub) != 1 || sub[0].Kind != "ServiceAccount" || sub[0].Name != "rigel" || sub[0].Namespace != rigelNS {
				t.Errorf("%s rigel-pruner binds %+v to %+v", kind, ref, sub)
			}
		})
	}
}

// TestChartPrunerInstalls installs the chart with rbac.prune (its own namespace and names) and
// checks as its ServiceAccount that it may delete what it applies, and no more than before:
// Rigel's engine prunes an orphan of an inventory, and no token, shell or escalation appears.
func TestChartPrunerInstalls(t *testing.T) {
	ns, target := "rigel-chart-prune", "deploy-prune-target"
	objs := renderChart(t, ns, map[string]any{"rbac": map[string]any{"prune": true,
		"deployerName": "rigel-prune-deployer", "readerName": "rigel-prune-reader", "prunerName": "rigel-prune-pruner"}})
	admin := adminKube(t)
	if err := cluster.CreateNamespace(target); err != nil {
		t.Fatal(err)
	}
	apply(t, admin, objs, "deploy/chart/rigel")
	rigel := asRigelIn(t, ns)
	for _, r := range []right{{"delete", "", "configmaps", "", target}, {"delete", "apps", "deployments", "", target}} {
		eventually(t, "the pruner binding to reach the authorizer", func() error {
			if !canI(t, rigel, r) {
				return fmt.Errorf("may not %s", r)
			}
			return nil
		})
	}
	for _, r := range []right{
		{"create", "", "serviceaccounts", "token", target}, {"create", "", "pods", "exec", target}, {"get", "", "pods", "proxy", target},
		{"escalate", "rbac.authorization.k8s.io", "clusterroles", "", ""}, {"bind", "rbac.authorization.k8s.io", "clusterroles", "", ""},
		{"impersonate", "", "serviceaccounts", "", target}, {"deletecollection", "", "configmaps", "", target},
	} {
		if canI(t, rigel, r) {
			t.Errorf("with prune, Rigel may %s", r)
		}
	}

	e := &sync.Engine{Kube: rigel, Inventory: ns}
	prov := sync.Provenance{Deployment: "probe-prune", Path: "probe"}
	one := []sync.Object{{Obj: probeConfigMap(target, "probe-prune")}}
	plan, err := e.Diff(ctxT(t), one, prov)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := e.Apply(ctxT(t), plan, sync.ApplyOptions{}); err != nil || res.Status != sync.StatusSucceeded {
		t.Fatalf("apply: %v %+v", err, res)
	}
	if plan, err = e.Diff(ctxT(t), nil, prov); err != nil || len(plan.Orphans) != 1 {
		t.Fatalf("orphans %+v %v", plan, err)
	}
	res, err := e.Apply(ctxT(t), plan, sync.ApplyOptions{Prune: true})
	if err != nil || len(res.Pruned) != 1 || res.Pruned[0].Action != sync.ActionDelete {
		t.Fatalf("prune as Rigel with rbac.prune: %v %+v", err, res)
	}
	if _, err := admin.Typed.CoreV1().ConfigMaps(target).Get(ctxT(t), "probe-prune", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the orphan after prune: %v", err)
	}
}
