package testenv

import (
	"reflect"
	"testing"

	"github.com/google/go-github/v62/github"
)

// TestPullRequestWebhook builds pull_request events for each action Rigel handles and
// checks what go-github decodes from them.
func TestPullRequestWebhook(t *testing.T) {
	head, base := "1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222"
	for _, tc := range []struct {
		name string
		opts PullOpts
		want func(*github.PullRequestEvent) bool
	}{
		{"opened", PullOpts{Repo: "acme/web", Number: 4, HeadSHA: head, HeadRef: "feature", BaseSHA: base},
			func(e *github.PullRequestEvent) bool {
				pr := e.GetPullRequest()
				return e.GetAction() == "opened" && e.GetNumber() == 4 && pr.GetState() == "open" && pr.GetHead().GetSHA() == head &&
					pr.GetHead().GetRef() == "feature" && pr.GetBase().GetRef() == "main" && pr.GetBase().GetSHA() == base &&
					pr.GetHead().GetRepo().GetFullName() == "acme/web" && !pr.GetHead().GetRepo().GetFork() && e.GetSender().GetLogin() == "octocat"
			}},
		{"synchronize", PullOpts{Action: "synchronize", Repo: "acme/web", Number: 4, HeadSHA: head, Before: base, Sender: "bob"},
			func(e *github.PullRequestEvent) bool {
				return e.GetBefore() == base && e.GetAfter() == head && e.GetSender().GetLogin() == "bob" && e.GetPullRequest().GetUser().GetLogin() == "octocat"
			}},
		{"from a fork, a draft", PullOpts{Action: "reopened", Repo: "acme/web", Number: 4, HeadSHA: head, HeadRef: "main", Fork: "mallory/web", Draft: true},
			func(e *github.PullRequestEvent) bool {
				h := e.GetPullRequest().GetHead()
				return h.GetRepo().GetFullName() == "mallory/web" && h.GetRepo().GetFork() && h.GetLabel() == "mallory:main" && e.GetPullRequest().GetDraft()
			}},
		{"ready for review", PullOpts{Action: "ready_for_review", Repo: "acme/web", Number: 4, HeadSHA: head},
			func(e *github.PullRequestEvent) bool {
				return e.GetAction() == "ready_for_review" && e.GetInstallation().GetID() == DefaultInstallationID
			}},
		{"closed, merged", PullOpts{Action: "closed", Repo: "acme/web", Number: 4, HeadSHA: head, Merged: true, MergeSHA: base},
			func(e *github.PullRequestEvent) bool {
				pr := e.GetPullRequest()
				return pr.GetState() == "closed" && pr.GetMerged() && pr.GetMergeCommitSHA() == base && pr.MergedAt != nil
			}},
		{"closed, not merged", PullOpts{Action: "closed", Repo: "acme/web", Number: 4, HeadSHA: head},
			func(e *github.PullRequestEvent) bool {
				pr := e.GetPullRequest()
				return pr.GetState() == "closed" && !pr.GetMerged() && pr.MergeCommitSHA == nil
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := github.ParseWebHook("pull_request", PullRequestWebhook(tc.opts))
			if err != nil {
				t.Fatal(err)
			}
			e := ev.(*github.PullRequestEvent)
			if e.GetRepo().GetFullName() != "acme/web" || !tc.want(e) {
				t.Fatalf("event %s", github.Stringify(e))
			}
		})
	}
}

