package replica

import (
	"context"
	"errors"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"github.com/rigel-gitops/rigel/kube"
)

// recordOf is the only command record in c, as the sweeper reads it; it fails unless there
// is exactly one.
func recordOf(t *testing.T, c clientset) kube.LeaseInfo {
	t.Helper()
	names := listLeases(t, c, KindCommand)
	if len(names) != 1 {
		t.Fatalf("command records = %v, want one", names)
	}
	l := getLease(t, c, names[0])
	return kube.LeaseInfo{Name: l.Name, Holder: *l.Spec.HolderIdentity, Annotations: l.Annotations}
}

// TestRecord: a command's record names its conversation, is signed, notes the apply it makes
// (signed again), and is deleted when it finishes.
func TestRecord(t *testing.T) {
	c := newCluster()
	l := leasesOn(c, "rigel-a")
	h := Holder{Repo: "acme/shop", Number: 12, Installation: 7, Command: "/rigel apply web", Delivery: "d-1"}
	ctx, rec := l.StartRecord(context.Background(), h, 0)
	if rec == nil {
		t.Fatal("the command is unrecorded")
	}
	steps := []struct {
		name string
		do   func()
		want map[string]string
	}{
		{"started", func() {}, map[string]string{annRepo: "acme/shop", annIssue: "12", annInstallation: "7", annCommand: "/rigel apply web", annDelivery: "d-1", annReplica: "rigel-a", annPhase: ""}},
		{"applying", func() { rec.NoteApplying(ctx, "web", "0123456789abcdef0123456789abcdef01234567") },
			map[string]string{annRepo: "acme/shop", annPhase: PhaseApplying, annDeployment: "web", annCommit: "0123456789abcdef0123456789abcdef01234567"}},
	}
	for _, s := range steps {
		s.do()
		got := recordOf(t, c)
		for k, v := range s.want {
			if got.Annotations[k] != v {
				t.Errorf("%s: annotation %s = %q, want %q", s.name, k, got.Annotations[k], v)
			}
		}
		if err := verifyRecord(l.key, got); err != nil {
			t.Errorf("%s: the record does not verify: %v", s.name, err)
		}
		u, err := readRecord(got)
		if err != nil || u.Repo != "acme/shop" || u.Number != 12 || u.Installation != 7 {
			t.Errorf("%s: the sweeper would read %+v, %v", s.name, u, err)
		}
	}
	if ctx.Err() != nil {
		t.Fatal("the command's context ended while it runs")
	}
	rec.Finish(context.Background())
	if names := listLeases(t, c, KindCommand); len(names) != 0 {
		t.Fatalf("records after Finish: %v", names)
	}
	if cause := ended(t, ctx); !errors.Is(cause, context.Canceled) {
		t.Fatalf("finished: the context ended with %v", cause)
	}
}

// TestRecordNames: each command of a comment, and each comment, gets a record of its own.
func TestRecordNames(t *testing.T) {
	c := newCluster()
	l := leasesOn(c, "rigel-a")
	h := Holder{Repo: "acme/shop", Number: 12, Installation: 7, Command: "/rigel diff"}
	var recs []*Record
	for i := 0; i < 3; i++ {
		_, rec := l.StartRecord(context.Background(), h, i)
		if rec == nil {
			t.Fatalf("command %d is unrecorded", i)
		}
		recs = append(recs, rec)
	}
	_, again := l.StartRecord(context.Background(), h, 0) // the same delivery again
	if again == nil {
		t.Fatal("a second run of the same command is unrecorded")
	}
	if names := listLeases(t, c, KindCommand); len(names) != 4 {
		t.Fatalf("records = %v, want 4", names)
	}
	for _, r := range append(recs, again) {
		r.Finish(context.Background())
	}
}

// TestRecordUnrecorded: where no record can be written, the command runs unrecorded: its
// context unchanged and a nil *Record, whose methods do nothing.
func TestRecordUnrecorded(t *testing.T) {
	cut, cancel := context.WithCancelCause(context.Background())
	cancel(ErrShuttingDown)
	tests := []struct {
		name   string
		leases func(c clientset) *Leases
		ctx    context.Context
	}{
		{"a Rigel without Leases", func(clientset) *Leases { return nil }, context.Background()},
		{"a command cut short before it started", func(c clientset) *Leases { return leasesOn(c, "rigel-a") }, cut},
		{"a cluster that does not answer", func(c clientset) *Leases {
			c.PrependReactor("create", "leases", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, errUnreachable })
			return leasesOn(c, "rigel-a")
		}, context.Background()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster()
			ctx, rec := tc.leases(c).StartRecord(tc.ctx, Holder{Repo: "acme/shop", Number: 1, Command: "/rigel list"}, 0)
			if rec != nil || ctx != tc.ctx {
				t.Fatalf("StartRecord = %v, %v; want the command unrecorded", ctx, rec)
			}
			rec.NoteApplying(ctx, "web", "abc") // nothing to note
			rec.Finish(ctx)                     // nothing to finish
			if names := listLeases(t, c, KindCommand); len(names) != 0 {
				t.Fatalf("records = %v", names)
			}
		})
	}
}

// TestRecordLost: a command whose record is lost is stopped with ErrRecordLost.
func TestRecordLost(t *testing.T) {
	c := newCluster()
	ctx, rec := leasesOn(c, "rigel-a").StartRecord(context.Background(), Holder{Repo: "acme/shop", Number: 1, Command: "/rigel apply web"}, 0)
	defer rec.Finish(context.Background())
	deleteLease(t, c, recordOf(t, c).Name)
	if cause := ended(t, ctx); !errors.Is(cause, ErrRecordLost) {
		t.Fatalf("the command ended with %v, want ErrRecordLost", cause)
	}
}
