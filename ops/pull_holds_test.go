package ops

import (
	"context"
	"errors"
	"fmt"
	"strings"
	gosync "sync"
	"testing"

	"github.com/rigel-gitops/rigel/config"
)

// holdEnv is web of acme/web with open pull requests #1 and #2 (each with a head of its own)
// and an issue #9, over a service that keeps holds in memory.
type holdEnv struct {
	*planEnv
	holds *fakeHolds
	forge *fakeForge
	heads map[int]string
}

func newHoldEnv(t *testing.T) *holdEnv {
	e := &holdEnv{planEnv: newPlanEnv(t, nil), holds: &fakeHolds{}, heads: map[int]string{}}
	e.svc.Holds = e.holds
	e.forge = &fakeForge{heads: map[int]PullHead{}}
	for _, n := range []int{1, 2} {
		e.heads[n] = e.src.commit(fmt.Sprintf("refs/pull/%d/head", n), map[string]string{"app/cm.yaml": cmIn(fmt.Sprintf("pr%d", n), "shop")})
		e.forge.heads[n] = PullHead{SHA: e.heads[n], State: "open", HeadRepo: "acme/web", BaseRepo: "acme/web", BaseRef: "main"}
	}
	return e
}

// holdStep is one thing done to web: "sync", "diff", "apply" or "unlock" in PR where (an
// issue when where is 9, the HTTP API when 0), "closed" (GitHub says PR where is closed, and
// Rigel missed the event), or "close-event" (the pull_request closed event of PR where).
type holdStep struct {
	do     string
	where  int
	author string
	names  []string // unlock: the deployments named; nil: all this PR holds
	want   string   // "": done; "held by #N": *PullHeld naming PR N; "outside": *UnlockOutsidePull;
	// for unlock, "released web", "others web", "not-held web"; for close-event, "released web" or "released none"
}

func (e *holdEnv) do(t *testing.T, s holdStep) string {
	t.Helper()
	ctx := context.Background()
	author := s.author
	if author == "" {
		author = "alice"
	}
	call := e.call(e.forge, s.where, s.where != 9 && s.where != 0)
	call.Author = author
	at := BranchTarget("main")
	if call.IsPR {
		at = PullTarget(s.where, e.heads[s.where])
	}
	var err error
	switch s.do {
	case "sync", "diff":
		_, err = e.svc.Preview(ctx, call, e.dep, PreviewRequest{At: at, Verb: s.do, Arm: s.do == "sync"})
	case "apply":
		p, perr := e.svc.Preview(ctx, call, e.dep, PreviewRequest{At: at, Verb: "diff"})
		if perr != nil {
			t.Fatal(perr)
		}
		_, err = e.svc.Apply(ctx, call, e.dep, ApplyRequest{Plan: p.ID(), At: BranchTarget("main")})
	case "unlock":
		var deps []config.Deployment
		for _, n := range s.names {
			deps = append(deps, config.Deployment{Name: n, Path: "app"})
		}
		u, uerr := e.svc.Unlock(ctx, call, deps)
		if uerr == nil {
			return unlockedSummary(u)
		}
		err = uerr
	case "closed":
		ph := e.forge.heads[s.where]
		ph.State, ph.Merged = "closed", true
		e.forge.heads[s.where] = ph
		return ""
	case "close-event":
		released, rerr := e.svc.ReleasePull(ctx, "acme/web", s.where)
		if rerr != nil {
			t.Fatal(rerr)
		}
		names := []string{}
		for _, h := range released {
			names = append(names, h.Deployment)
		}
		if len(names) == 0 {
			return "released none"
		}
		return "released " + strings.Join(names, ",")
	default:
		t.Fatalf("unknown step %q", s.do)
	}
	var held *PullHeld
	var outside *UnlockOutsidePull
	switch {
	case err == nil:
		return ""
	case errors.As(err, &held):
		if held.Deployment != "web" || held.Verb != s.do || held.Hold.Repo != "acme/web" || held.Hold.Author == "" || held.Hold.Since.IsZero() || !IsRefusal(err) {
			t.Errorf("%s in #%d: %#v, want a refusal naming the hold of web, its author and since when, for %s", s.do, s.where, held, s.do)
		}
		return fmt.Sprintf("held by #%d", held.Hold.Number)
	case errors.As(err, &outside):
		return "outside"
	}
	t.Fatalf("%s in #%d: %v", s.do, s.where, err)
	return ""
}