// TestPullRequestEvent drives a pull request's life through the fake: each event says what
// the fake then holds, and its head and base are the git server's commits.
func TestPullRequestEvent(t *testing.T) {
	f := newGHFixture(t)
	second, err := f.gs.Commit("acme/web", "feature", map[string]string{"c.txt": "c"}, "second")
	if err != nil {
		t.Fatal(err)
	}
	main, _ := f.gs.Head("acme/web", "main")
	parse := func(body []byte, err error) *github.PullRequestEvent {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		ev, err := github.ParseWebHook("pull_request", body)
		if err != nil {
			t.Fatal(err)
		}
		return ev.(*github.PullRequestEvent)
	}
	e := parse(f.gh.PullRequestEvent(PullOpts{Action: "synchronize", Repo: "acme/web", Number: 7, HeadSHA: second}))
	if e.GetBefore() != f.headSHA || e.GetAfter() != second || e.GetPullRequest().GetBase().GetSHA() != main ||
		e.GetRepo().GetCloneURL() != f.gs.CloneURL("acme/web") || e.GetInstallation().GetID() != f.gh.InstallationID {
		t.Fatalf("synchronize = %s", github.Stringify(e))
	}
	if pr, _, err := f.inst.PullRequests.Get(f.ctx, "acme", "web", 7); err != nil || pr.GetHead().GetSHA() != second {
		t.Fatalf("the fake's head after synchronize = %s, %v", pr.GetHead().GetSHA(), err)
	}
	e = parse(f.gh.PullRequestEvent(PullOpts{Action: "opened", Repo: "acme/web", Number: 8, HeadSHA: f.headSHA, HeadRef: "feature", BaseRef: "main"}))
	if len(f.gh.Pulls("acme/web")) != 2 || e.GetPullRequest().GetHead().GetSHA() != f.headSHA {
		t.Fatalf("opened: pulls %+v", f.gh.Pulls("acme/web"))
	}
	parse(f.gh.PullRequestEvent(PullOpts{Action: "closed", Repo: "acme/web", Number: 7, Merged: true, MergeSHA: main}))
	if p := f.gh.Pulls("acme/web")[0]; p.State != "closed" || !p.Merged {
		t.Fatalf("closed: %+v", p)
	}

	body, err := f.gh.ReviewEvent("acme/web", 8, "alice", "approved")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := github.ParseWebHook("pull_request_review", body)
	if err != nil {
		t.Fatal(err)
	}
	rv := ev.(*github.PullRequestReviewEvent)
	if rv.GetReview().GetState() != "approved" || rv.GetReview().GetCommitID() != f.headSHA || rv.GetReview().GetUser().GetLogin() != "alice" ||
		rv.GetPullRequest().GetNumber() != 8 || rv.GetSender().GetLogin() != "alice" || rv.GetInstallation().GetID() != f.gh.InstallationID {
		t.Fatalf("review event %s", github.Stringify(rv))
	}
	reviews, _, err := f.inst.PullRequests.ListReviews(f.ctx, "acme", "web", 8, nil)
	if err != nil || len(reviews) != 1 || reviews[0].GetState() != "APPROVED" || reviews[0].GetCommitID() != f.headSHA {
		t.Fatalf("the fake's reviews = %v, %v", reviews, err)
	}
}

