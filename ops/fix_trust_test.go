package ops

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/kube"
)

func TestCheckFixPolicyOnWhatTheEditBuilds(t *testing.T) {
	deploy := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: %s\n"
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: other\ndata:\n  k: %s\n"
	repo := fstest.MapFS{
		"k8s/deploy.yaml": {Data: []byte(strings.ReplaceAll(deploy, "%s", "1"))},
		"k8s/cm.yaml":     {Data: []byte(strings.ReplaceAll(cm, "%s", "a"))},
	}
	dep := config.Deployment{Name: "web", Path: "k8s"}
	ref := kube.WorkloadRef{Kind: "Deployment", Namespace: "shop", Name: "web"}
	pol := config.Policy{Namespaces: []string{"shop"}}
	tests := []struct {
		name    string
		changes []fix.Change
		refused *Policy // nil: allowed
	}{
		{"the workload, without a namespace, is in the workload's", []fix.Change{{Path: "k8s/deploy.yaml", After: []byte(strings.ReplaceAll(deploy, "%s", "2"))}}, nil},
		{"an unchanged object against the policy does not count", nil, nil},
		{"a changed object in another namespace is refused", []fix.Change{{Path: "k8s/cm.yaml", After: []byte(strings.ReplaceAll(cm, "%s", "b"))}},
			&Policy{Object: &PolicyObject{Deployment: "web", Verb: "fix", Kind: "ConfigMap", Name: "c", Namespace: "other", Built: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkFixPolicy(context.Background(), repo, dep, pol, ref, tt.changes)
			checkPolicyRefuses(t, err, tt.refused)
		})
	}
	t.Run("other policies refuse the workload itself", func(t *testing.T) {
		err := checkFixPolicy(context.Background(), repo, dep, config.Policy{Namespaces: []string{"elsewhere"}}, ref,
			[]fix.Change{{Path: "k8s/deploy.yaml", After: []byte(strings.ReplaceAll(deploy, "%s", "2"))}})
		checkPolicyRefuses(t, err, &Policy{Object: &PolicyObject{Deployment: "web", Verb: "fix", Kind: "Deployment", Name: "web", Namespace: "shop", Built: true}})
	})
}

// checkPolicyRefuses fails unless err is want (nil: no error), its Msg aside (which must say
// something).
func checkPolicyRefuses(t *testing.T, err error, want *Policy) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("err = %v", err)
		}
		return
	}
	var got *Policy
	if !errors.As(err, &got) || got.Object == nil || got.Object.Msg == "" {
		t.Fatalf("err = %v, want a *Policy of one object", err)
	}
	g := *got.Object
	g.Msg = ""
	if g != *want.Object {
		t.Fatalf("refusal %+v, want %+v", g, *want.Object)
	}
}

func TestFixBranchNames(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < fixBranchTries; i++ {
		n := fixBranchName("rigel/fix-web-abc1234", i)
		if !strings.HasPrefix(n, "rigel/fix-web-abc1234") || seen[n] {
			t.Fatalf("name %d = %q (seen: %v)", i, n, seen)
		}
		seen[n] = true
	}
	if fixBranchName("x", 0) != "x" || fixBranchName("x", 1) != "x-2" || fixBranchName("x", 4) != "x-5" {
		t.Error("the first names are not x, x-2 … x-5")
	}
}