func unlockedSummary(u *Unlocked) string {
	var parts []string
	for _, h := range u.Released {
		parts = append(parts, "released "+h.Deployment)
	}
	for _, h := range u.Others {
		parts = append(parts, fmt.Sprintf("others %s (#%d)", h.Deployment, h.Number))
	}
	for _, n := range u.NotHeld {
		parts = append(parts, "not-held "+n)
	}
	return strings.Join(parts, "; ")
}

// TestPullHolds: a sync in a PR holds the deployment for it; a sync or apply from anywhere else
// is refused naming the holding PR and changes nothing; re-syncing keeps the hold; a diff is
// never held back; /rigel unlock, the PR's close, or finding the PR closed already give it back.
func TestPullHolds(t *testing.T) {
	tests := []struct {
		name    string
		steps   []holdStep
		holder  string // who holds web at the end ("" nobody)
		applies int    // how many applies ran
	}{
		{"a sync in a PR holds", []holdStep{{do: "sync", where: 1}}, "acme/web#1 by alice", 0},
		{"a sync in an issue holds nothing", []holdStep{{do: "sync", where: 9}}, "", 0},
		{"a diff in a PR holds nothing", []holdStep{{do: "diff", where: 1}}, "", 0},
		{"another PR's sync is refused naming the holder", []holdStep{
			{do: "sync", where: 1}, {do: "sync", where: 2, author: "bob", want: "held by #1"},
		}, "acme/web#1 by alice", 0},
		{"another PR's diff is not held back", []holdStep{
			{do: "sync", where: 1}, {do: "diff", where: 2},
		}, "acme/web#1 by alice", 0},
		{"a sync in an issue is refused", []holdStep{
			{do: "sync", where: 1}, {do: "sync", where: 9, want: "held by #1"},
		}, "acme/web#1 by alice", 0},
		{"an apply from another PR is refused, nothing applied", []holdStep{
			{do: "sync", where: 1}, {do: "apply", where: 2, want: "held by #1"},
		}, "acme/web#1 by alice", 0},
		{"an apply over the HTTP API is refused", []holdStep{
			{do: "sync", where: 1}, {do: "apply", where: 0, want: "held by #1"},
		}, "acme/web#1 by alice", 0},
		{"the holding PR applies", []holdStep{
			{do: "sync", where: 1}, {do: "apply", where: 1},
		}, "acme/web#1 by alice", 1},
		{"re-syncing in the holding PR keeps the hold as taken", []holdStep{
			{do: "sync", where: 1}, {do: "sync", where: 1, author: "carol"},
		}, "acme/web#1 by alice", 0},
		{"unlock in the holding PR gives it back, then another PR holds", []holdStep{
			{do: "sync", where: 1}, {do: "unlock", where: 1, names: []string{"web"}, want: "released web"},
			{do: "sync", where: 2, author: "bob"},
		}, "acme/web#2 by bob", 0},
		{"unlock without names gives back every hold of the PR", []holdStep{
			{do: "sync", where: 1}, {do: "unlock", where: 1, want: "released web"},
		}, "", 0},
		{"unlock in another PR leaves the hold", []holdStep{
			{do: "sync", where: 1}, {do: "unlock", where: 2, names: []string{"web"}, want: "others web (#1)"},
			{do: "unlock", where: 2, want: ""},
		}, "acme/web#1 by alice", 0},
		{"unlock of what nothing holds", []holdStep{
			{do: "unlock", where: 1, names: []string{"web"}, want: "not-held web"},
		}, "", 0},
		{"unlock in an issue is refused", []holdStep{
			{do: "sync", where: 1}, {do: "unlock", where: 9, want: "outside"},
		}, "acme/web#1 by alice", 0},
		{"the PR's close releases its holds, once", []holdStep{
			{do: "sync", where: 1}, {do: "close-event", where: 2, want: "released none"},
			{do: "close-event", where: 1, want: "released web"}, {do: "close-event", where: 1, want: "released none"},
			{do: "sync", where: 2, author: "bob"},
		}, "acme/web#2 by bob", 0},
		{"a hold of a PR closed while the event was missed is released, not refused", []holdStep{
			{do: "sync", where: 1}, {do: "closed", where: 1}, {do: "sync", where: 2, author: "bob"},
		}, "acme/web#2 by bob", 0},
		{"an apply finds the holding PR closed: released, applied", []holdStep{
			{do: "sync", where: 1}, {do: "closed", where: 1}, {do: "apply", where: 0},
		}, "", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newHoldEnv(t)
			for i, s := range tc.steps {
				if got := e.do(t, s); got != s.want {
					t.Fatalf("step %d (%s in #%d) = %q, want %q", i, s.do, s.where, got, s.want)
				}
			}
			if got := e.holds.holder("web"); got != tc.holder {
				t.Errorf("web is held by %q, want %q", got, tc.holder)
			}
			if len(e.pl.applied) != tc.applies {
				t.Errorf("%d applies ran, want %d", len(e.pl.applied), tc.applies)
			}
		})
	}
}

