package ops

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLatestDecisions(t *testing.T) {
	tests := []struct {
		name    string
		reviews []Review
		want    []decision
	}{
		{"none", nil, nil},
		{"one approval", []Review{{User: "alice", State: "APPROVED", CommitID: "aa"}}, []decision{{"alice", "APPROVED", "aa"}}},
		{"approval after changes requested", []Review{{User: "alice", State: "CHANGES_REQUESTED", CommitID: "aa"}, {User: "alice", State: "APPROVED", CommitID: "bb"}}, []decision{{"alice", "APPROVED", "bb"}}},
		{"changes requested after approval", []Review{{User: "alice", State: "APPROVED", CommitID: "aa"}, {User: "alice", State: "CHANGES_REQUESTED", CommitID: "aa"}}, []decision{{"alice", "CHANGES_REQUESTED", "aa"}}},
		{"a comment does not undo an approval", []Review{{User: "alice", State: "APPROVED", CommitID: "aa"}, {User: "alice", State: "COMMENTED", CommitID: "bb"}}, []decision{{"alice", "APPROVED", "aa"}}},
		{"a dismissal clears it", []Review{{User: "bob", State: "CHANGES_REQUESTED", CommitID: "aa"}, {User: "bob", State: "DISMISSED", CommitID: "aa"}}, nil},
		{"logins and commits compare without case", []Review{{User: "bob", State: "CHANGES_REQUESTED", CommitID: "AA"}, {User: "Alice", State: "approved", CommitID: "BB"}}, []decision{{"alice", "APPROVED", "bb"}, {"bob", "CHANGES_REQUESTED", "aa"}}},
		{"pending and comments decide nothing", []Review{{User: "carol", State: "PENDING", CommitID: "aa"}, {User: "dave", State: "COMMENTED", CommitID: "aa"}}, nil},
		{"a deleted account decides nothing", []Review{{User: "", State: "APPROVED", CommitID: "aa"}, {User: "", State: "CHANGES_REQUESTED", CommitID: "aa"}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := latestDecisions(tc.reviews); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("latestDecisions = %v, want %v", got, tc.want)
			}
		})
	}
}

// gateGitHub is the part of GitHub the PR gate uses; any other call panics (nil Forge).
type gateGitHub struct {
	Forge
	pulls    []PullHead // successive reads of the PR; the last one repeats
	reviews  []Review
	roles    map[string]string // login → role; missing: write
	permErr  error
	reads    int
	reviewed int      // reads of the reviews
	asked    []string // logins whose permission was asked, in order
}

func (g *gateGitHub) PullHead(_ context.Context, repo Repo, number int) (PullHead, error) {
	if repo.FullName() != "acme/web" || number != 7 {
		return PullHead{}, errors.New("unexpected pull request")
	}
	pr := g.pulls[min(g.reads, len(g.pulls)-1)]
	g.reads++
	return pr, nil
}

func (g *gateGitHub) Reviews(context.Context, Repo, int) ([]Review, error) {
	g.reviewed++
	return g.reviews, nil
}

func (g *gateGitHub) Permission(_ context.Context, _ Repo, user string) (string, error) {
	g.asked = append(g.asked, user)
	if g.permErr != nil {
		return "", g.permErr
	}
	if r, ok := g.roles[user]; ok {
		return r, nil
	}
	return "write", nil
}

const (
	gateHead = "def5678def5678def5678def5678def5678def56"
	gateOld  = "abc1234abc1234abc1234abc1234abc1234abc12"
)

