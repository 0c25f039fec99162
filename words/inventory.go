package words

import (
	"fmt"

	"github.com/rigel-gitops/rigel/ops"
)

// sayInventoryForbidden words ops.InventoryForbidden: what Rigel could not read, the right it
// needs, how a cluster admin grants it, and what to type then.
func sayInventoryForbidden(e *ops.InventoryForbidden, h Hints) string {
	where, binding := "cluster-wide", "its ClusterRoleBinding"
	if e.Namespace != "" {
		where = "in namespace " + Code(e.Namespace)
		binding = "its ClusterRoleBinding (or, with the namespaced overlay, a RoleBinding in " + Code(e.Namespace) + ")"
	}
	group := Code(e.Group)
	if e.Group == "" {
		group = `"" (the core group)`
	}
	return fmt.Sprintf("❌ Rigel may not list %s %s, where the inventory of %s (the ConfigMap %s in Rigel's namespace) says objects of kind %s live. "+
		"Without that, the preview cannot tell which of them the folder no longer renders, so nothing is previewed or applied.\n\n"+
		"**Fix:** a cluster admin grants Rigel's ServiceAccount `list` on %s: add the resource of API group %s to the `rigel-reader` ClusterRole "+
		"(`deploy/base/rbac-cluster.yaml`, or the chart's `rbac.readerRules`), bound by %s. "+
		"If no object of that kind belongs to the deployment any more, a cluster admin may instead remove %s from the ConfigMap's annotation `applyset.kubernetes.io/contains-group-kinds`.\n\n"+
		"**Next:** %s again once granted.",
		Code(e.Resource), where, Code(e.Deployment), Code(e.Inventory), Code(e.Kind), Code(e.Resource), group, binding, Code(e.Kind), h.Preview(e.Deployment))
}