// TestPushEvent makes a push event from the git server's real commits.
func TestPushEvent(t *testing.T) {
	f := newGHFixture(t)
	before, _ := f.gs.Head("acme/web", "main")
	one, err := f.gs.Commit("acme/web", "main", map[string]string{"k8s/a.yaml": "a: 1\n"}, "add a")
	if err != nil {
		t.Fatal(err)
	}
	two, err := f.gs.CommitByHand("acme/web", one, "main", map[string]string{"k8s/a.yaml": "", "k8s/b.yaml": "a: 1\n", "a.txt": "changed"}, "Alice", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	body, err := f.gh.PushEvent(PushOpts{Repo: "acme/web", Before: before, Pusher: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := github.ParseWebHook("push", body)
	if err != nil {
		t.Fatal(err)
	}
	e := ev.(*github.PushEvent)
	if e.GetRef() != "refs/heads/main" || e.GetBefore() != before || e.GetAfter() != two || len(e.Commits) != 2 ||
		e.GetHeadCommit().GetID() != two || e.GetPusher().GetName() != "alice" || e.GetInstallation().GetID() != f.gh.InstallationID ||
		e.GetRepo().GetFullName() != "acme/web" || e.GetCreated() || e.GetDeleted() {
		t.Fatalf("push %s", github.Stringify(e))
	}
	c := e.Commits[1]
	if got := [][]string{c.Added, c.Removed, c.Modified}; !reflect.DeepEqual(got, [][]string{{"k8s/b.yaml"}, {"k8s/a.yaml"}, {"a.txt"}}) || c.GetAuthor().GetName() != "Alice" {
		t.Fatalf("second commit: added, removed, modified = %v by %s", got, c.GetAuthor().GetName())
	}
	if e.Commits[0].GetID() != one || !reflect.DeepEqual(e.Commits[0].Added, []string{"k8s/a.yaml"}) {
		t.Fatalf("first commit %s", github.Stringify(e.Commits[0]))
	}
}

// TestCheckRunEvent makes the check_run rerequested event of a run the fake holds.
func TestCheckRunEvent(t *testing.T) {
	f := newGHFixture(t)
	run, _, err := f.inst.Checks.CreateCheckRun(f.ctx, "acme", "web", github.CreateCheckRunOptions{
		Name: "rigel/preview: api", HeadSHA: f.headSHA, ExternalID: github.String("api"), Conclusion: github.String("success"),
	})
	if err != nil {
		t.Fatal(err)
	}
	body, err := f.gh.CheckRunEvent("acme/web", run.GetID(), "", "alice")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := github.ParseWebHook("check_run", body)
	if err != nil {
		t.Fatal(err)
	}
	e := ev.(*github.CheckRunEvent)
	cr := e.GetCheckRun()
	if e.GetAction() != "rerequested" || cr.GetID() != run.GetID() || cr.GetName() != "rigel/preview: api" || cr.GetHeadSHA() != f.headSHA ||
		cr.GetExternalID() != "api" || cr.GetConclusion() != "success" || cr.GetApp().GetID() != f.gh.AppID ||
		len(cr.PullRequests) != 1 || cr.PullRequests[0].GetNumber() != 7 || cr.GetCheckSuite().GetHeadBranch() != "feature" ||
		e.GetSender().GetLogin() != "alice" || e.GetInstallation().GetID() != f.gh.InstallationID || e.GetRepo().GetFullName() != "acme/web" {
		t.Fatalf("check_run event %s", github.Stringify(e))
	}
	if _, err := f.gh.CheckRunEvent("acme/web", run.GetID()+1, "", "alice"); err == nil {
		t.Fatal("an event of a run the fake does not hold")
	}
}

// TestMergePull merges a pull request on the fake: a real merge commit on main, the pull
// request merged, and the push and closed events that follow.
func TestMergePull(t *testing.T) {
	f := newGHFixture(t)
	before, _ := f.gs.Head("acme/web", "main")
	if _, err := f.gs.Commit("acme/web", "main", map[string]string{"m.txt": "main moved"}, "main moves"); err != nil {
		t.Fatal(err)
	}
	moved, _ := f.gs.Head("acme/web", "main")
	merge, err := f.gh.MergePull("acme/web", 7)
	if err != nil {
		t.Fatal(err)
	}
	if head, _ := f.gs.Head("acme/web", "main"); head != merge {
		t.Fatalf("main at %s, want the merge %s", head, merge)
	}
	parents, _ := f.gs.git(f.gs.RepoDir("acme/web"), nil, "rev-parse", merge+"^1", merge+"^2")
	if parents != moved+"\n"+f.headSHA {
		t.Fatalf("merge parents %q, want main and the head", parents)
	}
	files, _ := f.gs.git(f.gs.RepoDir("acme/web"), nil, "ls-tree", "--name-only", merge)
	if files != "a.txt\nb.txt\nm.txt" {
		t.Fatalf("merge tree %q", files)
	}
	if p := f.gh.Pulls("acme/web")[0]; p.State != "closed" || !p.Merged {
		t.Fatalf("pull after merge %+v", p)
	}
	if _, err := f.gh.MergePull("acme/web", 7); err == nil {
		t.Fatal("merged twice")
	}
	body, err := f.gh.PushEvent(PushOpts{Repo: "acme/web", Before: moved})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := github.ParseWebHook("push", body)
	if err != nil {
		t.Fatal(err)
	}
	p := ev.(*github.PushEvent)
	if p.GetAfter() != merge || len(p.Commits) != 2 || p.GetHeadCommit().GetMessage() != "Merge pull request #7 from acme/feature" || before == moved {
		t.Fatalf("push %s", github.Stringify(p))
	}
	if c := p.Commits[0]; c.GetID() != f.headSHA || c.GetDistinct() || !p.Commits[1].GetDistinct() || !reflect.DeepEqual(p.Commits[1].Added, []string{"b.txt"}) {
		t.Fatalf("commits: the head (already on feature, not distinct) then the merge (distinct, adding b.txt to main): %s", github.Stringify(p.Commits))
	}
	closed, err := f.gh.PullRequestEvent(PullOpts{Action: "closed", Repo: "acme/web", Number: 7, Merged: true, MergeSHA: merge})
	if err != nil {
		t.Fatal(err)
	}
	ev, _ = github.ParseWebHook("pull_request", closed)
	if pr := ev.(*github.PullRequestEvent).GetPullRequest(); !pr.GetMerged() || pr.GetMergeCommitSHA() != merge {
		t.Fatalf("closed %s", github.Stringify(pr))
	}
}
