package ops

import (
	"context"
	"errors"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// recordingNotifier records the events it is told.
type recordingNotifier struct {
	mu     gosync.Mutex
	events []Notification
}

func (n *recordingNotifier) Notify(_ context.Context, e Notification) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.events = append(n.events, e)
}

func (n *recordingNotifier) kinds() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, e := range n.events {
		out = append(out, e.Kind)
	}
	return out
}

// failingPlanner fails every apply as the apiserver would.
type failingPlanner struct{ *fakePlanner }

func (p failingPlanner) Apply(context.Context, *sync.Plan, sync.ApplyOptions) (*sync.Result, error) {
	return nil, errors.New("the server rejected the patch")
}

// TestApplyNotifies: an apply tells the Notifier it starts, then how it ended (applied with
// its status, or failed with why); a refused apply (nothing changed) tells nothing.
func TestApplyNotifies(t *testing.T) {
	tests := []struct {
		name      string
		status    string // of the fake apply; "": Succeeded
		fail      bool
		stale     bool
		kind      string // ApplyRequest.Kind
		want      []string
		wantState string // the last event's Status
		wantIn    string // in the last event's Summary
	}{
		{name: "applied", want: []string{NotifyApplying, NotifyApplied}, wantState: sync.StatusSucceeded, wantIn: "1 created"},
		{name: "a rollback", kind: config.SyncKindRollback, want: []string{NotifyApplying, NotifyApplied}, wantState: sync.StatusSucceeded, wantIn: "1 created"},
		{name: "unhealthy", status: sync.StatusUnhealthy, want: []string{NotifyApplying, NotifyApplied}, wantState: sync.StatusUnhealthy, wantIn: "1 created"},
		{name: "failed", fail: true, want: []string{NotifyApplying, NotifyFailed}, wantIn: "rejected the patch"},
		{name: "refused (stale): nothing told", stale: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newPlanEnv(t, nil)
			n := &recordingNotifier{}
			e.svc.Notifier = n
			e.pl.status = tt.status
			if tt.fail {
				e.svc.Planner = failingPlanner{e.pl}
			}
			p := e.preview(t)
			id := p.ID()
			if tt.stale {
				id.Digest = "0000"
			}
			_, err := e.svc.Apply(context.Background(), e.call(&fakeForge{}, 1, false), e.dep, ApplyRequest{Plan: id, At: BranchTarget("main"), Kind: tt.kind})
			if (err != nil) != (tt.fail || tt.stale) {
				t.Fatalf("apply: %v", err)
			}
			got := n.kinds()
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("events %v, want %v", got, tt.want)
			}
			if len(got) == 0 {
				return
			}
			last := n.events[len(n.events)-1]
			if last.Deployment != "web" || last.Repo.FullName() != "acme/web" || last.Commit != e.main || last.SyncKind != tt.kind || last.Author != "alice" {
				t.Errorf("event %+v: wrong deployment, repo, commit, kind or author", last)
			}
			if last.Status != tt.wantState || !strings.Contains(last.Summary, tt.wantIn) {
				t.Errorf("last event status %q summary %q, want %q and %q in it", last.Status, last.Summary, tt.wantState, tt.wantIn)
			}
			if n.events[0].Ref != "refs/heads/main" {
				t.Errorf("ref %q, want refs/heads/main", n.events[0].Ref)
			}
		})
	}
}

// TestNotifyDrift: drift is told when it appears and when it is gone, not at every sweep;
// what a new leader does not know (prev nil) is told as drifted or as a check; problems and
// failed checks are not drift.
func TestNotifyDrift(t *testing.T) {
	rep := func(state string) *DriftReport {
		return &DriftReport{Deployment: "web", Commit: "abc", State: state, Create: 1, CheckedAt: time.Now()}
	}
	tests := []struct {
		name       string
		prev, now  *DriftReport
		want       string // "": nothing told
		wantInSumm string
	}{
		{name: "drift appears", prev: rep(DriftInSync), now: rep(DriftDrifted), want: NotifyDrifted, wantInSumm: "1 to create"},
		{name: "still drifted", prev: rep(DriftDrifted), now: rep(DriftDrifted)},
		{name: "drift gone", prev: rep(DriftDrifted), now: rep(DriftInSync), want: NotifyDriftGone},
		{name: "still in sync", prev: rep(DriftInSync), now: rep(DriftInSync)},
		{name: "a new leader finds drift", now: rep(DriftDrifted), want: NotifyDrifted},
		{name: "a new leader finds it in sync", now: rep(DriftInSync), want: NotifyDriftCheck},
		{name: "after a render failure, drifted", prev: rep(DriftRender), now: rep(DriftDrifted), want: NotifyDrifted},
		{name: "a render failure is not drift", prev: rep(DriftDrifted), now: rep(DriftRender)},
		{name: "a failed check is not drift", prev: rep(DriftInSync), now: rep(DriftFailed)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := &recordingNotifier{}
			s := &Service{Notifier: n}
			dep := config.Deployment{Name: "web", LastSync: &config.LastSync{Commit: "abc", Kind: config.SyncKindPush}}
			s.notifyDrift(context.Background(), config.Repo{Repo: "acme/web", Branch: "main", InstallationID: 7}, dep, tt.prev, tt.now)
			if tt.want == "" {
				if len(n.events) != 0 {
					t.Fatalf("told %v, want nothing", n.kinds())
				}
				return
			}
			if len(n.events) != 1 || n.events[0].Kind != tt.want {
				t.Fatalf("told %v, want %s", n.kinds(), tt.want)
			}
			e := n.events[0]
			if e.Repo.FullName() != "acme/web" || e.Repo.Installation != 7 || e.Commit != "abc" || e.Ref != "refs/heads/main" || !strings.Contains(e.Summary, tt.wantInSumm) {
				t.Errorf("event %+v", e)
			}
		})
	}
}
