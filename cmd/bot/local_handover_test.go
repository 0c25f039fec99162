package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestLocalHandOver: `rigel diff` names the fields of an object first written by client-side
// `kubectl apply` that `rigel apply` removes, and `rigel apply` removes them.
func TestLocalHandOver(t *testing.T) {
	dir, write := newFolder(t, "local-handover")
	first := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: local-handover\ndata:\n  a: \"1\"\n  b: \"2\"\n"
	write("cm.yaml", first)
	cluster.KubectlApply(t, first)
	write("cm.yaml", strings.Replace(first, "  b: \"2\"\n", "", 1))

	var out bytes.Buffer
	if code, errOut := runLocal(t, "diff", dir, nil, &out); code != diffChanges {
		t.Fatalf("diff exit %d: %s", code, errOut)
	}
	for _, w := range []string{"# ConfigMap/local-handover/web: hand-over from kubectl apply: the fields kubectl-client-side-apply manages move to Rigel, and those git no longer sets are removed: data.b", `-  b: "2"`} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("diff lacks %q:\n%s", w, out.String())
		}
	}
	if code, errOut := runLocal(t, "apply", dir, nil, &bytes.Buffer{}); code != applyHealthy {
		t.Fatalf("apply exit %d: %s", code, errOut)
	}
	cs, err := kubernetes.NewForConfig(cluster.Config)
	if err != nil {
		t.Fatal(err)
	}
	cm, err := cs.CoreV1().ConfigMaps("local-handover").Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil || len(cm.Data) != 1 {
		t.Errorf("after apply: %v %v", cm.Data, err)
	}
	if code, errOut := runLocal(t, "diff", dir, nil, &bytes.Buffer{}); code != diffNoChanges {
		t.Errorf("diff after apply exit %d: %s", code, errOut)
	}
}
