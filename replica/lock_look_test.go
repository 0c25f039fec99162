package replica

import (
	"context"
	"testing"
	"time"
)

// TestRunningApplies: the drift sweep sees the deploy locks held now (not expired ones, not
// other Leases), and taking nothing: the Leases are as they were.
func TestRunningApplies(t *testing.T) {
	ctx := context.Background()
	c := newCluster()
	putLease(t, c, DeployLockName("web"), KindDeploy, "rigel-b", time.Now(), map[string]string{annCommand: "/rigel apply web"})
	putLease(t, c, DeployLockName("old"), KindDeploy, "rigel-dead", time.Now().Add(-time.Hour), nil)
	putLease(t, c, "rigel-command-x", KindCommand, "rigel-b", time.Now(), nil)
	l := leasesOn(c, "rigel-a")
	running, err := l.RunningApplies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(running) != 1 || running["web"] == nil || running["web"].Command != "/rigel apply web" || running["web"].Replica != "rigel-b" {
		t.Fatalf("RunningApplies = %v, want web only, held by rigel-b", running)
	}
	for _, tc := range []struct {
		dep  string
		held bool
	}{{"web", true}, {"old", false}, {"none", false}} {
		h, err := l.ApplyRunning(ctx, tc.dep)
		if err != nil || (h != nil) != tc.held {
			t.Errorf("ApplyRunning(%s) = %+v, %v; want held %v", tc.dep, h, err, tc.held)
		}
	}
	if got := *getLease(t, c, DeployLockName("web")).Spec.HolderIdentity; got != "rigel-b" {
		t.Errorf("the lock is now held by %s: looking took it", got)
	}
	if got := *getLease(t, c, DeployLockName("old")).Spec.HolderIdentity; got != "rigel-dead" {
		t.Errorf("the expired lock is now held by %s: looking took it over", got)
	}
	var none *Leases
	if r, err := none.RunningApplies(ctx); err != nil || len(r) != 0 {
		t.Errorf("nil Leases: %v %v", r, err)
	}
}
