package api

import (
	"time"

	"github.com/rigel-gitops/rigel/ops"
)

// driftJSON is what the leader's latest drift check of a deployment found (issue 12), in
// GET /api/git/sources under "drift", by deployment name.
type driftJSON struct {
	CheckedAt time.Time `json:"checkedAt"`
	Commit    string    `json:"commit"`             // the last synced commit re-previewed
	State     string    `json:"state"`              // in-sync, drifted, render-failed, policy, rejected, skipped
	Drifted   bool      `json:"drifted"`            // a new apply of Commit would change the cluster
	Create    int       `json:"create"`             // objects a new apply would create
	Update    int       `json:"update"`             // objects a new apply would update
	Refused   int       `json:"refused,omitempty"`  // objects the policy refuses now
	Rejected  int       `json:"rejected,omitempty"` // objects the apiserver refuses in dry-run
}

// driftOut is the drift of every deployment checked (ops.Service.DriftReports: the leader's,
// on any replica); nil (left out) when drift detection is off (reports nil).
func driftOut(reports map[string]*ops.DriftReport) map[string]driftJSON {
	if reports == nil {
		return nil
	}
	out := map[string]driftJSON{}
	for name, r := range reports {
		out[name] = driftJSON{CheckedAt: r.CheckedAt.UTC(), Commit: r.Commit, State: r.State, Drifted: r.Drifted(),
			Create: r.Create, Update: r.Update, Refused: r.Refused, Rejected: r.Rejected}
	}
	return out
}
