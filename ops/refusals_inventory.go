package ops

import (
	"errors"
	"fmt"

	"github.com/rigel-gitops/rigel/sync"
)

// InventoryForbidden refuses a preview (and so an apply) of a deployment whose inventory holds
// a kind Rigel may not list where its members live (issue 12): the preview could not say
// which objects the folder no longer renders. Nothing is changed.
type InventoryForbidden struct {
	Deployment string
	Kind       string // group-kind, as the inventory's parent names it ("Deployment.apps")
	Resource   string // resource.group, as RBAC names it ("deployments.apps", "configmaps")
	Group      string // the API group ("" for the core group)
	Namespace  string // "" for a cluster-scoped kind
	Inventory  string // the parent ConfigMap, in Rigel's namespace
}

func (e *InventoryForbidden) Error() string {
	where := "cluster-wide"
	if e.Namespace != "" {
		where = "in namespace " + e.Namespace
	}
	return fmt.Sprintf("Rigel may not list %s %s, where the inventory of %s has members: it needs list on %s there", e.Resource, where, e.Deployment, e.Resource)
}

// Refused marks InventoryForbidden as a refusal.
func (e *InventoryForbidden) Refused() {}

// inventoryForbidden is the refusal of a diff that failed because a kind of the inventory
// cannot be listed; nil for any other error.
func inventoryForbidden(err error) *InventoryForbidden {
	var u *sync.InventoryUnreadable
	if !errors.As(err, &u) {
		return nil
	}
	return &InventoryForbidden{Deployment: u.Deployment, Kind: u.GroupKind.String(), Resource: u.Resource.String(), Group: u.Resource.Group,
		Namespace: u.Namespace, Inventory: sync.InventoryName(u.Deployment)}
}
