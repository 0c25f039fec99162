package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/rs/zerolog"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// Pull requests' holds on deployments (issue 11, "PR-held locks"), end to end: real apiserver,
// git server and fake GitHub, signed webhook deliveries to the real HTTP server.

// pullClosedEvent is a pull_request `closed` body for c's pull request at head, built by the
// fake's builder from GitHub's example (testenv.PullRequestWebhook), closed at closedAt: the
// time is part of the event's identity, so closing, reopening and closing again is two events.
func pullClosedEvent(t *testing.T, c *conversation, head string, merged bool, closedAt time.Time) []byte {
	t.Helper()
	body := testenv.PullRequestWebhook(testenv.PullOpts{
		Action: "closed", Repo: c.r.full, CloneURL: git.CloneURL(c.r.full), DefaultBranch: c.r.branch,
		Number: c.number, HeadSHA: head, HeadRef: "feature", Merged: merged,
		InstallationID: gh.InstallationID, APIURL: gh.URL(), WebURL: gh.WebURL(),
	})
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	pr := p["pull_request"].(map[string]any)
	pr["closed_at"] = closedAt.UTC().Format(time.RFC3339)
	if merged {
		pr["merged_at"] = pr["closed_at"]
	}
	return mustJSON(t, p)
}

// deliverPull posts a signed pull_request delivery (a fresh delivery id each time, as a
// redelivery from GitHub's settings page has) and wants it accepted.
func deliverPull(t *testing.T, b *bot, body []byte) {
	t.Helper()
	resp, err := testenv.PostWebhook(b.url+app.HookPath, webhookSecret, "pull_request", body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("pull_request delivery answered %d", resp.StatusCode)
	}
}

