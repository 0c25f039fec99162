package ops

import (
	"context"
	"reflect"
	"testing"

	"github.com/rigel-gitops/rigel/config"
)

func TestPolicyView(t *testing.T) {
	ctx := context.Background()
	svc, _, _, _ := newTestService(t)
	svc.Access.DefaultPolicy = config.Policy{Namespaces: []string{"shop*"}}
	seedRegistry(t, svc, entry(webRepo, config.Deployment{Name: "web", Path: "deploy/web"}))
	if err := svc.SetPolicy(ctx, "web", &config.Policy{Namespaces: []string{"shop-a"}}); err != nil {
		t.Fatal(err)
	}
	src, err := svc.Registry.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, dep := src.FindDeployment("web")
	v := svc.Policy(*dep)
	if !reflect.DeepEqual(v.Deployment.Policy.Namespaces, []string{"shop-a"}) || !reflect.DeepEqual(v.Default, svc.Access.DefaultPolicy) || v.Namespace != "rigel" ||
		!reflect.DeepEqual(v.Effective, svc.PolicyOf(*dep)) || !reflect.DeepEqual(v.Protected, svc.Protected()) {
		t.Fatalf("view %+v", v)
	}
	if err := svc.SetPolicy(ctx, "nosuch", &config.Policy{}); err == nil || IsRefusal(err) {
		t.Fatalf("SetPolicy of a deployment nobody registered = %v, want a failure", err)
	}
}
