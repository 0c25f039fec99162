package sync

import (
	"slices"
	"testing"
)

// KustomizationNames is kustomize's list, in its order, and a caller changing its copy changes
// nothing for rendering.
func TestKustomizationNames(t *testing.T) {
	want := []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}
	got := KustomizationNames()
	if !slices.Equal(got, want) {
		t.Fatalf("KustomizationNames() = %q, want %q", got, want)
	}
	got[0] = "evil.yaml"
	if again := KustomizationNames(); !slices.Equal(again, want) {
		t.Fatalf("after a caller changed its copy, KustomizationNames() = %q, want %q", again, want)
	}
}
