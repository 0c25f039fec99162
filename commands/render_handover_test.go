package commands

import (
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/sync"
)

func TestRenderHandOver(t *testing.T) {
	ref := sync.Ref{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "shop", Name: "web"}
	tests := []struct {
		name      string
		ch        sync.Change
		want, not []string
	}{
		{"named fields", sync.Change{Ref: ref, Action: sync.ActionUpdate, Diff: "-    tier: old\n",
			HandOver: &sync.HandOver{Managers: []string{"kubectl-client-side-apply"}, Removed: []string{"metadata.labels.tier", "spec.template.spec.containers[name=web].env[name=DEBUG]"}}},
			[]string{"— 🤝 hand-over from kubectl apply</summary>", "`kubectl-client-side-apply`", "`metadata.labels.tier`, `spec.template.spec.containers[name=web].env[name=DEBUG]` (the diff below shows them)", "```diff"}, nil},
		{"unmanaged: counted, not named", sync.Change{Ref: ref, Action: sync.ActionUpdate, Unmanaged: &sync.Unmanaged{Managers: []string{"kubectl-client-side-apply"}},
			HandOver: &sync.HandOver{Managers: []string{"kubectl-client-side-apply"}, Removed: []string{}, Unnamed: 2}},
			[]string{"2 fields (not named: this deployment does not manage the object)"}, []string{"metadata.labels"}},
		{"nothing removed", sync.Change{Ref: ref, Action: sync.ActionUnchanged, HandOver: &sync.HandOver{Managers: []string{"kubectl"}, Removed: []string{}}},
			[]string{"none here, only who manages the fields changes"}, nil},
		{"no hand-over", sync.Change{Ref: ref, Action: sync.ActionUpdate}, nil, []string{"hand-over", "🤝"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := renderChange(tt.ch)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in\n%s", w, got)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("unexpected %q in\n%s", n, got)
				}
			}
		})
	}
}
