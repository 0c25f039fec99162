package commands

import (
	"context"
	"errors"
	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/ops"
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

// gateGitHub is the part of GitHub the PR gate uses; any other call panics (nil GitHub).
type gateGitHub struct {
	GitHub
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
	approved := []Review{{User: "alice", State: "APPROVED", CommitID: gateHead}}
	tests := []struct {
		name    string
		access  func(*Access)
		pulls   []PullHead
		reviews []Review
		roles   map[string]string
		want    []string // in the refusal; nil: the gate lets it through
		notWant []string
		reads   int // reads of the PR, when it matters
	}{
		{name: "approved at the head by a writer", pulls: []PullHead{open(nil)}, reviews: approved},
		{name: "approved by a maintainer, a comment after", pulls: []PullHead{open(nil)}, roles: map[string]string{"alice": "maintain"},
			reviews: []Review{{User: "alice", State: "APPROVED", CommitID: gateHead}, {User: "alice", State: "COMMENTED", CommitID: gateHead}}},
		{name: "no review", pulls: []PullHead{open(nil)},
			want: []string{"PR #7 is not ready to apply; nothing was applied", "nobody with `write` access has approved its head `def5678`: ask a reviewer to approve the PR", "Then run `/rigel apply` again."}},
		{name: "approval of an older commit", pulls: []PullHead{open(nil)}, reviews: []Review{{User: "alice", State: "APPROVED", CommitID: gateOld}},
			want: []string{"nobody with `write` access has approved its head `def5678`", "@alice approved `abc1234`, not the head `def5678`: ask for a new review"}},
		{name: "approval of a commit GitHub forgot", pulls: []PullHead{open(nil)}, reviews: []Review{{User: "alice", State: "APPROVED", CommitID: ""}},
			want: []string{"@alice approved an earlier commit, not the head `def5678`: ask for a new review"}},
		{name: "approval by a reader", pulls: []PullHead{open(nil)}, reviews: []Review{{User: "eve", State: "APPROVED", CommitID: gateHead}}, roles: map[string]string{"eve": "read"},
			want: []string{"nobody with `write` access has approved", "@eve approved but has only `read`: an approval counts only from someone with `write` or higher"}},
		{name: "approval by a triager", pulls: []PullHead{open(nil)}, reviews: []Review{{User: "tom", State: "APPROVED", CommitID: gateHead}}, roles: map[string]string{"tom": "triage"},
			want: []string{"@tom approved but has only `triage`"}},
		{name: "approval by an app", pulls: []PullHead{open(nil)}, reviews: []Review{{User: "helper[bot]", State: "APPROVED", CommitID: gateHead}},
			want: []string{"@helper[bot] approved but has only `none`"}},
		{name: "later changes requested by a writer", pulls: []PullHead{open(nil)},
			reviews: []Review{{User: "alice", State: "APPROVED", CommitID: gateHead}, {User: "bob", State: "APPROVED", CommitID: gateHead}, {User: "bob", State: "CHANGES_REQUESTED", CommitID: gateHead}},
			want:    []string{"changes are requested by @bob: address them and ask for a new review (or have the review dismissed)"}, notWant: []string{"nobody with"}},
		{name: "changes requested by a reader are ignored", pulls: []PullHead{open(nil)}, roles: map[string]string{"eve": "read"},
			reviews: []Review{{User: "alice", State: "APPROVED", CommitID: gateHead}, {User: "eve", State: "CHANGES_REQUESTED", CommitID: gateHead}}},
		{name: "changes requested on an older commit still block", pulls: []PullHead{open(nil)},
			reviews: []Review{{User: "bob", State: "CHANGES_REQUESTED", CommitID: gateOld}, {User: "alice", State: "APPROVED", CommitID: gateHead}}, want: []string{"changes are requested by @bob"}},
		{name: "a dismissed change request blocks no more", pulls: []PullHead{open(nil)},
			reviews: []Review{{User: "bob", State: "CHANGES_REQUESTED", CommitID: gateHead}, {User: "alice", State: "APPROVED", CommitID: gateHead}, {User: "bob", State: "DISMISSED", CommitID: gateHead}}},
		{name: "a dismissed approval counts no more", pulls: []PullHead{open(nil)},
			reviews: []Review{{User: "alice", State: "APPROVED", CommitID: gateHead}, {User: "alice", State: "DISMISSED", CommitID: gateHead}}, want: []string{"nobody with `write` access has approved"}},
		{name: "closed", pulls: []PullHead{open(func(p *PullHead) { p.State = "closed" })}, reviews: approved,
			want: []string{"PR #7 is closed, and Rigel applies a pull request only while it is open. Nothing was applied. Reopen it, then run `/rigel apply` again."}},
		{name: "merged", pulls: []PullHead{open(func(p *PullHead) { p.State, p.Merged, p.Mergeable, p.MergeableState = "closed", true, nil, "unknown" })}, reviews: approved,
			want: []string{"PR #7 was merged", "Nothing was applied", "run `/rigel sync` in an issue of acme/web: it previews the branch `main` and arms `/rigel apply` there"}, reads: 1},
		{name: "draft", pulls: []PullHead{open(func(p *PullHead) { p.Draft, p.MergeableState = true, "draft" })}, reviews: approved,
			want: []string{"PR #7 is a draft, and Rigel does not apply drafts. Nothing was applied. Mark it ready for review (and have it approved), then run `/rigel apply` again."}},
		{name: "fork", pulls: []PullHead{open(func(p *PullHead) { p.HeadRepo = "mallory/web" })}, reviews: approved,
			want: []string{"comes from the fork `mallory/web`", "RIGEL_ALLOW_FORK_APPLY"}},
		{name: "fork allowed", access: func(a *Access) { a.AllowForkApply = true }, pulls: []PullHead{open(func(p *PullHead) { p.HeadRepo = "mallory/web" })}, reviews: approved},
		{name: "dirty", pulls: []PullHead{state(&no, "dirty")}, reviews: approved,
			want: []string{"it has merge conflicts with `main` (mergeable_state `dirty`): resolve them", "run `/rigel sync` again"}, notWant: []string{"nobody with"}},
		{name: "blocked", pulls: []PullHead{state(&yes, "blocked")}, reviews: approved,
			want: []string{"the branch protection of `main` is not met (mergeable_state `blocked`): it still lacks required approving reviews or required status checks"}},
		{name: "behind", pulls: []PullHead{state(&yes, "behind")}, reviews: approved,
			want: []string{"it is behind `main`", "(mergeable_state `behind`): update the branch", "`/rigel sync` again"}},
		{name: "unknown after every read", pulls: []PullHead{state(nil, "unknown")}, reviews: approved,
			want: []string{"GitHub has not computed whether it can be merged (mergeable_state `unknown`, still after 3 more reads): try `/rigel apply` again in a minute"}, reads: 4},
		{name: "unknown, then clean after a read", pulls: []PullHead{state(nil, "unknown"), state(&yes, "clean")}, reviews: approved, reads: 2},
		{name: "unknown, then dirty after two reads", pulls: []PullHead{state(nil, "unknown"), state(nil, "unknown"), state(&no, "dirty")}, reviews: approved,
			want: []string{"mergeable_state `dirty`"}, reads: 3},
		{name: "unknown, then closed meanwhile", pulls: []PullHead{state(nil, "unknown"), open(func(p *PullHead) { p.State = "closed" })}, reviews: approved,
			want: []string{"PR #7 is closed"}, reads: 2},
		{name: "unstable passes by default", pulls: []PullHead{state(&yes, "unstable")}, reviews: approved},
		{name: "has_hooks passes by default", pulls: []PullHead{state(&yes, "has_hooks")}, reviews: approved},
		{name: "unstable refused when listed", access: func(a *Access) { a.Mergeable.Refuse = []string{"unstable"} }, pulls: []PullHead{state(&yes, "unstable")}, reviews: approved,
			want: []string{"some of its status checks fail (mergeable_state `unstable`): make them pass"}},
		{name: "clean refused when listed", access: func(a *Access) { a.Mergeable.Refuse = []string{"clean"} }, pulls: []PullHead{open(nil)}, reviews: approved,
			want: []string{"its mergeable_state is `clean`, which this Rigel refuses (`RIGEL_REFUSE_MERGEABLE_STATES`)"}},
		{name: "an empty list refuses none, and does not wait", access: func(a *Access) { a.Mergeable.Refuse = []string{} }, pulls: []PullHead{state(nil, "unknown")}, reviews: approved, reads: 1},
		{name: "unknown not listed: no wait", access: func(a *Access) { a.Mergeable.Refuse = []string{"dirty"} }, pulls: []PullHead{state(nil, "unknown")}, reviews: approved, reads: 1},
		{name: "mergeability not required", access: func(a *Access) { a.RequireMergeable = false }, pulls: []PullHead{state(&no, "dirty"), state(nil, "unknown")}, reviews: approved, reads: 1},
		{name: "approval not required", access: func(a *Access) { a.RequireApproval = false }, pulls: []PullHead{open(nil)}},
		{name: "every missing requirement at once", pulls: []PullHead{state(&yes, "blocked")},
			reviews: []Review{{User: "alice", State: "APPROVED", CommitID: gateOld}, {User: "bob", State: "CHANGES_REQUESTED", CommitID: gateHead}, {User: "eve", State: "APPROVED", CommitID: gateHead}}, roles: map[string]string{"eve": "read"},
			want: []string{"changes are requested by @bob", "nobody with `write` access", "@alice approved `abc1234`", "@eve approved but has only `read`", "mergeable_state `blocked`"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := Access{RequireApproval: true, RequireMergeable: true, Mergeable: MergeableGate{RetryWait: time.Millisecond}}
			if tc.access != nil {
				tc.access(&a)
			}
			g := &gateGitHub{pulls: tc.pulls, reviews: tc.reviews, roles: tc.roles}
			c := &call{r: &Runner{Service: &ops.Service{Access: a}}, gh: g, req: Request{Repo: Repo{Owner: "acme", Name: "web"}, Number: 7, IsPR: true}}
			got, err := c.gatedHead(context.Background(), "main", gateHead)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if want := ops.PullTarget(7, gateHead); got != want {
					t.Fatalf("target = %+v, want %+v", got, want)
				}
			} else {
				var ue *fault.Invalid
				if !errors.As(err, &ue) {
					t.Fatalf("err = %v, want a refusal", err)
				}
				for _, w := range tc.want {
					if !strings.Contains(ue.Msg, w) {
						t.Errorf("the refusal lacks %q:\n%s", w, ue.Msg)
					}
				}
				for _, w := range tc.notWant {
					if strings.Contains(ue.Msg, w) {
						t.Errorf("the refusal has %q:\n%s", w, ue.Msg)
					}
				}
			}
			if tc.reads != 0 && g.reads != tc.reads {
				t.Errorf("the PR was read %d times, want %d", g.reads, tc.reads)
			}
		})
	}
}

