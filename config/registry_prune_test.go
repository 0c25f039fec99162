package config

import "testing"

// TestRegistryPrune: prune: true (issue 12, set by cluster admins) is read and kept; absent is false.
func TestRegistryPrune(t *testing.T) {
	s := decodeRepos(t, "- {repo: acme/a, branch: main, deployments: [{name: api, path: apps/api, prune: true}, {name: web, path: apps/web}]}\n")
	if len(s.Invalid) != 0 {
		t.Fatalf("invalid entries: %+v", s.Invalid)
	}
	for name, want := range map[string]bool{"api": true, "web": false} {
		if _, d := s.FindDeployment(name); d == nil || d.Prune != want {
			t.Errorf("deployment %s: %+v, want prune %v", name, d, want)
		}
	}
}
