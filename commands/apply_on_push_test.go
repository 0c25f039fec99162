package commands

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sfake "k8s.io/client-go/kubernetes/fake"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/gitsrc"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/replica"
	"github.com/rigel-gitops/rigel/sync"
)

// TestRenderPushOutcomeGolden: the report of a push-triggered sync and the rigel/apply check
// on the pushed commit, for each kind of outcome.
func TestRenderPushOutcomeGolden(t *testing.T) {
	pushed := "fedcba9876543210fedcba9876543210fedcba98"
	dep := config.Deployment{Name: "web", Path: "apps/web/k8s", ApplyOn: config.ApplyOnPush}
	when := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	applied := samplePlan()
	applied.Plan.Commit, applied.Target = pushed, ops.BranchTarget("main").At(pushed)
	res := &sync.Result{Status: "Succeeded", Started: when, Finished: when.Add(time.Second), Objects: []sync.ObjectResult{
		{Ref: sync.Ref{Version: "v1", Kind: "Namespace", Name: "shop"}, Action: sync.ActionCreate, Health: "Current"},
	}}
	fresh := samplePlan()
	fresh.Plan.Commit, fresh.Target = pushed, ops.BranchTarget("main").At(pushed)
	refused := samplePlan()
	refused.Plan.Commit, refused.Target = pushed, ops.BranchTarget("main").At(pushed)
	refused.Plan.Changes[0].Violations = []sync.Violation{{Rule: "clusterScoped", Msg: "Namespace shop is cluster-scoped, which the policy does not allow"}}
	tests := []struct {
		name       string
		o          ops.PushOutcome
		conclusion string
		wants      []string
	}{
		{"push_applied", ops.PushOutcome{Deployment: dep, Commit: pushed, Changed: "apps/web/k8s/deploy.yaml", Applied: appliedOf(applied, res, nil)}, githubclient.ConclusionSuccess,
			[]string{"Rigel applied `web`", "the push changes `apps/web/k8s/deploy.yaml`", "Rigel applied `web` at `fedcba9`"}},
		{"push_forced_applied", ops.PushOutcome{Deployment: dep, Commit: pushed, Because: "a force push", Applied: appliedOf(applied, res, nil)}, githubclient.ConclusionSuccess,
			[]string{"a force push, so each of its inputs counts as changed"}},
		{"push_policy", ops.PushOutcome{Deployment: dep, Commit: pushed, Changed: "apps/web/k8s/ns.yaml", Fresh: refused,
			Refused: &ops.Policy{Plan: refused.Plan, Namespace: "rigel"}}, githubclient.ConclusionFailure,
			[]string{"did not apply `web`", "refuses 1 object", "cluster-scoped", "The preview of the pushed commit", "push again"}},
		{"push_held", ops.PushOutcome{Deployment: dep, Commit: pushed, Changed: "apps/web/k8s/ns.yaml",
			Refused: &replica.Held{Deployment: "web", Command: "apply", Repo: "acme/web", Number: "3", Replica: "rigel-0", Since: when}}, githubclient.ConclusionFailure,
			[]string{"did not apply `web`", "tries this commit again"}},
		{"push_failed", ops.PushOutcome{Deployment: dep, Commit: pushed, Changed: "apps/web/k8s/ns.yaml", Refused: errors.New("failed to fetch acme/web: connection refused")}, githubclient.ConclusionFailure,
			[]string{"could not apply it", "connection refused"}},
		{"push_render_failed", ops.PushOutcome{Deployment: dep, Commit: pushed, Because: "its folder no longer renders",
			Refused: &ops.RenderFailed{Folder: "apps/web/k8s", At: ops.BranchTarget("main").At(pushed), Commit: pushed, Err: &sync.ParseError{File: "apps/web/k8s/deploy.yaml", Line: 4, Msg: "mapping values are not allowed in this context"}}}, githubclient.ConclusionFailure,
			[]string{"did not apply `web`", "apps/web/k8s/deploy.yaml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body, ck := renderPushOutcome("acme/web", "main", tc.o)
			if ck.Conclusion != tc.conclusion || ck.Title == "" || ck.Summary == "" {
				t.Errorf("check %+v, want conclusion %q with a title and summary", ck, tc.conclusion)
			}
			first, _, _ := strings.Cut(body, "\n")
			if !strings.Contains(first, "`fedcba9`") || !strings.Contains(first, "`web`") || !strings.Contains(first, "`main`") {
				t.Errorf("the first line does not say which commit, branch and deployment: %q", first)
			}
			for _, w := range tc.wants {
				if !strings.Contains(body, w) {
					t.Errorf("the report lacks %q", w)
				}
			}
			if tc.o.Applied == nil && !strings.Contains(body, "**Next:**") {
				t.Error("a refusal does not say what to do next")
			}
			parts := splitComment(body)
			if len(parts) != 1 {
				t.Fatalf("split into %d", len(parts))
			}
			golden(t, tc.name, parts[0])
		})
	}
}

