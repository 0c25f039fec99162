package replica

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"
)

func TestLockDeployment(t *testing.T) {
	conv := Holder{Repo: "acme/shop", Number: 12, Installation: 7, Command: "/rigel apply web", Delivery: "d-1"}
	tests := []struct {
		name     string
		before   func(t *testing.T, c clientset)
		h        Holder
		wantAnn  map[string]string // the lock's annotations when taken
		wantHeld *Held             // the refusal (Since and Age checked apart)
		wantErr  string            // a failure
	}{
		{"a conversation's apply takes the lock", nil, conv,
			map[string]string{annCommand: "/rigel apply web", annReplica: "rigel-a", annRepo: "acme/shop", annIssue: "12", annInstallation: "7", annDelivery: "d-1"}, nil, ""},
		{"an API call names no conversation", nil, Holder{Command: "apply web (HTTP API)"},
			map[string]string{annCommand: "apply web (HTTP API)", annReplica: "rigel-a"}, nil, ""},
		{"the lock of a dead replica is taken over", func(t *testing.T, c clientset) {
			putLease(t, c, "rigel-deploy-web", KindDeploy, "rigel-dead", time.Now().Add(-time.Hour), map[string]string{annCommand: "/rigel apply old"})
		}, conv, map[string]string{annCommand: "/rigel apply web", annReplica: "rigel-a"}, nil, ""},
		{"another apply holds it: Held names it", func(t *testing.T, c clientset) {
			putLease(t, c, "rigel-deploy-web", KindDeploy, "rigel-b", time.Now(),
				map[string]string{annCommand: "/rigel apply --all", annRepo: "acme/other", annIssue: "3", annReplica: "rigel-b"})
		}, conv, nil, &Held{Deployment: "web", Command: "/rigel apply --all", Repo: "acme/other", Number: "3", Replica: "rigel-b"}, ""},
		{"a lock without annotations: Held says no more", func(t *testing.T, c clientset) {
			putLease(t, c, "rigel-deploy-web", KindDeploy, "rigel-c", time.Now(), nil)
		}, conv, nil, &Held{Deployment: "web", Replica: "rigel-c"}, ""},
		{"the cluster does not answer: a failure, not a refusal", func(_ *testing.T, c clientset) {
			c.PrependReactor("create", "leases", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, errUnreachable })
		}, conv, nil, nil, "failed to lock web against other applies"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster()
			if tc.before != nil {
				tc.before(t, c)
			}
			start := time.Now()
			ctx, release, err := leasesOn(c, "rigel-a").LockDeployment(context.Background(), "web", tc.h)
			switch {
			case tc.wantHeld != nil:
				var held *Held
				if !errors.As(err, &held) {
					t.Fatalf("LockDeployment = %v, want *Held", err)
				}
				lease := getLease(t, c, "rigel-deploy-web")
				want := *tc.wantHeld
				want.Since = lease.Spec.AcquireTime.Time
				if held.Age < start.Sub(want.Since) || held.Age > time.Since(want.Since) {
					t.Errorf("Held.Age = %s, want the lock's age (%s)", held.Age, time.Since(want.Since))
				}
				want.Age = held.Age
				if !held.Since.Equal(want.Since) {
					t.Errorf("Held.Since = %s, want %s", held.Since, want.Since)
				}
				want.Since = held.Since
				if *held != want {
					t.Errorf("Held = %+v, want %+v", *held, want)
				}
				if *lease.Spec.HolderIdentity != want.Replica {
					t.Errorf("the refused lock changed hands: %s", *lease.Spec.HolderIdentity)
				}
				return
			case tc.wantErr != "":
				var held *Held
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || errors.As(err, &held) {
					t.Fatalf("LockDeployment = %v, want %q", err, tc.wantErr)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			lease := getLease(t, c, "rigel-deploy-web")
			if lease == nil || *lease.Spec.HolderIdentity != "rigel-a" || lease.Labels[labelKind] != "deploy" {
				t.Fatalf("the lock = %+v", lease)
			}
			for k, v := range tc.wantAnn {
				if lease.Annotations[k] != v {
					t.Errorf("annotation %s = %q, want %q", k, lease.Annotations[k], v)
				}
			}
			if _, _, err := leasesOn(c, "rigel-b").LockDeployment(context.Background(), "web", Holder{}); !isHeld(err) {
				t.Errorf("a second apply while the lock is held: %v, want *Held", err)
			}
			release()
			if cause := ended(t, ctx); !errors.Is(cause, context.Canceled) {
				t.Errorf("released: the apply's context ended with %v", cause)
			}
			if _, release, err := leasesOn(c, "rigel-b").LockDeployment(context.Background(), "web", Holder{}); err != nil {
				t.Errorf("after release another apply is refused: %v", err)
			} else {
				release()
			}
		})
	}
}

func isHeld(err error) bool { var h *Held; return errors.As(err, &h) }

// TestLockDeploymentWithoutLeases: a Rigel without Leases fails to apply rather than
// applying unlocked.
func TestLockDeploymentWithoutLeases(t *testing.T) {
	var l *Leases
	if _, _, err := l.LockDeployment(context.Background(), "web", Holder{}); err == nil || isHeld(err) {
		t.Fatalf("LockDeployment without Leases = %v, want a failure", err)
	}
}

// TestLockLostEndsTheApply: an apply whose lock is lost is stopped with ErrLockLost.
func TestLockLostEndsTheApply(t *testing.T) {
	c := newCluster()
	ctx, release, err := leasesOn(c, "rigel-a").LockDeployment(context.Background(), "web", Holder{Command: "apply web (HTTP API)"})
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	deleteLease(t, c, DeployLockName("web"))
	if cause := ended(t, ctx); !errors.Is(cause, ErrLockLost) || CauseWords(cause) != "the deployment's lock was lost" {
		t.Fatalf("the apply ended with %v, want ErrLockLost", cause)
	}
}
