package testenv

import (
	"io/fs"
	"os"
	"path/filepath"
)

// ReadTree reads every file below dir as the files of a test repository: slash-separated
// paths relative to dir → contents (e.g. testdata/argocd-example, issue 17).
func ReadTree(dir string) (map[string]string, error) {
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	return files, err
}

// ArgoApplicationCRD is a minimal CustomResourceDefinition of Argo CD's Application, so that
// the apiserver's dry-run accepts one and Rigel's own refusal of it is what shows (issue 17).
const ArgoApplicationCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: applications.argoproj.io
spec:
  group: argoproj.io
  names: {kind: Application, listKind: ApplicationList, plural: applications, singular: application}
  scope: Namespaced
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`
