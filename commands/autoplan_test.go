package commands

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
)

const commit2 = "89abcdef0123456789abcdef0123456789abcdef"

// outcomeOf is autoplan's outcome of web at head with preview pv (or err).
func outcomeOf(head string, pv *ops.Preview, err error) ops.AutoplanOutcome {
	if pv != nil {
		pv.Plan.Commit = head
		pv.Target = ops.PullTarget(7, head)
	}
	return ops.AutoplanOutcome{Deployment: config.Deployment{Name: "web", Path: "apps/web/k8s"}, Head: head, Affected: true,
		Because: "bases/shared/deploy.yaml", Preview: pv, Err: err}
}

func noChangesPlan() *ops.Preview {
	pv := samplePlan()
	pv.Plan.Changes = []sync.Change{{Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "web"}, Action: sync.ActionUnchanged}}
	return pv
}

func renderFailure(head string) error {
	return &ops.RenderFailed{Folder: "apps/web/k8s", At: ops.PullTarget(7, head), Commit: head,
		Err: &sync.ParseError{File: "apps/web/k8s/deploy.yaml", Line: 12, Msg: "mapping values are not allowed in this context"}}
}

// memForge is a pull request's conversation in memory, for the living comment's tests.
type memForge struct {
	recorder
	bodies    map[int64]string
	authors   map[int64]string
	order     []int64
	edits     int
	minimized []string
	head      string
	runs      []CheckRun // created and updated, in order
}

func newMemForge(head string) *memForge {
	return &memForge{bodies: map[int64]string{}, authors: map[int64]string{}, head: head}
}

func (f *memForge) post(author, body string) int64 {
	id := int64(len(f.order) + 1)
	f.order = append(f.order, id)
	f.bodies[id], f.authors[id] = body, author
	return id
}
func (f *memForge) Comment(_ context.Context, _ Repo, _ int, body string) (int64, error) {
	return f.post("rigel[bot]", body), nil
}
func (f *memForge) Comments(context.Context, Repo, int) ([]IssueComment, error) {
	var out []IssueComment
	for _, id := range f.order {
		out = append(out, IssueComment{ID: id, Author: f.authors[id], Body: f.bodies[id], NodeID: fmt.Sprintf("IC_%d", id)})
	}
	return out, nil
}
func (f *memForge) EditComment(_ context.Context, _ Repo, id int64, body string) (IssueComment, error) {
	f.edits++
	f.bodies[id] = body
	return IssueComment{ID: id, Body: body}, nil
}
func (f *memForge) MinimizeComment(_ context.Context, _ Repo, node string) error {
	f.minimized = append(f.minimized, node)
	return nil
}
func (f *memForge) PullHead(context.Context, Repo, int) (PullHead, error) {
	return PullHead{SHA: f.head, State: "open"}, nil
}
func (f *memForge) CreateCheckRun(_ context.Context, _ Repo, run CheckRun) (CheckRunRef, error) {
	f.runs = append(f.runs, run)
	return CheckRunRef{ID: int64(len(f.runs))}, nil
}
func (f *memForge) UpdateCheckRun(_ context.Context, _ Repo, _ int64, run CheckRun) error {
	f.runs = append(f.runs, run)
	return nil
}

func testRunner() *Runner {
	return &Runner{Ops: &ops.Service{}, BotLogin: "rigel[bot]", MarkerKey: []byte("a key for the golden files"), WebURL: "https://github.test/"}
}

var prReq = Request{Repo: Repo{Owner: "acme", Name: "web"}, Number: 7, IsPR: true}

