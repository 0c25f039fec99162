package ops

import (
	"context"
	"errors"
	"fmt"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rigel-gitops/rigel/sync"
)

// unlistablePlanner fails every diff as the engine does when a kind of the inventory cannot
// be listed.
type unlistablePlanner struct{ *fakePlanner }

func (p *unlistablePlanner) DiffWith(ctx context.Context, objs []sync.Object, prov sync.Provenance, opts sync.DiffOptions) (*sync.Plan, error) {
	gr := schema.GroupResource{Group: "apps", Resource: "deployments"}
	return nil, fmt.Errorf("failed to diff %s: failed to read the inventory of %s: %w", prov.Deployment, prov.Deployment, &sync.InventoryUnreadable{
		Deployment: prov.Deployment, GroupKind: schema.GroupKind{Group: "apps", Kind: "Deployment"}, Resource: gr, Namespace: "shop",
		Err: apierrors.NewForbidden(gr, "", errors.New("cannot list")),
	})
}

func TestPreviewRefusesAnUnlistableInventoryKind(t *testing.T) {
	e := newPlanEnv(t, nil)
	e.svc.Planner = &unlistablePlanner{fakePlanner: e.pl}
	_, err := e.svc.Preview(context.Background(), e.call(&fakeForge{}, 1, false), e.dep, PreviewRequest{At: BranchTarget("main"), Verb: "sync"})
	var f *InventoryForbidden
	if !errors.As(err, &f) || !IsRefusal(err) {
		t.Fatalf("preview: %v, want an *InventoryForbidden refusal", err)
	}
	want := InventoryForbidden{Deployment: e.dep.Name, Kind: "Deployment.apps", Resource: "deployments.apps", Group: "apps", Namespace: "shop", Inventory: sync.InventoryName(e.dep.Name)}
	if *f != want {
		t.Errorf("refusal %+v, want %+v", *f, want)
	}
	if inventoryForbidden(errors.New("other")) != nil {
		t.Error("another error became the refusal")
	}
}
