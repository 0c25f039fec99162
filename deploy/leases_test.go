package deploy

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/kube"
)

// checkReplicaLeases does as kc, in Rigel's namespace ns, what replicas of Rigel do with
// Leases (kube.Leases, app/leader.go): lock a deployment (create, renew with annotations),
// list the records of running commands, take an expired one over and delete it, and elect a
// leader with client-go's leader election.
func checkReplicaLeases(t *testing.T, kc *kube.Client, ns string) {
	t.Helper()
	a := &kube.Leases{Client: kc.Typed, Namespace: ns, Identity: "rigel-a", Duration: time.Second, RenewEvery: 200 * time.Millisecond}
	b := &kube.Leases{Client: kc.Typed, Namespace: ns, Identity: "rigel-b", Duration: time.Second, RenewEvery: 200 * time.Millisecond}
	var lock *kube.Held
	eventually(t, "take a deployment's lock", func() error {
		var err error
		lock, err = a.Acquire(ctxT(t), "rigel-deploy-probe", map[string]string{"rigel.dev/lease": "deploy"}, nil)
		return err
	})
	if lock == nil {
		return
	}
	if err := lock.Annotate(map[string]string{"rigel.dev/phase": "applying"}); err != nil {
		t.Errorf("renew a lock: %v", err)
	}
	if err := lock.Release(ctxT(t)); err != nil {
		t.Errorf("release (delete) a lock: %v", err)
	}

	record, err := a.Acquire(ctxT(t), "rigel-cmd-probe", map[string]string{"rigel.dev/lease": "command"}, nil)
	if err != nil {
		t.Fatalf("record a command: %v", err)
	}
	record.Abandon() // its replica dies
	time.Sleep(1500 * time.Millisecond)
	list, err := b.List(ctxT(t), "rigel.dev/lease=command")
	if err != nil || len(list) != 1 {
		t.Fatalf("list the records of commands: %v %v", list, err)
	}
	taken, err := b.TakeOver(ctxT(t), list[0], map[string]string{"rigel.dev/last-seen": "probe"})
	if err != nil {
		t.Fatalf("take over an expired record: %v", err)
	}
	if err := taken.Release(ctxT(t)); err != nil {
		t.Errorf("delete a record: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	led := make(chan struct{})
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock: &resourcelock.LeaseLock{LeaseMeta: metav1.ObjectMeta{Name: "rigel-leader", Namespace: ns}, Client: kc.Typed.CoordinationV1(),
			LockConfig: resourcelock.ResourceLockConfig{Identity: "rigel-a"}},
		LeaseDuration: 2 * time.Second, RenewDeadline: time.Second, RetryPeriod: 200 * time.Millisecond, ReleaseOnCancel: true,
		Callbacks: leaderelection.LeaderCallbacks{OnStartedLeading: func(context.Context) { close(led) }, OnStoppedLeading: func() {}},
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { le.Run(ctx); close(done) }()
	select {
	case <-led:
	case <-ctx.Done():
		t.Errorf("elect a leader: %v", errors.Join(ctx.Err(), fmt.Errorf("never led")))
	}
	cancel()
	<-done
	checkSeenStore(t, kc, ns)
}

// checkSeenStore does as kc, in Rigel's namespace ns, what replicas do to run an event once
// (kube.Seen, app/dedupe.go): claim a key twice, and sweep the records as the leader.
func checkSeenStore(t *testing.T, kc *kube.Client, ns string) {
	t.Helper()
	seen := &kube.Seen{Client: kc.Typed, Namespace: ns, Identity: "rigel-a"}
	if first, err := seen.Claim(ctxT(t), "issue_comment/1/created"); err != nil || !first {
		t.Errorf("record an event: %v, %v", first, err)
	}
	if first, err := seen.Claim(ctxT(t), "issue_comment/1/created"); err != nil || first {
		t.Errorf("record an event again: %v, %v; want false, nil", first, err)
	}
	if n, err := seen.Sweep(ctxT(t), time.Now().Add(app.SeenRetention+time.Hour), app.SeenRetention, app.SeenMaxRecords); err != nil || n != 1 {
		t.Errorf("sweep the records of events: deleted %d, %v", n, err)
	}
}

// TestDeploymentReplicaSettings checks the Deployment gives each replica its pod's name as
// identity and a termination grace period that fits Rigel's drain.
func TestDeploymentReplicaSettings(t *testing.T) {
	for _, dir := range []string{".", overlayDir} {
		t.Run(dir, func(t *testing.T) {
			var d appsv1.Deployment
			convert(t, find(t, render(t, dir), "Deployment", rigelNS, "rigel"), &d)
			spec := d.Spec.Template.Spec
			grace := config.DefaultShutdownGrace
			podName := false
			for _, e := range spec.Containers[0].Env {
				switch e.Name {
				case "POD_NAME":
					podName = e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.name"
				case "RIGEL_SHUTDOWN_GRACE":
					v, err := time.ParseDuration(e.Value)
					if err != nil {
						t.Fatalf("RIGEL_SHUTDOWN_GRACE %q: %v", e.Value, err)
					}
					grace = v
				}
			}
			if !podName {
				t.Error("POD_NAME does not come from the downward API (metadata.name): replicas would not be told apart in their Leases")
			}
			need := grace + app.CutShortWait
			if spec.TerminationGracePeriodSeconds == nil || time.Duration(*spec.TerminationGracePeriodSeconds)*time.Second < need {
				t.Errorf("terminationGracePeriodSeconds = %v, want at least %s (the shutdown grace %s and %s to report what was cut short)",
					spec.TerminationGracePeriodSeconds, need, grace, app.CutShortWait)
			}
		})
	}
}
