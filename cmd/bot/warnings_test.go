package main

import (
	"io"
	"strings"
	"testing"
)

// TestApiserverWarnings: the warnings the apiserver sends with sync's raw dry-run and apply
// requests reach stderr as kubectl prints them ("Warning: …"), once each, and a manifest
// without any prints none.
func TestApiserverWarnings(t *testing.T) {
	const warning = `Warning: spec.template.spec.nodeSelector[beta.kubernetes.io/os]: deprecated since v1.14; use "kubernetes.io/os" instead`
	ns := "warnings"
	dir, write := newFolder(t, ns)
	old := strings.Replace(deployment(ns, "old", false), "    spec:\n", "    spec:\n      nodeSelector:\n        beta.kubernetes.io/os: linux\n", 1)
	write("old.yaml", old)
	tests := []struct {
		verb string
		code int
		want int // times the warning is printed
	}{
		{"diff", diffChanges, 1},
		{"apply", applyHealthy, 1},
	}
	for _, tt := range tests {
		code, errOut := runLocal(t, tt.verb, dir, nil, io.Discard)
		if code != tt.code {
			t.Fatalf("rigel %s exited %d, want %d; stderr:\n%s", tt.verb, code, tt.code, errOut)
		}
		if got := strings.Count(errOut, warning); got != tt.want {
			t.Fatalf("rigel %s printed the apiserver's warning %d times, want %d; stderr:\n%s", tt.verb, got, tt.want, errOut)
		}
	}

	clean, writeClean := newFolder(t, "")
	writeClean("new.yaml", deployment(ns, "new", false))
	if code, errOut := runLocal(t, "diff", clean, nil, io.Discard); code != diffChanges || strings.Contains(errOut, "Warning:") {
		t.Fatalf("rigel diff of a manifest the apiserver does not warn about: exit %d, stderr:\n%s", code, errOut)
	}
}
