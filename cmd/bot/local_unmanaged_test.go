package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/kube"
)

// The local CLI runs with the operator's own kubeconfig: it shows the live values of objects
// the deployment does not manage too, and marks them.
func TestLocalDiffShowsUnmanagedLive(t *testing.T) {
	dir, write := newFolder(t, "local-unmanaged")
	kc, err := kube.New(cluster.Config)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kc.Typed.CoreV1().ConfigMaps("local-unmanaged").Create(context.Background(), &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "handmade"}, Data: map[string]string{"a": "by-hand"}}, metav1.CreateOptions{FieldManager: "kubectl-create"}); err != nil {
		t.Fatal(err)
	}
	write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: handmade\n  namespace: local-unmanaged\ndata:\n  a: from-git\n")
	var out bytes.Buffer
	if code, errOut := runLocal(t, "diff", dir, []string{"--color", "never"}, &out); code != diffChanges {
		t.Fatalf("exit %d, want 1; stderr: %s", code, errOut)
	}
	for _, w := range []string{"# ConfigMap/local-unmanaged/handmade exists, not managed by web: field managers kubectl-create; applying takes over 1 field(s)", "-  a: by-hand", "+  a: from-git"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
}