// commitRecorder records the comments on commits besides those on issues.
type commitRecorder struct {
	recorder
	onCommits map[string][]string
}

func (r *commitRecorder) CommitComment(_ context.Context, _ Repo, sha, body string) (int64, error) {
	if r.onCommits == nil {
		r.onCommits = map[string][]string{}
	}
	r.onCommits[sha] = append(r.onCommits[sha], body)
	return int64(len(r.onCommits[sha])), nil
}

// TestReportPush: a push's outcome goes to the commit by default, or to the issue the
// deployment's report names.
func TestReportPush(t *testing.T) {
	ctx := context.Background()
	repo := Repo{Owner: "acme", Name: "web"}
	for _, tc := range []struct {
		report        string
		commit, issue int
	}{{"", 1, 0}, {config.ReportCommit, 1, 0}, {"issue#4", 0, 1}} {
		t.Run(tc.report, func(t *testing.T) {
			rec := &commitRecorder{}
			r := &Runner{Ops: &ops.Service{}}
			o := ops.PushOutcome{Deployment: config.Deployment{Name: "web", Report: tc.report}, Commit: commit}
			if err := r.reportPush(ctx, rec, repo, o, "**report** <!-- x -->"); err != nil {
				t.Fatal(err)
			}
			if len(rec.onCommits[commit]) != tc.commit || len(rec.comments) != tc.issue {
				t.Fatalf("%d comments on the commit, %d on issues; want %d, %d", len(rec.onCommits[commit]), len(rec.comments), tc.commit, tc.issue)
			}
			for _, c := range append(rec.onCommits[commit], rec.comments...) {
				if strings.Contains(c, "<!-- x") {
					t.Errorf("the report was posted unsealed: %q", c)
				}
			}
		})
	}
	// A GitHub client that cannot comment on commits is a failure, not a silent drop.
	r := &Runner{Ops: &ops.Service{}}
	if err := r.reportPush(ctx, &recorder{}, repo, ops.PushOutcome{Deployment: config.Deployment{Name: "web"}, Commit: commit}, "x"); err == nil {
		t.Fatal("no error without a way to comment on commits")
	}
}

