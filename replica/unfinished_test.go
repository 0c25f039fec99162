package replica

import (
	"strings"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/kube"
)

func TestReadRecord(t *testing.T) {
	good := map[string]string{annRepo: "acme/shop", annIssue: "12", annInstallation: "99", annCommand: "/rigel apply web", annReplica: "rigel-a"}
	tests := []struct {
		name    string
		change  func(map[string]string)
		wantErr string
	}{
		{"complete", func(map[string]string) {}, ""},
		{"no issue", func(a map[string]string) { delete(a, annIssue) }, "no issue number"},
		{"no installation", func(a map[string]string) { a[annInstallation] = "x" }, "no installation id"},
		{"no repository", func(a map[string]string) { a[annRepo] = "acme" }, "no repository"},
		{"no repository name", func(a map[string]string) { a[annRepo] = "acme/" }, "no repository"},
		{"no issue but zero", func(a map[string]string) { a[annIssue] = "0" }, "no issue number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := map[string]string{}
			for k, v := range good {
				a[k] = v
			}
			tc.change(a)
			ri, err := readRecord(kube.LeaseInfo{Name: "rigel-cmd-x", Holder: "sweeper", Annotations: a})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("readRecord = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ri.Repo != "acme/shop" || ri.Owner() != "acme" || ri.Name() != "shop" || ri.Number != 12 || ri.Installation != 99 || ri.Replica != "rigel-a" || ri.Command != "/rigel apply web" {
				t.Fatalf("readRecord = %+v", ri)
			}
		})
	}
}

// TestReadRecordDates: a record is dated by its last renewal, or by the last-seen time an
// earlier leader wrote when it took the record over; a record without its replica names its
// holder.
func TestReadRecordDates(t *testing.T) {
	renewed := time.Date(2026, 11, 30, 4, 0, 0, 0, time.UTC)
	good := map[string]string{annRepo: "acme/shop", annIssue: "12", annInstallation: "99"}
	with := func(k, v string) map[string]string {
		a := map[string]string{k: v}
		for k, v := range good {
			a[k] = v
		}
		return a
	}
	tests := []struct {
		name        string
		annotations map[string]string
		wantSeen    time.Time
		wantReplica string
	}{
		{"renewed last by its replica", with(annReplica, "rigel-a"), renewed, "rigel-a"},
		{"taken over by an earlier leader", with(annLastSeen, "2026-11-30T03:00:00Z"), renewed.Add(-time.Hour), "rigel-holder"},
		{"a last-seen time that does not parse", with(annLastSeen, "yesterday"), renewed, "rigel-holder"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := readRecord(kube.LeaseInfo{Name: "rigel-cmd-x", Holder: "rigel-holder", Renewed: renewed, Annotations: tc.annotations})
			if err != nil {
				t.Fatal(err)
			}
			if !u.LastSeen.Equal(tc.wantSeen) || u.Replica != tc.wantReplica {
				t.Fatalf("readRecord = %+v, want last seen %s on %s", u, tc.wantSeen, tc.wantReplica)
			}
		})
	}
}
