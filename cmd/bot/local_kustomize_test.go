package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// writeTree writes files (slash-separated paths) under root.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestKustomize: rigel diff and apply build a kustomization; in a git checkout the tree is
// the checkout, so an overlay's base in a sibling folder resolves and the folder stamped in
// helmsman.dev/source-path is repository-relative, as the bot stamps it. Outside a checkout
// the tree is the folder's parent: a base above it is refused, and nothing changes.
func TestKustomize(t *testing.T) {
	ns := "local-kustomize"
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	tree := map[string]string{
		"base/kustomization.yaml":          "resources:\n- cm.yaml\n",
		"base/cm.yaml":                     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: \"1\"\n",
		"overlays/prod/kustomization.yaml": "namespace: " + ns + "\nnamePrefix: prod-\nresources:\n- ../../base\n",
	}
	repo := t.TempDir()
	writeTree(t, repo, tree)
	if out, err := exec.Command("git", "init", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v: %s", err, out)
	}
	plain := t.TempDir() // the same files, in no checkout
	writeTree(t, plain, tree)
	cs := kubernetes.NewForConfigOrDie(cluster.Config)

	steps := []struct {
		name, verb, dir string
		code            int
		stdout, stderr  string
	}{
		{"diff of an overlay", "diff", filepath.Join(repo, "overlays", "prod"), diffChanges, "+++ rigel/v1/ConfigMap/" + ns + "/prod-web", "1 to create"},
		{"apply of an overlay", "apply", filepath.Join(repo, "overlays", "prod"), applyHealthy, "helmsman.dev/source-path: overlays/prod", "apply Succeeded"},
		{"diff after apply, from inside the checkout", "diff", "overlays/prod", diffNoChanges, "", "1 unchanged"},
		{"outside a checkout: a base above the folder's parent", "diff", filepath.Join(plain, "overlays", "prod"), diffError, "", "is outside the repository: Rigel reads only the repository's own files (" + filepath.Join(plain, "overlays", "prod") + " is in no git checkout: rigel reads the files under its parent folder " + filepath.Join(plain, "overlays") + " only"},
		{"outside a checkout: a kustomization", "diff", filepath.Join(plain, "base"), diffChanges, "+++ rigel/v1/ConfigMap/default/web", "1 to create"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if !filepath.IsAbs(st.dir) {
				t.Chdir(repo)
			}
			var out bytes.Buffer
			code, errOut := runLocal(t, st.verb, st.dir, nil, &out)
			if code != st.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, st.code, errOut)
			}
			if !strings.Contains(out.String(), st.stdout) || !strings.Contains(errOut, st.stderr) {
				t.Errorf("stdout lacks %q or stderr lacks %q:\n%s\n%s", st.stdout, st.stderr, out.String(), errOut)
			}
		})
	}
	cm, err := cs.CoreV1().ConfigMaps(ns).Get(context.Background(), "prod-web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := cm.Annotations["helmsman.dev/source-path"]; got != "overlays/prod" {
		t.Errorf("source-path %q, want overlays/prod", got)
	}
}
