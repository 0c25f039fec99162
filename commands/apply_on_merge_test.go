package commands

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
)

// TestRenderMergeOutcomeGolden: the comment on a merged pull request and the rigel/apply check
// on its merge commit, for each kind of outcome.
func TestRenderMergeOutcomeGolden(t *testing.T) {
	merge := "fedcba9876543210fedcba9876543210fedcba98"
	pull := &ops.MergedPull{Number: 7, HeadSHA: commit, HeadRepo: "acme/web", MergeSHA: merge}
	dep := config.Deployment{Name: "web", Path: "apps/web/k8s", ApplyOn: config.ApplyOnMerge}
	pv := samplePlan()
	armed := pv.ID()
	when := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	applied := samplePlan()
	applied.Plan.Commit, applied.Target = merge, ops.BranchTarget("main").At(merge)
	res := &sync.Result{Status: "Succeeded", Started: when, Finished: when.Add(time.Second), Objects: []sync.ObjectResult{
		{Ref: sync.Ref{Version: "v1", Kind: "Namespace", Name: "shop"}, Action: sync.ActionCreate, Health: "Current"},
	}}
	fresh := samplePlan()
	fresh.Plan.Commit, fresh.Target = merge, ops.BranchTarget("main").At(merge)
	tests := []struct {
		name       string
		o          ops.MergeOutcome
		conclusion string
		wants      []string
	}{
		{"merge_applied", ops.MergeOutcome{Deployment: dep, Armed: armed, Applied: appliedOf(applied, res, nil)}, githubclient.ConclusionSuccess,
			[]string{"exactly as approved", "Rigel applied `web` at `fedcba9`"}},
		{"merge_stale", ops.MergeOutcome{Deployment: dep, Armed: armed, Fresh: fresh,
			Refused: &ops.Stale{Deployment: "web", Commit: commit, Now: fresh.Target, Why: ops.StaleDigest, Digest: armed.Digest, NowDigest: "x"}}, githubclient.ConclusionFailure,
			[]string{"did not apply `web`", "changed since the preview", "The preview of the merge commit", "replicas: 3", "in an issue of this repository, `/rigel sync web`"}},
		{"merge_unapproved", ops.MergeOutcome{Deployment: dep, Armed: armed, Fresh: fresh,
			Refused: &ops.NotReady{Pull: 7, Missing: []ops.Requirement{{Kind: ops.Unapproved, Head: commit}}}}, githubclient.ConclusionFailure,
			[]string{"did not apply `web`", "#7"}},
		{"merge_unarmed", ops.MergeOutcome{Deployment: dep, Fresh: fresh, Refused: &ops.NotArmedAtMerge{Deployment: "web", Pull: 7, Head: commit}}, githubclient.ConclusionFailure,
			[]string{"armed no preview of `web`"}},
		{"merge_failed", ops.MergeOutcome{Deployment: dep, Armed: armed, Refused: errors.New("failed to fetch acme/web: connection refused")}, githubclient.ConclusionFailure,
			[]string{"could not apply it", "connection refused"}},
		{"merge_render_failed", ops.MergeOutcome{Deployment: dep, Armed: armed,
			Refused: &ops.RenderFailed{Folder: "apps/web/k8s", At: ops.BranchTarget("main").At(merge), Commit: merge, Err: &sync.ParseError{File: "apps/web/k8s/deploy.yaml", Line: 4, Msg: "mapping values are not allowed in this context"}}}, githubclient.ConclusionFailure,
			[]string{"did not apply `web`", "apps/web/k8s/deploy.yaml"}},
		{"merge_up_to_date", ops.MergeOutcome{Deployment: dep, Armed: armed, UpToDate: true}, githubclient.ConclusionNeutral,
			[]string{"nothing to apply"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body, ck := renderMergeOutcome("acme/web", pull, merge, tc.o)
			if ck.Conclusion != tc.conclusion {
				t.Errorf("conclusion %q, want %q", ck.Conclusion, tc.conclusion)
			}
			if tc.name == "merge_render_failed" && (len(ck.Annotations) != 1 || ck.Annotations[0].Path != "apps/web/k8s/deploy.yaml" || ck.Annotations[0].StartLine != 4) {
				t.Errorf("annotations %+v, want the file and line that do not parse", ck.Annotations)
			}
			if ck.Title == "" || ck.Summary == "" {
				t.Errorf("check without title or summary: %+v", ck)
			}
			first, _, _ := strings.Cut(body, "\n")
			if !strings.Contains(first, "`fedcba9`") || !strings.Contains(first, "`web`") {
				t.Errorf("the first line does not say which merge and deployment: %q", first)
			}
			for _, w := range tc.wants {
				if !strings.Contains(body, w) {
					t.Errorf("the comment lacks %q", w)
				}
			}
			if tc.o.Applied == nil && strings.Contains(body, "/rigel apply web` applies exactly this: commit") {
				t.Error("a merged pull request's fresh preview tells to apply it in the pull request")
			}
			parts := splitComment(body)
			if len(parts) != 1 {
				t.Fatalf("split into %d", len(parts))
			}
			golden(t, tc.name, parts[0])
		})
	}
}

// TestSetApplyCheck: app mode creates a completed check run `rigel/apply: <deployment>`; token
// mode sets a commit status of that name instead (neutral is no failure).
func TestSetApplyCheck(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		statuses   bool
		conclusion string
		wantState  string
	}{
		{"app mode", false, githubclient.ConclusionSuccess, ""},
		{"token mode, success", true, githubclient.ConclusionSuccess, githubclient.StatusSuccess},
		{"token mode, failure", true, githubclient.ConclusionFailure, githubclient.StatusFailure},
		{"token mode, neutral", true, githubclient.ConclusionNeutral, githubclient.StatusSuccess},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &checkRecorder{}
			r := &Runner{Ops: &ops.Service{}, CommitStatuses: tc.statuses}
			r.setApplyCheck(ctx, rec, Repo{Owner: "acme", Name: "web"}, commit, "web", applyCheck{Conclusion: tc.conclusion, Title: "t", Summary: "s"})
			if !tc.statuses {
				if len(rec.runs) != 1 || len(rec.statuses) != 0 {
					t.Fatalf("runs %+v, statuses %+v", rec.runs, rec.statuses)
				}
				run := rec.runs[0]
				if run.Name != "rigel/apply: web" || run.HeadSHA != commit || run.Status != githubclient.CheckCompleted || run.Conclusion != tc.conclusion || run.Output == nil || run.Output.Title != "t" {
					t.Fatalf("check run %+v", run)
				}
				return
			}
			if len(rec.runs) != 0 || len(rec.statuses) != 1 {
				t.Fatalf("runs %+v, statuses %+v", rec.runs, rec.statuses)
			}
			if s := rec.statuses[0]; s.Context != "rigel/apply: web" || s.State != tc.wantState || s.Description != "t" {
				t.Fatalf("status %+v", s)
			}
		})
	}
}