func TestPullGates(t *testing.T) {
	yes, no := true, false
	open := func(edit func(*PullHead)) PullHead {
		pr := PullHead{SHA: gateHead, Ref: "feature", State: "open", HeadRepo: "acme/web", BaseRepo: "acme/web", BaseRef: "main", Mergeable: &yes, MergeableState: "clean"}
		if edit != nil {
			edit(&pr)
		}
		return pr
	}
	state := func(mergeable *bool, st string) PullHead {
		return open(func(p *PullHead) { p.Mergeable, p.MergeableState = mergeable, st })
	}
	notReady := func(m ...Requirement) error { return &NotReady{Pull: 7, Missing: m} }
	unapproved := Requirement{Kind: Unapproved, Head: gateHead}
	merge := func(st string, byDefault bool) Requirement {
		return Requirement{Kind: MergeableState, State: st, Base: "main", Head: gateHead, ByDefault: byDefault}
	}
	approved := []Review{{User: "alice", State: "APPROVED", CommitID: gateHead}}
	tests := []struct {
		name    string
		access  func(*Access)
		pulls   []PullHead
		reviews []Review
		roles   map[string]string
		want    error // the refusal; nil: the gate lets it through
		reads   int   // reads of the PR, when it matters
	}{
		{name: "approved at the head by a writer", pulls: []PullHead{open(nil)}, reviews: approved},
		{name: "approved by a maintainer, a comment after", pulls: []PullHead{open(nil)}, roles: map[string]string{"alice": "maintain"},
			reviews: []Review{{User: "alice", State: "APPROVED", CommitID: gateHead}, {User: "alice", State: "COMMENTED", CommitID: gateHead}}},
		{name: "no review", pulls: []PullHead{open(nil)}, want: notReady(unapproved)},
		{name: "approval of an older commit", pulls: []PullHead{open(nil)}, reviews: []Review{{User: "alice", State: "APPROVED", CommitID: gateOld}},
			want: notReady(unapproved, Requirement{Kind: ApprovalOfOtherCommit, Users: []string{"@alice"}, Commit: gateOld, Head: gateHead})},
		{name: "approval of a commit GitHub forgot", pulls: []PullHead{open(nil)}, reviews: []Review{{User: "alice", State: "APPROVED", CommitID: ""}},
			want: notReady(unapproved, Requirement{Kind: ApprovalOfOtherCommit, Users: []string{"@alice"}, Head: gateHead})},
		{name: "approval by a reader", pulls: []PullHead{open(nil)}, reviews: []Review{{User: "eve", State: "APPROVED", CommitID: gateHead}}, roles: map[string]string{"eve": "read"},
			want: notReady(unapproved, Requirement{Kind: ApprovalByNonWriter, Users: []string{"@eve"}, Role: "read", Head: gateHead})},
		{name: "approval by a triager", pulls: []PullHead{open(nil)}, reviews: []Review{{User: "tom", State: "APPROVED", CommitID: gateHead}}, roles: map[string]string{"tom": "triage"},
			want: notReady(unapproved, Requirement{Kind: ApprovalByNonWriter, Users: []string{"@tom"}, Role: "triage", Head: gateHead})},
		{name: "approval by an app", pulls: []PullHead{open(nil)}, reviews: []Review{{User: "helper[bot]", State: "APPROVED", CommitID: gateHead}},
			want: notReady(unapproved, Requirement{Kind: ApprovalByNonWriter, Users: []string{"@helper[bot]"}, Role: "none", Head: gateHead})},
		{name: "later changes requested by a writer", pulls: []PullHead{open(nil)},
			reviews: []Review{{User: "alice", State: "APPROVED", CommitID: gateHead}, {User: "bob", State: "APPROVED", CommitID: gateHead}, {User: "bob", State: "CHANGES_REQUESTED", CommitID: gateHead}},
			want:    notReady(Requirement{Kind: ChangesRequested, Users: []string{"@bob"}, Head: gateHead})},
		{name: "changes requested by a reader are ignored", pulls: []PullHead{open(nil)}, roles: map[string]string{"eve": "read"},
			reviews: []Review{{User: "alice", State: "APPROVED", CommitID: gateHead}, {User: "eve", State: "CHANGES_REQUESTED", CommitID: gateHead}}},
		{name: "changes requested on an older commit still block", pulls: []PullHead{open(nil)},
			reviews: []Review{{User: "bob", State: "CHANGES_REQUESTED", CommitID: gateOld}, {User: "alice", State: "APPROVED", CommitID: gateHead}},
			want:    notReady(Requirement{Kind: ChangesRequested, Users: []string{"@bob"}, Head: gateHead})},
		{name: "a dismissed change request blocks no more", pulls: []PullHead{open(nil)},
			reviews: []Review{{User: "bob", State: "CHANGES_REQUESTED", CommitID: gateHead}, {User: "alice", State: "APPROVED", CommitID: gateHead}, {User: "bob", State: "DISMISSED", CommitID: gateHead}}},
		{name: "a dismissed approval counts no more", pulls: []PullHead{open(nil)},
			reviews: []Review{{User: "alice", State: "APPROVED", CommitID: gateHead}, {User: "alice", State: "DISMISSED", CommitID: gateHead}}, want: notReady(unapproved)},
		{name: "closed", pulls: []PullHead{open(func(p *PullHead) { p.State = "closed" })}, reviews: approved,
			want: &PullNotOpen{Pull: 7, Repo: "acme/web", Branch: "main", State: PullClosed}},
		{name: "merged", pulls: []PullHead{open(func(p *PullHead) { p.State, p.Merged, p.Mergeable, p.MergeableState = "closed", true, nil, "unknown" })}, reviews: approved,
			want: &PullNotOpen{Pull: 7, Repo: "acme/web", Branch: "main", State: PullMerged}, reads: 1},
		{name: "draft", pulls: []PullHead{open(func(p *PullHead) { p.Draft, p.MergeableState = true, "draft" })}, reviews: approved,
			want: &PullNotOpen{Pull: 7, Repo: "acme/web", Branch: "main", State: PullDraft}},
		{name: "fork", pulls: []PullHead{open(func(p *PullHead) { p.HeadRepo = "mallory/web" })}, reviews: approved,
			want: &ForkApply{Pull: 7, Repo: "acme/web", HeadRepo: "mallory/web"}},
		{name: "deleted fork", pulls: []PullHead{open(func(p *PullHead) { p.HeadRepo = "" })}, reviews: approved,
			want: &ForkApply{Pull: 7, Repo: "acme/web"}},
		{name: "fork allowed", access: func(a *Access) { a.AllowForkApply = true }, pulls: []PullHead{open(func(p *PullHead) { p.HeadRepo = "mallory/web" })}, reviews: approved},
		{name: "dirty", pulls: []PullHead{state(&no, "dirty")}, reviews: approved, want: notReady(merge("dirty", true))},
		{name: "blocked", pulls: []PullHead{state(&yes, "blocked")}, reviews: approved, want: notReady(merge("blocked", true))},
		{name: "behind", pulls: []PullHead{state(&yes, "behind")}, reviews: approved, want: notReady(merge("behind", true))},
		{name: "unknown after every read", pulls: []PullHead{state(nil, "unknown")}, reviews: approved, want: notReady(merge("unknown", true)), reads: 1 + MergeableRereads},
		{name: "unknown, then clean after a read", pulls: []PullHead{state(nil, "unknown"), state(&yes, "clean")}, reviews: approved, reads: 2},
		{name: "unknown, then dirty after two reads", pulls: []PullHead{state(nil, "unknown"), state(nil, "unknown"), state(&no, "dirty")}, reviews: approved,
			want: notReady(merge("dirty", true)), reads: 3},
		{name: "unknown, then closed meanwhile", pulls: []PullHead{state(nil, "unknown"), open(func(p *PullHead) { p.State = "closed" })}, reviews: approved,
			want: &PullNotOpen{Pull: 7, Repo: "acme/web", Branch: "main", State: PullClosed}, reads: 2},
		{name: "unstable passes by default", pulls: []PullHead{state(&yes, "unstable")}, reviews: approved},
		{name: "has_hooks passes by default", pulls: []PullHead{state(&yes, "has_hooks")}, reviews: approved},
		{name: "unstable refused when listed", access: func(a *Access) { a.Mergeable.Refuse = []string{"unstable"} }, pulls: []PullHead{state(&yes, "unstable")}, reviews: approved,
			want: notReady(merge("unstable", false))},
		{name: "clean refused when listed", access: func(a *Access) { a.Mergeable.Refuse = []string{"clean"} }, pulls: []PullHead{open(nil)}, reviews: approved,
			want: notReady(merge("clean", false))},
		{name: "an empty list refuses none, and does not wait", access: func(a *Access) { a.Mergeable.Refuse = []string{} }, pulls: []PullHead{state(nil, "unknown")}, reviews: approved, reads: 1},
		{name: "unknown not listed: no wait", access: func(a *Access) { a.Mergeable.Refuse = []string{"dirty"} }, pulls: []PullHead{state(nil, "unknown")}, reviews: approved, reads: 1},
		{name: "mergeability not required", access: func(a *Access) { a.RequireMergeable = false }, pulls: []PullHead{state(&no, "dirty"), state(nil, "unknown")}, reviews: approved, reads: 1},
		{name: "approval not required", access: func(a *Access) { a.RequireApproval = false }, pulls: []PullHead{open(nil)}},
		{name: "every missing requirement at once, in order", pulls: []PullHead{state(&yes, "blocked")},
			reviews: []Review{{User: "alice", State: "APPROVED", CommitID: gateOld}, {User: "bob", State: "CHANGES_REQUESTED", CommitID: gateHead}, {User: "eve", State: "APPROVED", CommitID: gateHead}}, roles: map[string]string{"eve": "read"},
			want: notReady(Requirement{Kind: ChangesRequested, Users: []string{"@bob"}, Head: gateHead}, unapproved,
				Requirement{Kind: ApprovalOfOtherCommit, Users: []string{"@alice"}, Commit: gateOld, Head: gateHead},
				Requirement{Kind: ApprovalByNonWriter, Users: []string{"@eve"}, Role: "read", Head: gateHead}, merge("blocked", true))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := Access{RequireApproval: true, RequireMergeable: true, Mergeable: MergeableGate{RetryWait: time.Millisecond}}
			if tc.access != nil {
				tc.access(&a)
			}
			g := &gateGitHub{pulls: tc.pulls, reviews: tc.reviews, roles: tc.roles}
			s := &Service{Access: a}
			got, err := s.gatedHead(context.Background(), gateCall(g), "main", gateHead)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if want := PullTarget(7, gateHead); got != want {
					t.Fatalf("target = %+v, want %+v", got, want)
				}
			} else {
				if !IsRefusal(err) || !reflect.DeepEqual(err, tc.want) {
					t.Fatalf("err = %#v\nwant %#v", err, tc.want)
				}
			}
			if tc.reads != 0 && g.reads != tc.reads {
				t.Errorf("the PR was read %d times, want %d", g.reads, tc.reads)
			}
		})
	}
}

