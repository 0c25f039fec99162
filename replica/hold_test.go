package replica

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rs/zerolog"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"

	"github.com/rigel-gitops/rigel/kube"
)

func TestHold(t *testing.T) {
	tests := []struct {
		name    string
		kind    Kind
		before  func(t *testing.T, c clientset) // the Lease as others left it
		wantErr func(error) bool                // nil: held
	}{
		{"a free Lease is taken", KindDeploy, func(*testing.T, clientset) {}, nil},
		{"an expired Lease is taken over", KindCommand, func(t *testing.T, c clientset) {
			putLease(t, c, "x", KindCommand, "rigel-dead", time.Now().Add(-time.Hour), nil)
		}, nil},
		{"a Lease another holds is refused", KindDeploy, func(t *testing.T, c clientset) {
			putLease(t, c, "x", KindDeploy, "rigel-b", time.Now(), nil)
		}, func(err error) bool {
			var he *kube.HeldError
			return errors.As(err, &he) && he.Lease.Holder == "rigel-b"
		}},
		{"a Lease this replica holds is refused too", KindDeploy, func(t *testing.T, c clientset) {
			putLease(t, c, "x", KindDeploy, "rigel-a", time.Now(), nil)
		}, func(err error) bool { var he *kube.HeldError; return errors.As(err, &he) }},
		{"an apiserver that does not answer fails", KindDeploy, func(_ *testing.T, c clientset) {
			c.PrependReactor("create", "leases", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, errUnreachable })
		}, func(err error) bool { return errors.Is(err, errUnreachable) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster()
			tc.before(t, c)
			l := leasesOn(c, "rigel-a")
			ctx, release, err := l.Hold(context.Background(), "x", tc.kind, map[string]string{annCommand: "/rigel apply web"})
			if tc.wantErr != nil {
				if err == nil || !tc.wantErr(err) {
					t.Fatalf("Hold = %v, want the refusal", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := getLease(t, c, "x")
			if got == nil || *got.Spec.HolderIdentity != "rigel-a" || got.Labels[labelKind] != string(tc.kind) || got.Annotations[annCommand] != "/rigel apply web" {
				t.Fatalf("the Lease = %+v", got)
			}
			if ctx.Err() != nil {
				t.Fatal("the context ended while the Lease is held")
			}
			release()
			if cause := ended(t, ctx); !errors.Is(cause, context.Canceled) {
				t.Errorf("after release the context ended with %v, want context.Canceled", cause)
			}
			if got := getLease(t, c, "x"); got != nil {
				t.Errorf("release left the Lease: %+v", got)
			}
		})
	}
}

// TestHoldLost: when the Lease is lost (deleted, taken over), the context ends with the
// cause of its kind, and release does not fail.
func TestHoldLost(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		lose func(t *testing.T, c clientset)
		want error
	}{
		{"a lock deleted under it", KindDeploy, func(t *testing.T, c clientset) { deleteLease(t, c, "x") }, ErrLockLost},
		{"a record deleted under it", KindCommand, func(t *testing.T, c clientset) { deleteLease(t, c, "x") }, ErrRecordLost},
		{"a record taken over by a leader", KindCommand, func(t *testing.T, c clientset) {
			deleteLease(t, c, "x")
			putLease(t, c, "x", KindCommand, "rigel-leader", time.Now(), nil)
			// The fake checks no resourceVersion: the apiserver refuses a renewal of what changed.
			c.PrependReactor("update", "leases", func(a k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, apierrors.NewConflict(schema.GroupResource{Group: "coordination.k8s.io", Resource: "leases"}, "x", errors.New("changed"))
			})
		}, ErrRecordLost},
		{"a Lease of another kind says why", Kind("other"), func(t *testing.T, c clientset) { deleteLease(t, c, "x") }, kube.ErrLeaseLost},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster()
			ctx, release, err := leasesOn(c, "rigel-a").Hold(zerolog.Nop().WithContext(context.Background()), "x", tc.kind, nil)
			if err != nil {
				t.Fatal(err)
			}
			tc.lose(t, c)
			if cause := ended(t, ctx); !errors.Is(cause, tc.want) {
				t.Fatalf("the context ended with %v, want %v", cause, tc.want)
			}
			release()
			if tc.name == "a record taken over by a leader" {
				if got := getLease(t, c, "x"); got == nil || *got.Spec.HolderIdentity != "rigel-leader" {
					t.Fatalf("release deleted the Lease another took over: %+v", got)
				}
			}
		})
	}
}

// TestHoldEndsWithItsParent: a command cut short (its context ended) ends the Lease's context
// with the command's cause, and release still gives the Lease back.
func TestHoldEndsWithItsParent(t *testing.T) {
	c := newCluster()
	parent, cancel := context.WithCancelCause(context.Background())
	ctx, release, err := leasesOn(c, "rigel-a").Hold(parent, "x", KindDeploy, nil)
	if err != nil {
		t.Fatal(err)
	}
	cancel(ErrShuttingDown)
	if cause := ended(t, ctx); !errors.Is(cause, ErrShuttingDown) {
		t.Fatalf("the context ended with %v, want ErrShuttingDown", cause)
	}
	release()
	if got := getLease(t, c, "x"); got != nil {
		t.Fatalf("release after the command was cut short left the Lease: %+v", got)
	}
}
