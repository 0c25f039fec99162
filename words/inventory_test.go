package words

import (
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/ops"
)

func TestSayInventoryForbidden(t *testing.T) {
	tests := []struct {
		name string
		err  *ops.InventoryForbidden
		want []string
	}{
		{"namespaced kind", &ops.InventoryForbidden{Deployment: "web", Kind: "Deployment.apps", Resource: "deployments.apps", Group: "apps", Namespace: "shop", Inventory: "rigel-applyset-web"},
			[]string{"❌ Rigel may not list `deployments.apps` in namespace `shop`", "the ConfigMap `rigel-applyset-web`", "kind `Deployment.apps`",
				"grants Rigel's ServiceAccount `list` on `deployments.apps`", "API group `apps` to the `rigel-reader` ClusterRole", "`rbac.readerRules`",
				"a RoleBinding in `shop`", "`applyset.kubernetes.io/contains-group-kinds`", "**Next:** `/rigel sync web` again once granted."}},
		{"cluster-scoped core kind", &ops.InventoryForbidden{Deployment: "web", Kind: "Namespace", Resource: "namespaces", Inventory: "rigel-applyset-web"},
			[]string{"`namespaces` cluster-wide", `API group "" (the core group)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Refusal(tt.err, Comment)
			if !ok {
				t.Fatal("not worded as a refusal")
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in\n%s", w, got)
				}
			}
		})
	}
}
