package replica

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/config"
)

const sweepCommit = "0123456789abcdef0123456789abcdef01234567"

// reports collects what a Sweeper reports; fail fails every report.
type reports struct {
	got  []Unfinished
	fail error
}

func (r *reports) report(_ context.Context, u Unfinished) error {
	if r.fail != nil {
		return r.fail
	}
	r.got = append(r.got, u)
	return nil
}

// record writes a command record as replica "rigel-dead" would have, signed with key (nil:
// unsigned), last renewed at renewed; change edits it after signing.
func record(t *testing.T, c clientset, name string, key []byte, renewed time.Time, applying bool, change func(map[string]string)) {
	t.Helper()
	a := map[string]string{annRepo: "acme/shop", annIssue: "12", annInstallation: "7", annCommand: "/rigel apply web", annDelivery: "d-1", annReplica: "rigel-dead"}
	if applying {
		a[annPhase], a[annDeployment], a[annCommit] = PhaseApplying, "web", sweepCommit
	}
	if key != nil {
		signRecord(key, name, a)
	}
	if change != nil {
		change(a)
	}
	putLease(t, c, name, KindCommand, "rigel-dead", renewed, a)
}

func TestSweep(t *testing.T) {
	key := recordKeyFor(testMarkerKey)
	lapsed := time.Now().Add(-time.Hour).Truncate(time.Second)
	earlier := &config.LastSync{Commit: "1111111111111111111111111111111111111111", Time: lapsed.Add(-time.Hour), Status: "Succeeded"}
	later := &config.LastSync{Commit: "2222222222222222222222222222222222222222", Time: lapsed.Add(time.Minute), Status: "Succeeded"}
	tests := []struct {
		name     string
		records  func(t *testing.T, c clientset)
		registry *fakeRegistry
		fail     error // the report fails
		want     int   // reported
		wantErr  string
		wantLeft []string              // records left
		wantTold func(Unfinished) bool // the report, when one
		wantLast *config.LastSync      // the registry's record of web after the sweep (Time checked when set)
	}{
		{"nothing to sweep", func(*testing.T, clientset) {}, registryWith(nil), nil, 0, "", nil, nil, nil},
		{"a command that still runs is left alone", func(t *testing.T, c clientset) {
			record(t, c, "rigel-cmd-live", key, time.Now(), true, nil)
		}, registryWith(nil), nil, 0, "", []string{"rigel-cmd-live"}, nil, nil},
		{"a command of a dead replica is reported and its record deleted", func(t *testing.T, c clientset) {
			record(t, c, "rigel-cmd-dead", key, lapsed, false, nil)
		}, registryWith(earlier), nil, 1, "", nil, func(u Unfinished) bool {
			return u.Repo == "acme/shop" && u.Number == 12 && u.Installation == 7 && u.Command == "/rigel apply web" && u.Replica == "rigel-dead" &&
				u.LastSeen.Equal(lapsed) && !u.Applying() && !u.Recorded && u.RecordErr == nil
		}, earlier},
		{"an interrupted apply is recorded as Failed", func(t *testing.T, c clientset) {
			record(t, c, "rigel-cmd-dead", key, lapsed, true, nil)
		}, registryWith(earlier), nil, 1, "", nil, func(u Unfinished) bool {
			return u.Applying() && u.Deployment == "web" && u.Commit == sweepCommit && u.Recorded && u.RecordErr == nil
		}, &config.LastSync{Commit: sweepCommit, Time: lapsed, Status: "Failed", Message: "interrupted while applying: replica rigel-dead went away"}},
		{"a later sync is not overwritten", func(t *testing.T, c clientset) {
			record(t, c, "rigel-cmd-dead", key, lapsed, true, nil)
		}, registryWith(later), nil, 1, "", nil, func(u Unfinished) bool { return u.Applying() && !u.Recorded && u.RecordErr == nil }, later},
		{"a deployment removed since is not recorded", func(t *testing.T, c clientset) {
			record(t, c, "rigel-cmd-dead", key, lapsed, true, nil)
		}, &fakeRegistry{}, nil, 1, "", nil, func(u Unfinished) bool { return u.Applying() && !u.Recorded && u.RecordErr == nil }, nil},
		{"a registry that cannot be written is reported", func(t *testing.T, c clientset) {
			record(t, c, "rigel-cmd-dead", key, lapsed, true, nil)
		}, &fakeRegistry{err: errUnreachable}, nil, 1, "", nil, func(u Unfinished) bool {
			return u.Applying() && !u.Recorded && errors.Is(u.RecordErr, errUnreachable)
		}, nil},
		{"a report that fails leaves the record for a later sweep", func(t *testing.T, c clientset) {
			record(t, c, "rigel-cmd-dead", key, lapsed, false, nil)
		}, registryWith(nil), errors.New("GitHub is down"), 0, "failed to report rigel-cmd-dead: GitHub is down", []string{"rigel-cmd-dead"}, nil, nil},
		{"an unsigned record is deleted, never reported", func(t *testing.T, c clientset) {
			record(t, c, "rigel-cmd-forged", nil, lapsed, true, nil)
		}, registryWith(earlier), nil, 0, "", nil, nil, earlier},
		{"a record edited to name another conversation is deleted, never reported", func(t *testing.T, c clientset) {
			record(t, c, "rigel-cmd-forged", key, lapsed, true, func(a map[string]string) { a[annRepo] = "victim/repo" })
		}, registryWith(earlier), nil, 0, "", nil, nil, earlier},
		{"a record signed with another key is deleted, never reported", func(t *testing.T, c clientset) {
			record(t, c, "rigel-cmd-forged", recordKeyFor([]byte("another key")), lapsed, false, nil)
		}, registryWith(nil), nil, 0, "", nil, nil, nil},
		{"a signed record naming no conversation is deleted", func(t *testing.T, c clientset) {
			record(t, c, "rigel-cmd-broken", key, lapsed, false, func(a map[string]string) {
				delete(a, annIssue)
				signRecord(key, "rigel-cmd-broken", a)
			})
		}, registryWith(nil), nil, 0, "", nil, nil, nil},
		{"a lock is no record", func(t *testing.T, c clientset) {
			putLease(t, c, "rigel-deploy-web", KindDeploy, "rigel-dead", lapsed, nil)
		}, registryWith(nil), nil, 0, "", nil, nil, nil},
		{"each dead record is reported once, the live one kept", func(t *testing.T, c clientset) {
			record(t, c, "rigel-cmd-1", key, lapsed, false, nil)
			record(t, c, "rigel-cmd-2", key, lapsed, false, func(a map[string]string) {
				a[annIssue] = "13"
				signRecord(key, "rigel-cmd-2", a)
			})
			record(t, c, "rigel-cmd-live", key, time.Now(), false, nil)
		}, registryWith(nil), nil, 2, "", []string{"rigel-cmd-live"}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster()
			tc.records(t, c)
			var told reports
			told.fail = tc.fail
			s := &Sweeper{Leases: leasesOn(c, "rigel-leader"), Registry: tc.registry, Report: told.report}
			n, err := s.Sweep(context.Background())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Sweep = %v, want %q", err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if n != tc.want || len(told.got) != tc.want {
				t.Fatalf("Sweep reported %d (%d told), want %d", n, len(told.got), tc.want)
			}
			if tc.wantTold != nil && (len(told.got) != 1 || !tc.wantTold(told.got[0])) {
				t.Errorf("reported %+v", told.got)
			}
			if left := listLeases(t, c, KindCommand); !sameNames(left, tc.wantLeft) {
				t.Errorf("records left = %v, want %v", left, tc.wantLeft)
			}
			got := tc.registry.lastSync("web")
			if (got == nil) != (tc.wantLast == nil) || got != nil && (got.Commit != tc.wantLast.Commit || got.Status != tc.wantLast.Status ||
				!got.Time.Equal(tc.wantLast.Time) || tc.wantLast.Message != "" && got.Message != tc.wantLast.Message) {
				t.Errorf("the registry records %+v, want %+v", got, tc.wantLast)
			}
		})
	}
}