// TestPullGatesText pins two refusals whole: what was wrong, who, and the next step.
func TestPullGatesText(t *testing.T) {
	yes := true
	pr := PullHead{SHA: gateHead, State: "open", HeadRepo: "acme/web", BaseRepo: "acme/web", BaseRef: "main", Mergeable: &yes, MergeableState: "behind"}
	g := &gateGitHub{pulls: []PullHead{pr}, reviews: []Review{{User: "alice", State: "APPROVED", CommitID: gateOld}, {User: "eve", State: "APPROVED", CommitID: gateHead}}, roles: map[string]string{"eve": "read"}}
	c := &call{r: &Runner{Service: &ops.Service{Access: Access{RequireApproval: true, RequireMergeable: true}}}, gh: g, req: Request{Repo: Repo{Owner: "acme", Name: "web"}, Number: 7, IsPR: true}}
	_, err := c.gatedHead(context.Background(), "main", gateHead)
	want := "PR #7 is not ready to apply; nothing was applied:\n\n" +
		"- nobody with `write` access has approved its head `def5678`: ask a reviewer to approve the PR\n" +
		"- @alice approved `abc1234`, not the head `def5678`: ask for a new review\n" +
		"- @eve approved but has only `read`: an approval counts only from someone with `write` or higher\n" +
		"- it is behind `main`, and the branch protection wants branches up to date (mergeable_state `behind`): update the branch (**Update branch** on the PR, or merge `main` into it), push, and run `/rigel sync` again\n\n" +
		"Then run `/rigel apply` again."
	if err == nil || err.Error() != want {
		t.Fatalf("refusal:\n%v\nwant:\n%s", err, want)
	}
}