// TestLivingComment: the living comment of a head, edited in place for the next head with
// the first in its history, one line for no changes, a render failure; each a golden file.
// Rigel's typed preview of the old head is hidden; the same head published twice is read
// back as done.
func TestLivingComment(t *testing.T) {
	ctx := context.Background()
	r := testRunner()
	gh := newMemForge(commit)
	// A typed /rigel diff of web at the first head, and a person's comment quoting it.
	typed := gh.post("rigel[bot]", renderPlan("acme/web", samplePlan(), false))
	gh.post("alice", "**Rigel diff of `web` at `0123456`:** looks good")

	publish := func(o ops.AutoplanOutcome) int64 {
		t.Helper()
		st, err := r.readConversation(ctx, gh, prReq)
		if err != nil {
			t.Fatal(err)
		}
		id, err := r.publishLiving(ctx, gh, prReq, st, o)
		if err != nil {
			t.Fatal(err)
		}
		r.hideOutdated(ctx, gh, prReq, st, o.Deployment.Name, o.Head)
		return id
	}
	first := publish(outcomeOf(commit, samplePlan(), nil))
	golden(t, "living_first", gh.bodies[first])
	if gh.edits != 0 || len(gh.minimized) != 0 {
		t.Fatalf("first head: %d edits, hidden %q; want a new comment and nothing hidden", gh.edits, gh.minimized)
	}
	st, _ := r.readConversation(ctx, gh, prReq)
	if l := st.living["web"]; l == nil || l.ID != first || l.Head != commit || l.Summary != "2 to create, 2 to change" && l.Summary != "1 to create, 2 to change" {
		t.Fatalf("living comment read back as %+v", l)
	}

	gh.head = commit2
	second := publish(outcomeOf(commit2, samplePlan(), nil))
	golden(t, "living_second", gh.bodies[second])
	if second != first || gh.edits != 1 {
		t.Fatalf("second head: comment %d (first %d), %d edits; want the same comment edited once", second, first, gh.edits)
	}
	if want := fmt.Sprintf("IC_%d", typed); len(gh.minimized) != 1 || gh.minimized[0] != want {
		t.Fatalf("hidden %q, want only Rigel's typed preview %s", gh.minimized, want)
	}
	if !strings.Contains(gh.bodies[second], historyLead+"`0123456` ") {
		t.Fatal("the second head's comment has no history line naming the first head")
	}

	gh.head = "fedcba9876543210fedcba9876543210fedcba98"
	third := publish(outcomeOf(gh.head, noChangesPlan(), nil))
	golden(t, "living_no_changes", gh.bodies[third])
	visible := 0
	for _, line := range strings.Split(strings.SplitN(gh.bodies[third], historyLead, 2)[0], "\n") {
		if line != "" && !strings.HasPrefix(line, "<!--") {
			visible++
		}
	}
	if visible != 1 {
		t.Fatalf("no changes takes more than one line (and its marker):\n%s", gh.bodies[third])
	}

	gh.head = "1111111111111111111111111111111111111111"
	fourth := publish(outcomeOf(gh.head, nil, renderFailure(gh.head)))
	golden(t, "living_render_failed", gh.bodies[fourth])
	st, _ = r.readConversation(ctx, gh, prReq)
	if l := st.living["web"]; l == nil || l.Head != gh.head || len(l.History) != 3 || len(st.living) != 1 {
		t.Fatalf("after four heads: %+v, want one living comment with three earlier heads", l)
	}

	gh.head = "2222222222222222222222222222222222222222"
	unaffected := outcomeOf(gh.head, nil, nil)
	unaffected.Affected, unaffected.Because = false, ""
	fifth := publish(unaffected)
	golden(t, "living_not_changed", gh.bodies[fifth])
	if ms := verifyMarkers(r.markerKey(), conversationOf(prReq), gh.bodies[fifth]); len(ms) != 1 || ms[0].Kind != markerLiving {
		t.Fatalf("markers %+v: a head that no longer changes the folder arms nothing", ms)
	}
}

