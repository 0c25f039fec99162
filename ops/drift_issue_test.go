package ops

import (
	"testing"

	"github.com/rigel-gitops/rigel/config"
)

// TestDriftIssueStep: a tracking issue is opened once when drift appears, edited while it
// lasts, closed when it is gone, and left alone when not asked for or when the check found a
// problem that is not drift.
func TestDriftIssueStep(t *testing.T) {
	on, off := config.Deployment{Name: "web", DriftIssue: true}, config.Deployment{Name: "web"}
	tests := []struct {
		name  string
		dep   config.Deployment
		state string // "": no report
		open  bool
		want  string
	}{
		{"drifted, none open", on, DriftDrifted, false, IssueOpen},
		{"drifted, one open", on, DriftDrifted, true, IssueEdit},
		{"in sync, one open", on, DriftInSync, true, IssueClose},
		{"in sync, none open", on, DriftInSync, false, IssueLeave},
		{"render failed, one open", on, DriftRender, true, IssueLeave},
		{"policy, none open", on, DriftPolicy, false, IssueLeave},
		{"rejected, one open", on, DriftRejected, true, IssueLeave},
		{"failed, one open", on, DriftFailed, true, IssueLeave},
		{"no report", on, "", true, IssueLeave},
		{"not asked for, drifted", off, DriftDrifted, false, IssueLeave},
		{"not asked for, in sync with one open", off, DriftInSync, true, IssueLeave},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r *DriftReport
			if tc.state != "" {
				r = &DriftReport{Deployment: "web", State: tc.state}
			}
			if got := DriftIssueStep(tc.dep, r, tc.open); got != tc.want {
				t.Fatalf("DriftIssueStep = %q, want %q", got, tc.want)
			}
		})
	}
}