func TestPullGatesAsksEachTime(t *testing.T) {
	yes := true
	g := &gateGitHub{pulls: []PullHead{{SHA: gateHead, State: "open", HeadRepo: "acme/web", BaseRepo: "acme/web", Mergeable: &yes, MergeableState: "clean"}},
		reviews: []Review{{User: "alice", State: "APPROVED", CommitID: gateHead}, {User: "bob", State: "COMMENTED", CommitID: gateHead}, {User: "carol", State: "CHANGES_REQUESTED", CommitID: gateHead}, {User: "carol", State: "DISMISSED", CommitID: gateHead}, {User: "ci[bot]", State: "APPROVED", CommitID: gateHead}}}
	c := &call{r: &Runner{Service: &ops.Service{Access: Access{RequireApproval: true, RequireMergeable: true}}}, gh: g, req: Request{Repo: Repo{Owner: "acme", Name: "web"}, Number: 7, IsPR: true}}
	for i := 0; i < 2; i++ {
		if _, err := c.gatedHead(context.Background(), "main", gateHead); err != nil {
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
		_, err := c.gatedHead(context.Background(), "main", gateHead)
		var ue *fault.Invalid
		if err == nil || errors.As(err, &ue) || !strings.Contains(err.Error(), "failed to check the permission of reviewer @alice") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestPullGatesStaleHead(t *testing.T) {
	yes := true
	g := &gateGitHub{pulls: []PullHead{{SHA: gateHead, State: "open", HeadRepo: "acme/web", BaseRepo: "acme/web", Mergeable: &yes, MergeableState: "clean"}}}
	c := &call{r: &Runner{Service: &ops.Service{Access: Access{RequireApproval: true, RequireMergeable: true}}}, gh: g, req: Request{Repo: Repo{Owner: "acme", Name: "web"}, Number: 7, IsPR: true}}
	// The plan was armed at an older commit: the head goes back for applyPinned to refuse as
	// stale (a new preview comes first), and the reviews are not judged against the wrong commit.
	got, err := c.gatedHead(context.Background(), "main", gateOld)
	if err != nil || got.Commit != gateHead || g.reviewed != 0 {
		t.Fatalf("gatedHead = %+v, %v; reviews read %d times", got, err, g.reviewed)
	}
	c.req.IsPR = false
	if got, err := c.gatedHead(context.Background(), "main", gateOld); err != nil || got != ops.BranchTarget("main") || g.reads != 1 {
		t.Fatalf("outside a PR: %+v, %v (PR read %d times)", got, err, g.reads)
	}
}

func TestPullGatesWaitHonoursContext(t *testing.T) {
	g := &gateGitHub{pulls: []PullHead{{SHA: gateHead, State: "open", HeadRepo: "acme/web", BaseRepo: "acme/web", MergeableState: "unknown"}}}
	c := &call{r: &Runner{Service: &ops.Service{Access: Access{RequireMergeable: true, Mergeable: MergeableGate{RetryWait: time.Hour}}}}, gh: g, req: Request{Repo: Repo{Owner: "acme", Name: "web"}, Number: 7, IsPR: true}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.gatedHead(ctx, "main", gateHead)
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