// holderOf is the PR ("owner/name#N") the cluster says holds deployment, "" when none.
func holderOf(t *testing.T, b *bot, deployment string) string {
	t.Helper()
	l, err := kc.Typed.CoordinationV1().Leases(b.namespace).Get(context.Background(), "rigel-pr-hold-"+deployment, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return *l.Spec.HolderIdentity
}

// waitHolder waits until the cluster says want holds deployment.
func waitHolder(t *testing.T, b *bot, deployment, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for holderOf(t, b, deployment) != want {
		if time.Now().After(deadline) {
			t.Fatalf("the hold on %s is %q after 30s, want %q", deployment, holderOf(t, b, deployment), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPullRequestHolds: PR #1 syncs web and holds it; PR #2's sync and an issue's are refused
// naming #1; #1's `closed` releases it (and says so in #1), then #2's sync holds it; the same
// `closed` redelivered changes nothing; `/rigel unlock` in the holding PR releases too; a hold
// survives a restart of Rigel.
func TestPullRequestHolds(t *testing.T) {
	b := startBot(t)
	ns := unique("hold")
	r := newRepo(t, webFiles(ns, 1, "pw"))
	name := unique("held")
	b.issue(r).reply("/rigel add-deployment apps/web/k8s --name " + name)
	branchHead := func(branch, value string) string {
		sha, err := git.Commit(r.full, branch, map[string]string{"apps/web/k8s/extra.yaml": fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: %s\ndata: {v: %q}\n", ns, value)}, "change "+value)
		if err != nil {
			t.Fatal(err)
		}
		return sha
	}
	head1, head2 := branchHead("feature-1", "one"), branchHead("feature-2", "two")
	pr1, pr2 := b.pull(r, head1), b.pull(r, head2)
	ref1 := fmt.Sprintf("%s#%d", r.full, pr1.number)
	ref2 := fmt.Sprintf("%s#%d", r.full, pr2.number)

	mustContain(t, pr1.reply("/rigel sync "+name), "`/rigel apply "+name+"` applies exactly this", "🔒 This pull request holds `"+name+"`")
	if got := holderOf(t, b, name); got != ref1 {
		t.Fatalf("after #1's sync the hold is %q, want %q", got, ref1)
	}
	refused := pr2.reply("/rigel sync " + name)
	mustContain(t, refused, "❌", "is held by pull request "+ref1, "/rigel unlock "+name, "Nothing was synced")
	mustNotContain(t, refused, "/rigel apply "+name+"`") // nothing armed
	mustContain(t, b.issue(r).reply("/rigel sync "+name), "is held by pull request "+ref1)
	mustContain(t, pr2.reply("/rigel diff "+name), "PR #") // a diff is never held back
	mustContain(t, pr1.reply("/rigel list"), "held by "+ref1)
	if got := holderOf(t, b, name); got != ref1 {
		t.Fatalf("refusals changed the hold: %q", got)
	}

	// #1 is closed: its hold is released and #1 is told; #2 syncs and holds.
	closed := pullClosedEvent(t, pr1, head1, true, time.Now())
	before := len(pr1.botComments())
	deliverPull(t, b, closed)
	waitHolder(t, b, name, "")
	pr1.waitReplies(before + 1)
	mustContain(t, pr1.botComments()[before].Body, "was merged", "gave back `"+name+"`")
	mustContain(t, pr2.reply("/rigel sync "+name), "`/rigel apply "+name+"` applies exactly this")
	if got := holderOf(t, b, name); got != ref2 {
		t.Fatalf("after #2's sync the hold is %q, want %q", got, ref2)
	}

	// #2 gives it back with /rigel unlock; #1 (say it was reopened) holds it again.
	mustContain(t, pr2.reply("/rigel unlock "+name), "Gave back `"+name+"`")
	waitHolder(t, b, name, "")
	mustContain(t, pr1.reply("/rigel sync "+name), "`/rigel apply "+name+"` applies exactly this", "🔒 This pull request holds `"+name+"`")
	waitHolder(t, b, name, ref1)

	// The same `closed` redelivered changes nothing: it is known, and #1's new hold stays.
	dups := dedupeCount(t, b, "duplicate")
	deliverPull(t, b, closed)
	deadline := time.Now().Add(30 * time.Second)
	for dedupeCount(t, b, "duplicate") == dups {
		if time.Now().After(deadline) {
			t.Fatal("the redelivered closed event was not recognised as a duplicate")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := holderOf(t, b, name); got != ref1 {
		t.Fatalf("the redelivered close changed the hold to %q, want %q", got, ref1)
	}
	mustContain(t, pr2.reply("/rigel sync "+name), "is held by pull request "+ref1)

	// The hold survives a restart: a new Rigel on the same namespace refuses #2 the same way.
	b.stop()
	s := botSettings(t, cluster)
	s.Namespace = b.namespace
	b2 := serveBot(t, s, kc, zerolog.New(newTestLog(t)).Level(zerolog.InfoLevel))
	pr2.b = b2
	mustContain(t, pr2.reply("/rigel sync "+name), "is held by pull request "+ref1)
	pr1.b = b2
	mustContain(t, pr1.reply("/rigel unlock"), "Gave back `"+name+"`")
	mustContain(t, pr2.reply("/rigel sync "+name), "`/rigel apply "+name+"` applies exactly this")
	waitHolder(t, b2, name, ref2)
}

// TestAPILocks: over the HTTP API a held deployment's apply answers 409 naming the holding PR
// and applies nothing; GET /api/git/locks and /api/git/sources show the hold; DELETE
// /api/git/locks/{deployment} breaks it (404 when nothing holds it); and a hold whose PR was
// closed while Rigel missed the event is released by the next apply, which goes through.
func TestAPILocks(t *testing.T) {
	b := startAPIBot(t)
	ns := unique("apihold")
	r := newRepo(t, webFiles(ns, 1, "pw"))
	name := unique("apiheld")
	b.api("POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "apps/web/k8s", "name": name}, http.StatusCreated)
	head, err := git.Commit(r.full, "feature", map[string]string{"README.md": "# web, in a PR\n"}, "docs")
	if err != nil {
		t.Fatal(err)
	}
	pr := b.pull(r, head)
	ref := fmt.Sprintf("%s#%d", r.full, pr.number)
	hold := func() {
		t.Helper()
		mustContain(t, pr.reply("/rigel sync "+name), "`/rigel apply "+name+"` applies exactly this")
		waitHolder(t, b, name, ref)
	}
	applied := func() bool {
		_, err := kc.Typed.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{})
		return err == nil
	}
	hold()

	p := b.api("POST", "/api/git/sync", map[string]any{"deployment": name}, http.StatusOK) // a preview is never held back
	got := b.call(apiToken, "POST", "/api/git/sync", p.body["apply"])
	if got.status != http.StatusConflict {
		t.Fatalf("apply of a held deployment answered %d, want 409: %s", got.status, got.raw)
	}
	mustContain(t, got.str("error"), "is held by pull request "+ref, "DELETE /api/git/locks/"+name)
	if applied() {
		t.Fatal("a held deployment was applied over the API")
	}

	locks := b.api("GET", "/api/git/locks", nil, http.StatusOK)
	mustContain(t, locks.raw, `"deployment":"`+name+`"`, `"pull":"`+ref+`"`, `"author":"octocat"`)
	mustContain(t, b.api("GET", "/api/git/sources", nil, http.StatusOK).raw, `"holds":[{"deployment":"`+name+`"`)

	b.api("DELETE", "/api/git/locks/Not_A-Name", nil, http.StatusBadRequest)
	broken := b.api("DELETE", "/api/git/locks/"+name, nil, http.StatusOK)
	mustContain(t, broken.raw, `"released":{"deployment":"`+name+`"`)
	if h := holderOf(t, b, name); h != "" {
		t.Fatalf("after DELETE the hold is %q", h)
	}
	b.api("DELETE", "/api/git/locks/"+name, nil, http.StatusNotFound)
	mustNotContain(t, b.api("GET", "/api/git/sources", nil, http.StatusOK).raw, `"holds"`)

	// Held again, then the PR is closed while Rigel misses the event: the next apply finds it
	// closed, releases the hold (logged) and applies.
	hold()
	gh.SetPullState(r.full, pr.number, "closed", false)
	p = b.api("POST", "/api/git/sync", map[string]any{"deployment": name}, http.StatusOK)
	b.api("POST", "/api/git/sync", p.body["apply"], http.StatusOK)
	if !applied() {
		t.Fatal("the apply after the stale hold was released did not apply")
	}
	if h := holderOf(t, b, name); h != "" {
		t.Fatalf("the hold of the closed PR is still %q", h)
	}
}
