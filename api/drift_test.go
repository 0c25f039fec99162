package api

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

// TestSourcesDrift: GET /api/git/sources carries a drift object per deployment checked, and
// none when drift detection is off.
func TestSourcesDrift(t *testing.T) {
	at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.FixedZone("x", 3600))
	b := &ops.DriftBoard{}
	b.Put(&ops.DriftReport{Deployment: "web", Commit: "abc", CheckedAt: at, State: ops.DriftDrifted, Update: 1})
	b.Put(&ops.DriftReport{Deployment: "api", Commit: "def", CheckedAt: at, State: ops.DriftInSync})
	got, err := json.Marshal(sourcesJSON{Sources: &config.Sources{Version: 2, Repos: []config.Repo{}}, Drift: driftOut(b.All())})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":2,"repos":[],"drift":{"api":{"checkedAt":"2026-11-30T09:00:00Z","commit":"def","state":"in-sync","drifted":false,"create":0,"update":0},` +
		`"web":{"checkedAt":"2026-11-30T09:00:00Z","commit":"abc","state":"drifted","drifted":true,"create":0,"update":1}}}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	off, _ := json.Marshal(sourcesJSON{Sources: &config.Sources{Version: 2, Repos: []config.Repo{}}, Drift: driftOut(nil)})
	if string(off) != `{"version":2,"repos":[]}` {
		t.Fatalf("drift off: %s", off)
	}
}