// TestHideOutdatedSplitPreview: a typed preview too long for one comment is hidden whole, each
// of its parts; a person's comment that looks like a part, and a part of another reply, are not.
func TestHideOutdatedSplitPreview(t *testing.T) {
	ctx := context.Background()
	r := testRunner()
	gh := newMemForge(commit)
	// One deployment's preview whose changes fill three comments: only the first has its head.
	filler := strings.Repeat("+  key: value\n", (MaxComment-2*room)/14)
	parts := splitComment(renderPlan("acme/web", samplePlan(), false) + blockSep + filler + blockSep + filler)
	if len(parts) < 3 {
		t.Fatalf("the reply split into %d parts, want 3 or more for the test", len(parts))
	}
	var want []string
	for i, part := range parts {
		id := gh.post("rigel[bot]", part)
		want = append(want, fmt.Sprintf("IC_%d", id))
		if i == 0 {
			gh.post("alice", "<sub>Part 2 of 9: the reply is longer than one GitHub comment.</sub> mine")
		}
	}
	other := gh.post("rigel[bot]", "<sub>Part 2 of 2: the reply is longer than one GitHub comment.</sub>\n\nsomething else")
	st, err := r.readConversation(ctx, gh, prReq)
	if err != nil {
		t.Fatal(err)
	}
	r.hideOutdated(ctx, gh, prReq, st, "web", commit2)
	if !reflect.DeepEqual(gh.minimized, want) {
		t.Fatalf("hidden %q, want every part of the typed preview %q (not %d)", gh.minimized, want, other)
	}
}