// TestPollPushRemembers: the poller leaves alone the deployments this replica already judged
// at the tip (a push handled, or an earlier poll), without judging them again.
func TestPollPushRemembers(t *testing.T) {
	src := &tipSource{tip: commit}
	r := &Runner{Ops: pushService(t, src)} // a service without a planner: judging would fail
	r.pushed.note("web", commit)
	r.pushed.note("api", commit)
	if err := r.PollPush(context.Background(), &commitRecorder{}, Repo{Owner: "acme", Name: "web", CloneURL: "https://github.test/acme/web.git"}, "main", []string{"web", "api"}, PollOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(src.fetched) != 1 || src.fetched[0].Ref != "refs/heads/main" || src.fetched[0].Commit != "" {
		t.Fatalf("fetched %+v, want the tip of main once", src.fetched)
	}
	if !r.pushed.tried("web", commit) || r.pushed.tried("web", strings.Repeat("e", 40)) {
		t.Fatal("the memory does not tell commits apart")
	}
}

// checksRecorder is a GitHub whose commits carry check runs and statuses.
type checksRecorder struct {
	commitRecorder
	runs     []githubclient.CheckRunState
	statuses []CommitStatus
	asked    int
}

func (c *checksRecorder) CheckRuns(_ context.Context, _ Repo, sha, name string, appID int64) ([]githubclient.CheckRunState, error) {
	c.asked++
	var out []githubclient.CheckRunState
	for _, r := range c.runs {
		if r.HeadSHA == sha && (name == "" || r.Name == name) && (appID == 0 || r.AppID == appID) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (c *checksRecorder) Statuses(context.Context, Repo, string) ([]CommitStatus, error) {
	c.asked++
	return c.statuses, nil
}

// TestPollPushSeesApplyChecks: a tip whose apply check Rigel's app set (the push was delivered
// to another replica) is not judged again; one of another app, or another deployment's, does
// not count. In token mode a commit status of that name counts.
func TestPollPushSeesApplyChecks(t *testing.T) {
	ctx := context.Background()
	repo := Repo{Owner: "acme", Name: "web"}
	for _, tc := range []struct {
		name     string
		statuses bool
		runs     []githubclient.CheckRunState
		sts      []CommitStatus
		want     bool
	}{
		{name: "Rigel's check run", runs: []githubclient.CheckRunState{{Name: "rigel/apply: web", HeadSHA: commit, AppID: 7}}, want: true},
		{name: "another app's check run of that name", runs: []githubclient.CheckRunState{{Name: "rigel/apply: web", HeadSHA: commit, AppID: 99}}},
		{name: "another deployment's", runs: []githubclient.CheckRunState{{Name: "rigel/apply: api", HeadSHA: commit, AppID: 7}}},
		{name: "another commit's", runs: []githubclient.CheckRunState{{Name: "rigel/apply: web", HeadSHA: strings.Repeat("e", 40), AppID: 7}}},
		{name: "none"},
		{name: "token mode: a status", statuses: true, sts: []CommitStatus{{Context: "rigel/apply: web", State: "failure"}}, want: true},
		{name: "token mode: another status", statuses: true, sts: []CommitStatus{{Context: "ci", State: "success"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gh := &checksRecorder{runs: tc.runs, statuses: tc.sts}
			r := &Runner{Ops: &ops.Service{}, CommitStatuses: tc.statuses}
			if got := r.applyChecked(ctx, gh, repo, commit, "web", 7); got != tc.want || gh.asked != 1 {
				t.Fatalf("applyChecked = %v after %d questions, want %v after 1", got, gh.asked, tc.want)
			}
		})
	}
	// Through PollPush: Rigel's check on the tip leaves web alone (a judging service would
	// panic: it has no registry) and remembers it.
	gh := &checksRecorder{runs: []githubclient.CheckRunState{{Name: "rigel/apply: web", HeadSHA: commit, AppID: 7}}}
	src := &tipSource{tip: commit}
	r := &Runner{Ops: pushService(t, src)}
	if err := r.PollPush(ctx, gh, repo, "main", []string{"web"}, PollOptions{AppID: 7}); err != nil {
		t.Fatal(err)
	}
	if !r.pushed.tried("web", commit) || len(src.fetched) != 1 {
		t.Fatalf("a tip judged elsewhere is not remembered (or was fetched %d times, want once)", len(src.fetched))
	}
}

// pushService is a service whose registry holds acme/web (branch main) with web and api
// applied on push, whose git source is src, and which has no planner.
func pushService(t *testing.T, src ops.Source) *ops.Service {
	t.Helper()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: config.SourcesConfigMap, Namespace: "rigel"},
		Data: map[string]string{"version": "2", "repos.yaml": "- {repo: acme/web, branch: main, deployments: [{name: web, path: apps/web, applyOn: push}, {name: api, path: apps/api, applyOn: push}]}\n"}}
	return &ops.Service{Registry: config.NewRegistry(k8sfake.NewSimpleClientset(cm), "rigel"), Source: src}
}

// tipSource is a git source whose branches all point at tip.
type tipSource struct {
	tip     string
	fetched []gitsrc.FetchRequest
}

func (s *tipSource) Fetch(_ context.Context, req gitsrc.FetchRequest) (*gitsrc.Snapshot, error) {
	s.fetched = append(s.fetched, req)
	return &gitsrc.Snapshot{Commit: s.tip, FS: fstest.MapFS{}}, nil
}

func (s *tipSource) Push(context.Context, gitsrc.PushRequest) (gitsrc.PushResult, error) {
	return gitsrc.PushResult{}, errors.New("no pushes")
}

func (s *tipSource) Host() gitsrc.Host { return gitsrc.Host{} }

func TestRetryable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("connection refused"), true},
		{&replica.Held{Deployment: "web"}, true},
		{&ops.Policy{Plan: &sync.Plan{}}, false},
	} {
		if got := retryable(tc.err); got != tc.want {
			t.Errorf("retryable(%T) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// The poller reads apply checks through the installation's GitHub.
var (
	_ checkRunReader = (*githubclient.Installation)(nil)
	_ statusReader   = (*githubclient.Installation)(nil)
)
