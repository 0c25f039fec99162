package commands

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
)

// TestRollbackMarkers: a rollback preview arms the apply with a signed rollback marker, which
// lastArmed reads as a plan pinned to its commit (Rollback); a plan marker edited into a
// rollback one does not verify, and a newer sync's plan replaces an armed rollback.
func TestRollbackMarkers(t *testing.T) {
	pv := rollbackSample()
	body := seal(testKey, testConv, renderPlan("acme/web", pv, true))
	ms := verifyMarkers(testKey, testConv, body)
	if len(ms) != 1 || ms[0].Kind != markerRollback || ms[0].Commit != pv.Plan.Commit || ms[0].Digest != pv.Plan.Digest {
		t.Fatalf("the rollback preview carries %+v, want one rollback marker at %s", ms, pv.Plan.Commit)
	}
	if planMarker.MatchString(body) {
		t.Fatal("the rollback preview also carries a plan marker")
	}
	r := &Runner{Ops: &ops.Service{}, BotLogin: "rigel[bot]", MarkerKey: testKey}
	req := Request{Repo: Repo{Owner: "acme", Name: "web"}, Number: 7}
	bot := func(body string) IssueComment { return IssueComment{Author: "rigel[bot]", Body: body} }
	sign := func(m marker) string { return "reply\n" + signMarker(testKey, testConv, m) }
	rb := marker{Kind: markerRollback, Deployment: "web", Commit: testCommit, Digest: testDigest}
	rbID := ops.PlanID{Deployment: "web", Commit: testCommit, Digest: testDigest, Rollback: true}
	plan := marker{Kind: markerPlan, Deployment: "web", Commit: strings.Repeat("a", 40), Digest: strings.Repeat("b", 64)}
	tests := []struct {
		name     string
		comments []IssueComment
		want     *armed
	}{
		{"Rigel's rollback preview", []IssueComment{bot(body)}, &armed{Plan: ops.PlanID{Deployment: "web", Commit: pv.Plan.Commit, Digest: pv.Plan.Digest, Rollback: true}}},
		{"a rollback marker", []IssueComment{bot(sign(rb))}, &armed{Plan: rbID}},
		{"a plan marker edited into a rollback", []IssueComment{bot(strings.Replace(sign(testPlan), "rigel:plan", "rigel:rollback", 1))}, nil},
		{"a rollback edited into a plan", []IssueComment{bot(strings.Replace(sign(rb), "rigel:rollback", "rigel:plan", 1))}, nil},
		{"a newer sync replaces the rollback", []IssueComment{bot(sign(rb)), bot(sign(plan))}, &armed{Plan: ops.PlanID{Deployment: "web", Commit: plan.Commit, Digest: plan.Digest}}},
		{"applied", []IssueComment{bot(sign(rb)), bot(sign(marker{Kind: markerApplied, Deployment: "web", Digest: testDigest}))}, &armed{Plan: rbID, Applied: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &call{r: r, gh: &conversationGitHub{listed: tc.comments}, req: req}
			got, err := c.lastArmed(context.Background(), "web")
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
				t.Fatalf("lastArmed = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// rollbackSample is the sample plan as the preview of a rollback of web from b to commit.
func rollbackSample() *ops.Preview {
	when := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	pv := samplePlan()
	pv.Target = ops.BranchTarget("main").At(commit)
	pv.Rollback = &ops.RollbackOf{
		From: &config.LastSync{Commit: strings.Repeat("b", 40), Time: when.Add(time.Hour), Status: sync.StatusSucceeded, Message: "1 changed"},
		To:   config.LastSync{Commit: commit, Time: when, Status: sync.StatusSucceeded},
	}
	return pv
}

// TestRollbackGolden: the replies of rollbacks: the preview, the apply, the history, and the
// refusals.
func TestRollbackGolden(t *testing.T) {
	when := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	b, c := strings.Repeat("b", 40), strings.Repeat("c", 40)
	pv := rollbackSample()
	res := &sync.Result{Status: sync.StatusSucceeded, Started: when, Finished: when.Add(900 * time.Millisecond), Objects: []sync.ObjectResult{
		{Ref: sync.Ref{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "shop", Name: "web"}, Action: sync.ActionUpdate, Health: "Current"},
	}}
	done := appliedOf(pv, res, nil)
	done.LastSync = config.LastSync{Commit: commit, Status: sync.StatusSucceeded, Kind: config.SyncKindRollback}
	dep := config.Deployment{Name: "web", Path: "apps/web/k8s",
		LastSync: &config.LastSync{Commit: b, Time: when.Add(2 * time.Hour), Status: sync.StatusSucceeded, Message: "1 changed", Kind: config.SyncKindRollback},
		History: []config.LastSync{
			{Commit: c, Time: when.Add(time.Hour), Status: sync.StatusFailed, Kind: config.SyncKindMerge},
			{Commit: commit, Time: when, Status: sync.StatusSucceeded},
			{Commit: b, Time: when.Add(-time.Hour), Status: sync.StatusSucceeded, Kind: "<b>odd</b>|x"},
		}}
	refused := func(err error) string {
		msg, ok := refusal(err)
		if !ok {
			t.Fatalf("%T is not a refusal", err)
		}
		return msg
	}
	choices := ops.RollbackChoices(dep)
	stale := rollbackRefusal(ops.PlanID{Deployment: "web", Commit: commit, Digest: testDigest, Rollback: true},
		&ops.Stale{Deployment: "web", Commit: commit, Why: ops.StaleDigest})
	refusedPv := rollbackSample()
	refusedPv.Plan.Changes = append(refusedPv.Plan.Changes, sync.Change{Ref: sync.Ref{Version: "v1", Kind: "Service", Namespace: "shop", Name: "web"}, Action: sync.ActionError,
		Err: `Service "web" is invalid: spec.ports[0].port: Invalid value: 0`})
	tests := []struct{ name, got string }{
		{"rollback_preview", renderPlan("acme/web", pv, true)},
		{"rollback_preview_refused", renderPlan("acme/web", refusedPv, true)},
		{"rollback_applied", renderApplied("acme/web", done)},
		{"history", renderHistory(dep)},
		{"history_never", renderHistory(config.Deployment{Name: "web"})},
		{"history_once", renderHistory(config.Deployment{Name: "web", LastSync: &config.LastSync{Commit: b, Time: when, Status: sync.StatusSucceeded}})},
		{"rollback_in_pull", errorReply("/rigel rollback web", refused(&ops.RollbackInPull{Deployment: "web", Repo: "acme/web", Pull: 7}), "")},
		{"rollback_none", errorReply("/rigel rollback web", refused(&ops.NoRollback{Deployment: "web", Last: dep.LastSync, History: dep.History[:1], Keep: 5}), "")},
		{"rollback_never", errorReply("/rigel rollback web", refused(&ops.NoRollback{Deployment: "web", Keep: 5}), "")},
		{"rollback_not_a_commit", errorReply("/rigel rollback web HEAD~1", refused(&ops.NotInHistory{Deployment: "web", Asked: "<!-- `HEAD~1` -->", NotACommit: true, Choices: choices}), "")},
		{"rollback_not_in_history", errorReply("/rigel rollback web 1234567", refused(&ops.NotInHistory{Deployment: "web", Asked: "1234567", Choices: choices}), "")},
		{"rollback_ambiguous", errorReply("/rigel rollback web ccccccc", refused(&ops.NotInHistory{Deployment: "web", Asked: "ccccccc", Ambiguous: true, Choices: choices}), "")},
		{"rollback_stale", errorReply("/rigel apply web", refused(stale), "")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			goldenReply(t, tc.name, tc.got)
		})
	}
	if !errors.As(rollbackRefusal(ops.PlanID{}, &ops.Stale{}), new(*ops.Stale)) {
		t.Error("the stale refusal of a plain apply was reworded as a rollback's")
	}
}
