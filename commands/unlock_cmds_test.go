package commands

import (
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

// TestHoldsGolden: the replies of pull requests' holds: /rigel list with a held deployment, the
// reply of /rigel unlock, and the refusal of a sync another pull request holds.
func TestHoldsGolden(t *testing.T) {
	when := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	repo := &config.Repo{Repo: "acme/web", Branch: "main", Deployments: []config.Deployment{
		{Name: "web", Path: "apps/web/k8s"}, {Name: "api", Path: "apps/api/k8s"},
	}}
	hold := ops.PullHold{Deployment: "web", Repo: "acme/web", Number: 12, Author: "alice", Since: when}
	other := ops.PullHold{Deployment: "billing", Repo: "acme/billing", Number: 3, Author: "bob", Since: when}
	refused, ok := refusal(&ops.PullHeld{Deployment: "web", Verb: "sync", Hold: hold, Age: 3 * time.Minute, Namespace: "rigel"})
	if !ok {
		t.Fatal("*ops.PullHeld is not a refusal")
	}
	outside, ok := refusal(&ops.UnlockOutsidePull{Repo: "acme/web", Number: 9})
	if !ok {
		t.Fatal("*ops.UnlockOutsidePull is not a refusal")
	}
	held := samplePlan()
	held.Hold = &hold
	tests := []struct{ name, got string }{
		{"sync_holding", renderPlan("acme/web", held, true)},
		{"list_held", renderList("acme/web", repo, nil, nil, nil, hold, other)},
		{"unlocked", "🔓 " + unlockedWords(&ops.Unlocked{Released: []ops.PullHold{hold}, NotHeld: []string{"api"}})},
		{"sync_held", errorReply("/rigel sync web", refused, "")},
		{"unlock_outside_pull", errorReply("/rigel unlock", outside, "")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			goldenReply(t, tc.name, tc.got)
		})
	}
}