// TestSweepTwice: a record reported is not reported again, by this sweeper or another; one
// whose report failed is reported by a later sweep, dated as its replica last renewed it.
func TestSweepTwice(t *testing.T) {
	c := newCluster()
	lapsed := time.Now().Add(-time.Hour).Truncate(time.Second)
	record(t, c, "rigel-cmd-dead", recordKeyFor(testMarkerKey), lapsed, false, nil)
	failing := &reports{fail: errors.New("GitHub is down")}
	if _, err := (&Sweeper{Leases: leasesOn(c, "rigel-a"), Registry: registryWith(nil), Report: failing.report}).Sweep(context.Background()); err == nil {
		t.Fatal("a failed report is not an error")
	}
	l := getLease(t, c, "rigel-cmd-dead")
	if l == nil || l.Annotations[annLastSeen] != lapsed.UTC().Format(time.RFC3339) {
		t.Fatalf("the record after a failed report = %+v, want it kept with its last-seen time", l)
	}
	// It expires again: the leader that took it over abandoned it.
	renewed := time.Now().Add(-time.Minute)
	l.Spec.RenewTime.Time = renewed
	if _, err := c.CoordinationV1().Leases(testNS).Update(context.Background(), l, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	var told reports
	for _, who := range []string{"rigel-b", "rigel-c"} {
		if _, err := (&Sweeper{Leases: leasesOn(c, who), Registry: registryWith(nil), Report: told.report}).Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if len(told.got) != 1 || !told.got[0].LastSeen.Equal(lapsed) {
		t.Fatalf("reported %+v, want once, dated %s", told.got, lapsed)
	}
}

// sameNames says whether a and b hold the same names, in any order.
func sameNames(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
