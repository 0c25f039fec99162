package ops

import (
	"context"
	"errors"
	gosync "sync"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// memShare is a DriftShare in memory.
type memShare struct {
	mu      gosync.Mutex
	entries map[string]config.DriftEntry
	saves   int
	err     error
}

func (m *memShare) Load(context.Context) (map[string]config.DriftEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return nil, m.err
	}
	out := map[string]config.DriftEntry{}
	for k, v := range m.entries {
		out[k] = v
	}
	return out, nil
}

func (m *memShare) Save(_ context.Context, e map[string]config.DriftEntry) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries, m.saves = e, m.saves+1
	return 0, nil
}

// TestDriftSharedWithReplicas: the leader's sweep shares its reports; another replica (its
// own board empty) lists them as the leader found them, skipped ones with the check before;
// the leader's own reports win over what was shared; drift off is nil; a shared state that
// cannot be read leaves only the replica's own reports.
func TestDriftSharedWithReplicas(t *testing.T) {
	ctx := context.Background()
	e := newPlanEnv(t, nil)
	if _, err := e.svc.Registry.Update(ctx, func(s *config.Sources) error {
		return s.SetLastSync("web", config.LastSync{Commit: e.main, Status: sync.StatusSucceeded, Time: time.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	share := &memShare{}
	leader := &DriftBoard{Shared: share}
	e.svc.Drifts = leader
	sw := DriftSweep{Origin: func(_ context.Context, r config.Repo) (Origin, error) { return Origin{Repo: r.Repo}, nil }, Board: leader}
	if _, err := e.svc.SweepDrift(ctx, sw); err != nil { // every object a create: drifted
		t.Fatal(err)
	}
	if share.saves != 1 || share.entries["web"].State != DriftDrifted || share.entries["web"].Create != 1 {
		t.Fatalf("shared after the sweep: %d saves, %+v; want web drifted", share.saves, share.entries)
	}

	other := *e.svc // another replica: same registry, an empty board on the same share
	other.Drifts = &DriftBoard{Shared: share}
	listing, err := other.List(ctx, "acme/web")
	if err != nil {
		t.Fatal(err)
	}
	r := listing.Drift["web"]
	want := leader.Get("web")
	if r == nil || r.State != DriftDrifted || r.Commit != want.Commit || !r.CheckedAt.Equal(want.CheckedAt) || r.Create != want.Create {
		t.Fatalf("another replica lists %+v; want the leader's %+v", r, want)
	}

	// Skipped, with the check before, crosses too.
	share.entries["web"] = entryOf(&DriftReport{Deployment: "web", Commit: e.main, CheckedAt: time.Now(), State: DriftSkipped, Previous: want})
	if r := other.DriftReports(ctx)["web"]; r == nil || r.State != DriftSkipped || r.Previous == nil || r.Previous.State != DriftDrifted {
		t.Fatalf("skipped as shared: %+v", r)
	}
	// The leader's own report wins over the shared one.
	if r := e.svc.DriftReports(ctx)["web"]; r != want {
		t.Fatalf("the leader lists %+v, want its own report", r)
	}
	share.err = errors.New("apiserver down")
	if got := other.DriftReports(ctx); got == nil || len(got) != 0 {
		t.Fatalf("unreadable share: %v, want known-nothing (empty, not off)", got)
	}
	other.Drifts = nil
	if got := other.DriftReports(ctx); got != nil {
		t.Fatalf("drift off: %v, want nil", got)
	}
}