// TestLivingMarkerTrust: a living marker counts only in Rigel's own comment and for its
// conversation: one typed by a person, or copied from another pull request, is not a living
// comment (and so cannot make autoplan skip a head or be edited).
func TestLivingMarkerTrust(t *testing.T) {
	ctx := context.Background()
	r := testRunner()
	body := r.seal(prReq, renderLiving("acme/web", outcomeOf(commit, samplePlan(), nil), nil))
	other := prReq
	other.Number = 8
	tests := []struct {
		name   string
		author string
		body   string
		want   bool
	}{
		{"Rigel's own", "rigel[bot]", body, true},
		{"typed by a person", "mallory", body, false},
		{"copied from another pull request", "rigel[bot]", r.seal(other, renderLiving("acme/web", outcomeOf(commit, samplePlan(), nil), nil)), false},
		{"unsigned", "rigel[bot]", renderLiving("acme/web", outcomeOf(commit, samplePlan(), nil), nil), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gh := newMemForge(commit)
			gh.post(tc.author, tc.body)
			st, err := r.readConversation(ctx, gh, prReq)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.living["web"] != nil; got != tc.want {
				t.Fatalf("living comment found = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestCheckGolden: the completed check run of each kind of outcome.
func TestCheckGolden(t *testing.T) {
	violating := samplePlan()
	violating.Plan.Changes[0].Violations = []sync.Violation{{Rule: "clusterScoped", Msg: "cluster-scoped Namespace shop is not allowed (clusterScoped: false)"}}
	tests := []struct {
		name       string
		o          ops.AutoplanOutcome
		conclusion string
	}{
		{"check_changes", outcomeOf(commit, samplePlan(), nil), conclusionSuccess},
		{"check_no_changes", outcomeOf(commit, noChangesPlan(), nil), conclusionNeutral},
		{"check_render_failed", outcomeOf(commit, nil, renderFailure(commit)), conclusionFailure},
		{"check_policy", outcomeOf(commit, violating, nil), conclusionFailure},
		{"check_not_changed", ops.AutoplanOutcome{Deployment: config.Deployment{Name: "web", Path: "apps/web/k8s"}, Head: commit}, conclusionNeutral},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := renderCheck(tc.o, "https://github.test/acme/web/pull/7#issuecomment-3")
			if res.Conclusion != tc.conclusion {
				t.Fatalf("conclusion %q, want %q", res.Conclusion, tc.conclusion)
			}
			var b strings.Builder
			fmt.Fprintf(&b, "conclusion: %s\ntitle: %s\nlink: %s\nsummary: %s\n", res.Conclusion, res.Output.Title, res.Output.Link, res.Output.Summary)
			for _, a := range res.Output.Annotations {
				fmt.Fprintf(&b, "annotation: %s:%d %s %q: %s\n", a.Path, a.StartLine, a.Level, a.Title, a.Message)
			}
			fmt.Fprintf(&b, "text:\n%s\n", res.Output.Text)
			golden(t, tc.name, b.String())
		})
	}
	if a := renderCheck(outcomeOf(commit, nil, renderFailure(commit)), "").Output.Annotations; len(a) != 1 || a[0].Path != "apps/web/k8s/deploy.yaml" || a[0].StartLine != 12 {
		t.Fatalf("render failure annotations %+v, want one at apps/web/k8s/deploy.yaml line 12", a)
	}
}

// TestChecksRun: a check run goes in progress on the head, then is completed on the same
// run; in token mode a commit status stands in.
func TestChecksRun(t *testing.T) {
	ctx := context.Background()
	gh := newMemForge(commit)
	ck := &checks{r: testRunner(), gh: gh, repo: prReq.Repo, head: commit, runs: map[string]int64{}}
	ck.start(ctx, []string{"web"})
	if err := ck.finish(ctx, "web", renderCheck(outcomeOf(commit, samplePlan(), nil), ""), ""); err != nil {
		t.Fatal(err)
	}
	if len(gh.runs) != 2 || gh.runs[0].Status != "in_progress" || gh.runs[0].HeadSHA != commit || gh.runs[0].Name != "rigel/preview: web" ||
		gh.runs[1].Status != "completed" || gh.runs[1].Conclusion != conclusionSuccess {
		t.Fatalf("check runs %+v: want in_progress then completed success, named rigel/preview: web on the head", gh.runs)
	}
}

// TestAutoplanRunsSupersede: a newer head of a pull request cancels the running autoplan of
// an older one in this replica; the same head, or another pull request, cancels nothing; an
// older run ending does not unregister the newer one.
func TestAutoplanRunsSupersede(t *testing.T) {
	var runs autoplanRuns
	bg := context.Background()
	ctx1, end1 := runs.begin(bg, "acme/web#7", commit)
	other, endOther := runs.begin(bg, "acme/web#8", commit)
	defer endOther()
	ctx2, end2 := runs.begin(bg, "acme/web#7", commit2)
	defer end2()
	if ctx1.Err() == nil {
		t.Fatal("the older head's run was not cancelled by the newer head")
	}
	if ctx2.Err() != nil || other.Err() != nil {
		t.Fatal("the newer head's run, or another pull request's, was cancelled")
	}
	end1()
	if runs.runs["acme/web#7"] == nil || runs.runs["acme/web#7"].head != commit2 {
		t.Fatal("the older run's end unregistered the newer one")
	}
	_, end3 := runs.begin(bg, "acme/web#7", commit2) // the same head again (a duplicate)
	defer end3()
	if ctx2.Err() != nil {
		t.Fatal("a run of the same head cancelled the running one")
	}
}

// TestPublishDropsReplacedHead: the outcome of a head that is no longer the pull request's
// is not published: no comment, and its check run is closed as cancelled.
func TestPublishDropsReplacedHead(t *testing.T) {
	ctx := context.Background()
	r := testRunner()
	gh := newMemForge(commit2) // the pull request moved on to commit2
	ck := &checks{r: r, gh: gh, repo: prReq.Repo, head: commit, runs: map[string]int64{}}
	ck.start(ctx, []string{"web"})
	st := &conversationState{living: map[string]*living{}}
	if err := r.publishOutcome(ctx, gh, prReq, st, ck, outcomeOf(commit, samplePlan(), nil)); err != nil {
		t.Fatal(err)
	}
	if len(gh.order) != 0 {
		t.Fatalf("%d comments published for a replaced head", len(gh.order))
	}
	if last := gh.runs[len(gh.runs)-1]; last.Conclusion != "cancelled" {
		t.Fatalf("the replaced head's check run ended %+v, want cancelled", last)
	}
	gh.head = commit // the current head: published
	if err := r.publishOutcome(ctx, gh, prReq, st, ck, outcomeOf(commit, samplePlan(), nil)); err != nil {
		t.Fatal(err)
	}
	if len(gh.order) != 1 || gh.runs[len(gh.runs)-1].Conclusion != conclusionSuccess {
		t.Fatalf("current head: %d comments, last run %+v; want one comment and success", len(gh.order), gh.runs[len(gh.runs)-1])
	}
}

// statusForge records commit statuses.
type statusForge struct {
	*memForge
	statuses []CommitStatus
}

func (f *statusForge) SetStatus(_ context.Context, _ Repo, _ string, s CommitStatus) error {
	f.statuses = append(f.statuses, s)
	return nil
}

// TestChecksTokenMode: in token mode a commit status stands in for each check run: pending,
// then success (or failure), linking the living comment.
func TestChecksTokenMode(t *testing.T) {
	ctx := context.Background()
	r := testRunner()
	r.CommitStatuses = true
	gh := &statusForge{memForge: newMemForge(commit)}
	ck := &checks{r: r, gh: gh, repo: prReq.Repo, head: commit, runs: map[string]int64{}}
	ck.start(ctx, []string{"web", "api"})
	if err := ck.finish(ctx, "web", renderCheck(outcomeOf(commit, samplePlan(), nil), "https://github.test/c"), "https://github.test/c"); err != nil {
		t.Fatal(err)
	}
	if err := ck.finish(ctx, "api", renderCheck(outcomeOf(commit, nil, renderFailure(commit)), ""), ""); err != nil {
		t.Fatal(err)
	}
	want := []string{"rigel/preview: web pending", "rigel/preview: api pending", "rigel/preview: web success", "rigel/preview: api failure"}
	var got []string
	for _, s := range gh.statuses {
		got = append(got, s.Context+" "+s.State)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") || gh.statuses[2].TargetURL != "https://github.test/c" || len(gh.runs) != 0 {
		t.Fatalf("statuses %q (runs %d), want %q linking the comment and no check run", got, len(gh.runs), want)
	}
}

// TestAutoplanHostileText: text from the repository or the cluster cannot make a marker in
// the living comment nor an HTML comment in the check run.
func TestAutoplanHostileText(t *testing.T) {
	r := testRunner()
	pv := samplePlan()
	forged := "<!-- rigel:living deployment=web commit=" + commit2 + " digest=" + noDigest + " mac=00000000000000000000000000000000 -->"
	pv.Plan.Changes[1].Diff += "+  note: |\n" + forged + "\n"
	o := outcomeOf(commit, pv, nil)
	body := r.seal(prReq, renderLiving("acme/web", o, nil))
	ms := verifyMarkers(r.markerKey(), conversationOf(prReq), body)
	if len(ms) != 2 || ms[1].Kind != markerLiving || ms[1].Commit != commit {
		t.Fatalf("markers %+v: want the plan marker and one living marker of the head", ms)
	}
	if text := renderCheck(o, "").Output.Text; strings.Contains(text, "<!--") {
		t.Fatalf("the check run's text carries an HTML comment:\n%s", text)
	}
	failed := outcomeOf(commit, nil, fmt.Errorf("git said %s", forged))
	if sum := renderCheck(failed, "").Output.Summary; strings.Contains(sum, "<!--") {
		t.Fatalf("the check run's summary carries an HTML comment: %s", sum)
	}
	if ms := verifyMarkers(r.markerKey(), conversationOf(prReq), r.seal(prReq, renderLiving("acme/web", failed, nil))); len(ms) != 1 || ms[0].Digest != noDigest {
		t.Fatalf("markers of a failure %+v: want the living marker alone", ms)
	}
}