// gateCall is a comment in PR #7 of acme/web.
func gateCall(g Forge) Call {
	return Call{Repo: Repo{Owner: "acme", Name: "web"}, Number: 7, IsPR: true, Author: "someone", Forge: g}
}

func TestPullGatesAsksEachTime(t *testing.T) {
	yes := true
	g := &gateGitHub{pulls: []PullHead{{SHA: gateHead, State: "open", HeadRepo: "acme/web", BaseRepo: "acme/web", Mergeable: &yes, MergeableState: "clean"}},
		reviews: []Review{{User: "alice", State: "APPROVED", CommitID: gateHead}, {User: "bob", State: "COMMENTED", CommitID: gateHead}, {User: "carol", State: "CHANGES_REQUESTED", CommitID: gateHead}, {User: "carol", State: "DISMISSED", CommitID: gateHead}, {User: "ci[bot]", State: "APPROVED", CommitID: gateHead}}}
	s := &Service{Access: Access{RequireApproval: true, RequireMergeable: true}}
	for i := 0; i < 2; i++ {
		if _, err := s.gatedHead(context.Background(), gateCall(g), "main", gateHead); err != nil {
			t.Fatal(err)
		}
	}
	// Only reviewers whose latest review decides are asked (not a comment, a dismissal or an
	// app), and on every apply: roles change.
	if want := []string{"alice", "alice"}; !reflect.DeepEqual(g.asked, want) || g.reviewed != 2 {
		t.Fatalf("asked %v (reviews read %d times), want %v twice", g.asked, g.reviewed, want)
	}

	t.Run("a failed permission check is a failure, not a pass", func(t *testing.T) {
		g.permErr = errors.New("boom")
		_, err := s.gatedHead(context.Background(), gateCall(g), "main", gateHead)
		if err == nil || IsRefusal(err) || !strings.Contains(err.Error(), "failed to check the permission of reviewer @alice") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestPullGatesStaleHead(t *testing.T) {
	yes := true
	g := &gateGitHub{pulls: []PullHead{{SHA: gateHead, State: "open", HeadRepo: "acme/web", BaseRepo: "acme/web", Mergeable: &yes, MergeableState: "clean"}}}
	s := &Service{Access: Access{RequireApproval: true, RequireMergeable: true}}
	// The plan was armed at an older commit: the head goes back for applyPinned to refuse as
	// stale (a new preview comes first), and the reviews are not judged against the wrong commit.
	got, err := s.gatedHead(context.Background(), gateCall(g), "main", gateOld)
	if err != nil || got.Commit != gateHead || g.reviewed != 0 {
		t.Fatalf("gatedHead = %+v, %v; reviews read %d times", got, err, g.reviewed)
	}
	notPR := gateCall(g)
	notPR.IsPR = false
	if got, err := s.gatedHead(context.Background(), notPR, "main", gateOld); err != nil || got != BranchTarget("main") || g.reads != 1 {
		t.Fatalf("outside a PR: %+v, %v (PR read %d times)", got, err, g.reads)
	}
}

func TestPullGatesWaitHonoursContext(t *testing.T) {
	g := &gateGitHub{pulls: []PullHead{{SHA: gateHead, State: "open", HeadRepo: "acme/web", BaseRepo: "acme/web", MergeableState: "unknown"}}}
	s := &Service{Access: Access{RequireMergeable: true, Mergeable: MergeableGate{RetryWait: time.Hour}}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.gatedHead(ctx, gateCall(g), "main", gateHead)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("err = %v after %s", err, time.Since(start))
	}
}

func TestAccessRequired(t *testing.T) {
	a := Access{Permissions: map[string]string{"apply": "maintain", "help": "none"}}
	for verb, want := range map[string]string{"apply": "maintain", "help": "none", "sync": "write", "list": "read", "diff": "read", "remove-deployment": "write", "future-verb": "write"} {
		t.Run(verb, func(t *testing.T) {
			if got := a.Required(verb); got != want {
				t.Fatalf("required(%s) = %q, want %q", verb, got, want)
			}
		})
	}
}
