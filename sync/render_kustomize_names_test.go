package sync

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestKustomizeGenerateName: a kustomization holding hooks written with generateName only
// builds: each keeps its generateName (with the kustomization's namePrefix), its namespace
// and annotations; the other objects are untouched; a patch of an object with a name still
// applies; Inputs reads the same folder.
func TestKustomizeGenerateName(t *testing.T) {
	job := func(meta, ann string) string {
		return "apiVersion: batch/v1\nkind: Job\nmetadata:\n" + meta + "  annotations:\n" + ann + "spec:\n  template:\n    metadata:\n      generateName: pod-\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: m\n        image: x\n"
	}
	m := fstest.MapFS{
		"app/kustomization.yaml": {Data: []byte("namespace: shop\nnamePrefix: p-\nresources:\n- cm.yaml\n- jobs.yaml\npatches:\n- path: patch.yaml\n")},
		"app/cm.yaml":            {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: \"1\"\n")},
		"app/patch.yaml":         {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: \"2\"\n")},
		"app/jobs.yaml": {Data: []byte(job("  generateName: migrate-\n", "    argocd.argoproj.io/hook: PreSync\n") + "---\n" +
			job("  generateName: notify-\n", "    helm.sh/hook: post-install\n") + "---\n" + job("  name: named\n", "    helm.sh/hook: pre-install\n"))},
	}
	objs, err := Render(context.Background(), m, "app")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		u := o.Obj
		got = append(got, u.GetKind()+" name="+u.GetName()+" generateName="+u.GetGenerateName()+" ns="+u.GetNamespace())
		if strings.Contains(u.GetName()+u.GetGenerateName(), "rigel-generate-name") {
			t.Errorf("a placeholder is left: %s", got[len(got)-1])
		}
		if u.GetKind() == "Job" && len(u.GetAnnotations()) != 1 {
			t.Errorf("%s lost its hook annotation: %v", u.GetName(), u.GetAnnotations())
		}
		if u.GetKind() == "ConfigMap" {
			if a, _, _ := unstructured.NestedString(u.Object, "data", "a"); a != "2" {
				t.Errorf("the patch did not apply: %v", u.Object["data"])
			}
		}
	}
	slices.Sort(got)
	want := []string{"ConfigMap name=p-web generateName= ns=shop", "Job name= generateName=p-migrate- ns=shop",
		"Job name= generateName=p-notify- ns=shop", "Job name=p-named generateName= ns=shop"}
	if !slices.Equal(got, want) {
		t.Errorf("built:\n got %q\nwant %q", got, want)
	}
	in, err := Inputs(context.Background(), m, "app")
	if err != nil || !slices.Contains(in, "app/jobs.yaml") {
		t.Errorf("Inputs = %q, %v", in, err)
	}
	// The files of the repository are not changed (the copy is).
	if !strings.Contains(string(m["app/jobs.yaml"].Data), "generateName: migrate-") {
		t.Error("the repository's file was rewritten")
	}
}

// A generateName line that is not metadata's is left alone: kustomize says what is missing.
func TestKustomizeGenerateNameNotMetadata(t *testing.T) {
	m := fstest.MapFS{
		"app/kustomization.yaml": {Data: []byte("resources:\n- job.yaml\n")},
		"app/job.yaml":           {Data: []byte("apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    metadata:\n      generateName: pod-\n")},
	}
	if _, err := Render(context.Background(), m, "app"); err == nil || !strings.Contains(err.Error(), "missing metadata.name") {
		t.Fatalf("err = %v, want kustomize's missing name", err)
	}
}
