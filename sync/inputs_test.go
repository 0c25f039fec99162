package sync

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"testing/fstest"
)

func TestInputs(t *testing.T) {
	deploy := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx\n"
	svc := "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"
	patch := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n"
	repo := fstest.MapFS{
		"apps/base/kustomization.yaml":       file("resources:\n  - deploy.yaml\n  - svc.yaml\n"),
		"apps/base/deploy.yaml":              file(deploy),
		"apps/base/svc.yaml":                 file(svc),
		"apps/base/unused.yaml":              file(svc),
		"apps/comp/kustomization.yaml":       file("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - path: replicas.yaml\n"),
		"apps/comp/replicas.yaml":            file(patch),
		"apps/staging/kustomization.yaml":    file("resources:\n  - ../base\nnamePrefix: staging-\n"),
		"apps/prod/kustomization.yaml":       file("resources:\n  - ../base\ncomponents:\n  - ../comp\n"),
		"apps/prod/notes.yaml":               file("not: read\n"),
		"plain/web/deploy.yaml":              file(deploy),
		"plain/web/sub/svc.yml":              file(svc),
		"plain/web/README.md":                file("docs\n"),
		"plain/web/.hidden/x.yaml":           file(svc),
		"plain/web/other/kustomization.yaml": file("resources: []\n"),
	}
	tests := []struct {
		folder string
		want   []string
	}{
		{"apps/staging", []string{"apps/base/deploy.yaml", "apps/base/kustomization.yaml", "apps/base/svc.yaml", "apps/staging/kustomization.yaml"}},
		{"apps/prod", []string{"apps/base/deploy.yaml", "apps/base/kustomization.yaml", "apps/base/svc.yaml", "apps/comp/kustomization.yaml", "apps/comp/replicas.yaml", "apps/prod/kustomization.yaml"}},
		{"apps/base", []string{"apps/base/deploy.yaml", "apps/base/kustomization.yaml", "apps/base/svc.yaml"}},
		{"plain/web", []string{"plain/web/deploy.yaml", "plain/web/sub/svc.yml"}},
	}
	for _, tt := range tests {
		t.Run(tt.folder, func(t *testing.T) {
			got, err := Inputs(context.Background(), repo, tt.folder)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Inputs = %q\nwant     %q", got, tt.want)
			}
		})
	}
	t.Run("a folder that does not render is an error, as for Render", func(t *testing.T) {
		bad := fstest.MapFS{"k/kustomization.yaml": file("resources:\n  - https://example.com/x.yaml\n")}
		_, err := Inputs(context.Background(), bad, "k")
		var he *HermeticError
		if !errors.As(err, &he) {
			t.Fatalf("err = %v, want a HermeticError", err)
		}
	})
}
