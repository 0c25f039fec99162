package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// copyExample copies testdata/argocd-example into a new git checkout and returns its root.
func copyExample(t *testing.T) string {
	t.Helper()
	files, err := testenv.ReadTree(filepath.Join("..", "..", "testdata", "argocd-example"))
	if err != nil {
		t.Fatal(err)
	}
	repo := t.TempDir()
	writeTree(t, repo, files)
	if out, err := exec.Command("git", "init", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v: %s", err, out)
	}
	return repo
}

// TestArgoCDExampleRepository (issue 17): every folder of an Argo-CD-style repository either
// previews with `rigel diff` against the real apiserver, or is refused with its reason.
func TestArgoCDExampleRepository(t *testing.T) {
	ns := "local-argocd-example"
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	repo := copyExample(t)
	crd := t.TempDir()
	writeTree(t, crd, map[string]string{"crd.yaml": testenv.ArgoApplicationCRD})
	if code, errOut := runLocal(t, "apply", crd, []string{"--name", "argocd-crds"}, &bytes.Buffer{}); code != applyHealthy {
		t.Fatalf("installing the Application CRD: exit %d: %s", code, errOut)
	}
	steps := []struct {
		name, verb, folder string
		args               []string
		code               int
		stdout, stderr     []string
	}{
		{"plain", "diff", "guestbook", nil, diffChanges,
			[]string{"+++ rigel/apps/v1/Deployment/" + ns + "/guestbook-ui", "+++ rigel/v1/Service/" + ns + "/guestbook-ui"}, []string{"2 to create"}},
		{"kustomize", "diff", "kustomize-guestbook", nil, diffChanges,
			[]string{"+++ rigel/apps/v1/Deployment/" + ns + "/kustomize-guestbook-ui"}, []string{"2 to create"}},
		{"sync waves", "diff", "sync-waves", nil, diffChanges,
			[]string{"argocd.argoproj.io/sync-wave", "/ConfigMap/" + ns + "/waves-config"}, []string{"3 to create"}},
		{"waves, a CRD made by a PreSync hook, and hooks", "diff", "waves-and-hooks", nil, diffChanges,
			[]string{"+++ rigel/example.rigel.dev/v1/Gizmo/" + ns + "/wh-gizmo", "# hook CustomResourceDefinition/gizmos.example.rigel.dev (PreSync, weight 0) runs before the objects",
				"# Gizmo/" + ns + "/wh-gizmo: kind Gizmo is defined by CustomResourceDefinition gizmos.example.rigel.dev, a PreSync hook of this plan: not dry-run (as Argo CD), shown as sent"}, []string{"4 to create"}},
		{"hooks with generateName", "diff", "pre-post-sync", nil, diffChanges,
			[]string{"# hook Job", "PreSync", "PostSync", "before the objects", "after the objects are healthy"}, []string{"1 to create"}},
		{"jsonnet with a top-level argument and a lib", "diff", "jsonnet-guestbook-tla", []string{"--tla", "name=jsonnet-gb", "--jsonnet-lib", "lib"}, diffChanges,
			[]string{"+++ rigel/apps/v1/Deployment/" + ns + "/jsonnet-gb", "+++ rigel/v1/Service/" + ns + "/jsonnet-gb", "helmsman.dev/source-path: jsonnet-guestbook-tla"}, []string{"2 to create"}},
		{"jsonnet without its top-level argument", "diff", "jsonnet-guestbook-tla", []string{"--jsonnet-lib", "lib"}, diffError,
			nil, []string{"jsonnet-guestbook-tla/guestbook-ui.jsonnet", "name"}},
		{"jsonnet without its lib", "diff", "jsonnet-guestbook-tla", []string{"--tla", "name=x"}, diffError,
			nil, []string{`import "k.libsonnet": no such file in the repository`}},
		{"a Helm chart", "diff", "helm-guestbook", nil, diffChanges,
			[]string{"+++ rigel/apps/v1/Deployment/" + ns + "/helm-guestbook-helm-guestbook"}, []string{"1 to create"}},
		{"an Argo CD Application: previewed as what it is", "diff", "apps", nil, diffChanges,
			[]string{"Application/" + ns + "/guestbook is Argo CD's own object (kind Application of argoproj.io): applying it hands what it names to Argo CD"}, []string{"1 to create"}},
		{"an Argo CD Application: apply refused without --force", "apply", "apps", nil, applyError,
			nil, []string{"1 object(s) are another reconciler's (Argo CD Application " + ns + "/guestbook): nothing applied; pass --force"}},
		{"a folder with nothing to render", "diff", "docs-only", nil, diffError,
			nil, []string{"docs-only holds nothing Rigel can render", "notes.txt: not a manifest", "widgets.libsonnet: a jsonnet library"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			var out bytes.Buffer
			args := append([]string{"-n", ns}, st.args...)
			code, errOut := runLocal(t, st.verb, filepath.Join(repo, st.folder), args, &out)
			if code != st.code {
				t.Errorf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, st.code, out.String(), errOut)
			}
			for _, w := range st.stdout {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, out.String())
				}
			}
			for _, w := range st.stderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}