// TestPullHoldUnreadablePR: when the holding PR cannot be read, the hold stands and refuses.
func TestPullHoldUnreadablePR(t *testing.T) {
	e := newHoldEnv(t)
	e.do(t, holdStep{do: "sync", where: 1})
	delete(e.forge.heads, 1) // GitHub does not answer for #1
	if got := e.do(t, holdStep{do: "sync", where: 2}); got != "held by #1" {
		t.Fatalf("sync in #2 = %q, want held by #1", got)
	}
}

// TestPullHoldRaceOneWinner: two PRs syncing at once: one holds web, the other is refused
// naming it.
func TestPullHoldRaceOneWinner(t *testing.T) {
	for round := 0; round < 20; round++ {
		e := newHoldEnv(t)
		var wg gosync.WaitGroup
		got := make([]string, 3)
		for _, n := range []int{1, 2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[n] = e.do(t, holdStep{do: "sync", where: n})
			}()
		}
		wg.Wait()
		winner := e.holds.holder("web")
		switch {
		case got[1] == "" && got[2] == "held by #1" && winner == "acme/web#1 by alice":
		case got[2] == "" && got[1] == "held by #2" && winner == "acme/web#2 by alice":
		default:
			t.Fatalf("round %d: #1 got %q, #2 got %q, hold %q: want one winner holding and the other refused naming it", round, got[1], got[2], winner)
		}
	}
}

// TestPullHoldOnlyWhenArmed: a sync whose preview arms nothing (the policy refuses an object)
// holds nothing; one that arms says which hold it took or kept.
func TestPullHoldOnlyWhenArmed(t *testing.T) {
	e := newHoldEnv(t)
	ctx := context.Background()
	head := e.src.commit("refs/pull/3/head", map[string]string{"app/cm.yaml": cmIn("a", "kube-system")})
	e.forge.heads[3] = PullHead{SHA: head, State: "open", HeadRepo: "acme/web", BaseRepo: "acme/web"}
	p, err := e.svc.Preview(ctx, e.call(e.forge, 3, true), e.dep, PreviewRequest{At: PullTarget(3, head), Verb: "sync", Arm: true})
	if err != nil || len(p.Plan.Violating()) == 0 {
		t.Fatalf("Preview = %v; want a plan the policy refuses", err)
	}
	if p.Hold != nil || e.holds.holder("web") != "" {
		t.Fatalf("a sync that armed nothing holds %q (%+v)", e.holds.holder("web"), p.Hold)
	}
	p, err = e.svc.Preview(ctx, e.call(e.forge, 1, true), e.dep, PreviewRequest{At: PullTarget(1, e.heads[1]), Verb: "sync", Arm: true})
	if err != nil || p.Hold == nil || p.Hold.Number != 1 || p.Hold.Deployment != "web" {
		t.Fatalf("Preview = %+v, %v; want the hold of #1 on web", p, err)
	}
}

// TestForgetGivesBackTheHold: removing a held deployment gives back its hold, so a deployment
// registered again under its name starts free.
func TestForgetGivesBackTheHold(t *testing.T) {
	e := newHoldEnv(t)
	e.do(t, holdStep{do: "sync", where: 1})
	if _, err := e.svc.Forget(context.Background(), "web", "acme/web"); err != nil {
		t.Fatal(err)
	}
	if h := e.holds.holder("web"); h != "" {
		t.Fatalf("the removed deployment is still held by %s", h)
	}
}

// TestUnlockNeedsWhatSyncNeeds: /rigel unlock is authorized as sync is, as the settings set it.
func TestUnlockNeedsWhatSyncNeeds(t *testing.T) {
	for _, tc := range []struct {
		perms map[string]string
		want  string
	}{
		{nil, "write"},
		{map[string]string{"sync": "maintain"}, "maintain"},
	} {
		if got := (Access{Permissions: tc.perms}).Required("unlock"); got != tc.want {
			t.Errorf("Required(unlock) with %v = %q, want %q", tc.perms, got, tc.want)
		}
	}
}
