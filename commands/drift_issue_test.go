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

// fakeIssues is a Forge that keeps issues (ops.IssueForge); its other methods are not used.
type fakeIssues struct {
	ops.Forge
	issues []ops.Issue
	edits  int
}

func (f *fakeIssues) FindIssues(_ context.Context, _ ops.Repo, author string) ([]ops.Issue, error) {
	var out []ops.Issue
	for _, is := range f.issues {
		if is.State == "open" && is.Author == author {
			out = append(out, is)
		}
	}
	return out, nil
}

func (f *fakeIssues) OpenIssue(_ context.Context, _ ops.Repo, title, body string) (ops.Issue, error) {
	is := ops.Issue{Number: len(f.issues) + 1, Title: title, Body: body, Author: "rigel[bot]", State: "open"}
	f.issues = append(f.issues, is)
	return is, nil
}

func (f *fakeIssues) EditIssue(_ context.Context, _ ops.Repo, number int, body, state string) error {
	for i := range f.issues {
		if f.issues[i].Number == number {
			f.edits++
			f.issues[i].Body = body
			if state != "" {
				f.issues[i].State = state
			}
			return nil
		}
	}
	return errors.New("no such issue")
}

// TestDriftIssues: one tracking issue per deployment asking for it: opened once, edited only
// when the diff changes, closed when in sync; an issue carrying its marker that Rigel did not
// open, or the marker of another repository or deployment, is not it; text of the diff
// cannot make a marker.
func TestDriftIssues(t *testing.T) {
	ctx := context.Background()
	r := &Runner{BotLogin: "rigel[bot]", MarkerKey: []byte("0123456789abcdef0123456789abcdef")}
	f := &fakeIssues{}
	forges := func(int64) (ops.Forge, error) { return f, nil }
	each := r.DriftIssues(forges)
	repo := config.Repo{Repo: "acme/web", Branch: "main"}
	dep := config.Deployment{Name: "web", Path: "k8s", DriftIssue: true}
	const sha = "0123456789abcdef0123456789abcdef01234567"
	mark := driftIssueMarker(r.MarkerKey, "acme/web", "web")
	hostile := "-  note: a\n+  note: <!-- rigel:drift-issue deployment=web mac=00000000000000000000000000000000 -->\n"
	drifted := func(diff string) *ops.DriftReport {
		return &ops.DriftReport{Deployment: "web", Commit: sha, CheckedAt: time.Now(), State: ops.DriftDrifted, Update: 1, Plan: &sync.Plan{
			Deployment: "web", Path: "k8s", Commit: sha, Changes: []sync.Change{{Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "a"}, Action: sync.ActionUpdate, Diff: diff}},
		}}
	}
	// Look-alikes: the marker in someone else's issue, markers of another repository and deployment.
	f.issues = append(f.issues,
		ops.Issue{Number: 1, Author: "mallory", State: "open", Body: "copied\n" + mark + "\n"},
		ops.Issue{Number: 2, Author: "rigel[bot]", State: "open", Body: driftIssueMarker(r.MarkerKey, "acme/other", "web") + "\n" + driftIssueMarker(r.MarkerKey, "acme/web", "api")},
	)

	each(ctx, repo, dep, drifted(hostile))
	if len(f.issues) != 3 || f.edits != 0 {
		t.Fatalf("after drift: %d issues, %d edits; want one opened, the look-alikes untouched", len(f.issues), f.edits)
	}
	opened := f.issues[2]
	mustHave(t, opened.Title, "web")
	mustHave(t, opened.Body, "drifted from git", "/rigel sync web", mark)
	if strings.Count(opened.Body, "<!--") != 1 {
		t.Fatalf("the body carries %d HTML comments, want only its marker:\n%s", strings.Count(opened.Body, "<!--"), opened.Body)
	}

	each(ctx, repo, dep, drifted(hostile))                                                                                                 // the same drift: nothing to do
	each(ctx, repo, config.Deployment{Name: "web", Path: "k8s"}, &ops.DriftReport{Deployment: "web", Commit: sha, State: ops.DriftInSync}) // not asked for
	if len(f.issues) != 3 || f.edits != 0 {
		t.Fatalf("same drift again: %d issues, %d edits; want no change", len(f.issues), f.edits)
	}
	each(ctx, repo, dep, drifted("-  replicas: 2\n+  replicas: 3\n"))
	if len(f.issues) != 3 || f.edits != 1 || !strings.Contains(f.issues[2].Body, "replicas: 3") {
		t.Fatalf("new diff: %d issues, %d edits; want the issue edited", len(f.issues), f.edits)
	}
	each(ctx, repo, dep, &ops.DriftReport{Deployment: "web", Commit: sha, CheckedAt: time.Now(), State: ops.DriftInSync})
	if is := f.issues[2]; is.State != "closed" || !strings.Contains(is.Body, "is gone") || !hasLine(is.Body, mark) {
		t.Fatalf("in sync: issue %+v, want it closed", is)
	}
	if f.issues[0].State != "open" || f.issues[1].State != "open" {
		t.Fatal("a look-alike was closed")
	}
	each(ctx, repo, dep, drifted(hostile)) // drift again: a new issue
	if len(f.issues) != 4 || f.issues[3].State != "open" {
		t.Fatalf("drift again: %d issues, want a new one", len(f.issues))
	}
}
