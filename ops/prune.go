package ops

import (
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/policy"
	"github.com/rigel-gitops/rigel/sync"
)

// keepByPolicy is the DiffOptions.KeepOrphan of a deployment's policy: an orphan of its
// inventory is deleted by an apply that prunes only if the policy would let the deployment
// apply it; a Namespace or a CRD only when the policy allows cluster-scoped objects (deleting
// one deletes everything in it).
func keepByPolicy(pol config.Policy) func(sync.Orphan) string {
	return func(o sync.Orphan) string {
		r := o.Ref
		if (r.Group == "" && r.Kind == "Namespace") || (r.Group == "apiextensions.k8s.io" && r.Kind == "CustomResourceDefinition") {
			if !pol.ClusterScopedAllowed() {
				return "a " + r.Kind + " is deleted only when the deployment's policy allows cluster-scoped objects (clusterScoped: true)"
			}
		}
		vs := policy.Violations(pol, sync.NewChange(r, o.ClusterScoped, nil))
		if len(vs) == 0 {
			return ""
		}
		msgs := make([]string, len(vs))
		for i, v := range vs {
			msgs[i] = v.Msg
		}
		return "the deployment's policy refuses it: " + strings.Join(msgs, "; ")
	}
}

// prunes reports whether an apply of dep asked with prune deletes the plan's orphans: when
// asked (/rigel apply --prune) or when the cluster admins set prune: true on the deployment.
func prunes(dep config.Deployment, asked bool) bool { return asked || dep.Prune }

// prunedNote is the part of a sync's message about what it pruned ("" when it pruned nothing).
func prunedNote(res *sync.Result) string {
	var deleted, failed int
	for _, o := range res.Pruned {
		switch o.Action {
		case sync.ActionDelete:
			deleted++
		case sync.ActionError:
			failed++
		}
	}
	switch {
	case deleted+failed == 0:
		return ""
	case failed == 0:
		return fmt.Sprintf(", %d deleted", deleted)
	}
	return fmt.Sprintf(", %d deleted, %d not deleted", deleted, failed)
}
