package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// Apply on merge (issue 11), end to end: real apiserver, git server and fake GitHub (the merge
// button, the push event from the git server's refs, check runs), signed deliveries to the
// real HTTP server.

// deliverPush posts a signed push delivery (a fresh delivery id each time) and wants it
// accepted.
func deliverPush(t *testing.T, b *bot, body []byte) {
	t.Helper()
	resp, err := testenv.PostWebhook(b.url+app.HookPath, webhookSecret, "push", body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("push delivery answered %d", resp.StatusCode)
	}
}

// mergeAndPush merges c's pull request with the fake's merge button and delivers the push of
// the merge commit; it returns the merge commit and the push's body.
func mergeAndPush(t *testing.T, b *bot, c *conversation) (string, []byte) {
	t.Helper()
	merge, err := gh.MergePull(c.r.full, c.number)
	if err != nil {
		t.Fatal(err)
	}
	body, err := gh.PushEvent(testenv.PushOpts{Repo: c.r.full, After: merge})
	if err != nil {
		t.Fatal(err)
	}
	deliverPush(t, b, body)
	return merge, body
}

// setApplyOn registers deployment name to apply on merge, as a cluster admin edits the
// ConfigMap.
func setApplyOn(t *testing.T, b *bot, name string) {
	t.Helper()
	_, err := config.NewRegistry(kc.Typed, b.namespace).Update(context.Background(), func(src *config.Sources) error {
		_, d := src.FindDeployment(name)
		if d == nil {
			return fmt.Errorf("no deployment %s", name)
		}
		d.ApplyOn = config.ApplyOnMerge
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// waitApplyCheck waits for the check run `rigel/apply: <name>` on sha and returns it.
func waitApplyCheck(t *testing.T, full, sha, name string) testenv.CheckRunRecord {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if cr, ok := gh.CheckRunNamed(full, sha, "rigel/apply: "+name); ok && cr.Conclusion != "" {
			return cr
		}
		if time.Now().After(deadline) {
			t.Fatalf("no completed rigel/apply: %s check run on %s after 60s", name, sha)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func replicasOf(t *testing.T, ns string) int32 {
	t.Helper()
	d, err := kc.Typed.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("Deployment %s/web: %v", ns, err)
	}
	return *d.Spec.Replicas
}

// TestApplyOnMerge: a PR previews web (sync) and is approved; its merge and push apply exactly
// the approved digest (objects in the cluster, rigel/apply success on the merge commit, the
// applied reply on the PR, the merge commit recorded as the last sync); the same push
// redelivered changes nothing. A second PR approved the same way, merged after another change
// of the folder reached main, gets a fresh preview of the merge commit and nothing applied.
func TestApplyOnMerge(t *testing.T) {
	b := startBot(t)
	ns := unique("merge")
	r := newRepo(t, webFiles(ns, 1, "pw"))
	name := unique("merged")
	b.issue(r).reply("/rigel add-deployment apps/web/k8s --name " + name)
	setApplyOn(t, b, name)

	head1, err := git.Commit(r.full, "feature-1", map[string]string{"apps/web/k8s/deploy/deployment.yaml": webDeployment(ns, 2, "")}, "two replicas")
	if err != nil {
		t.Fatal(err)
	}
	pr1 := b.pull(r, head1)
	mustContain(t, pr1.reply("/rigel sync "+name), "`/rigel apply "+name+"` applies exactly this")
	gh.AddReviewOn(r.full, pr1.number, "bob", "APPROVED", head1)

	before := len(pr1.botComments())
	merge1, push1 := mergeAndPush(t, b, pr1)
	pr1.waitReplies(before + 1)
	got := pr1.botComments()[before].Body
	mustContain(t, got, "Merged as `"+merge1[:7]+"`: Rigel applied `"+name+"` exactly as approved", "Succeeded")
	if n := replicasOf(t, ns); n != 2 {
		t.Fatalf("after the merge web has %d replicas, want 2", n)
	}
	cr := waitApplyCheck(t, r.full, merge1, name)
	if cr.Conclusion != "success" {
		t.Fatalf("rigel/apply on the merge commit: %s (%s)", cr.Conclusion, cr.Title)
	}
	_, dep := b.registry().FindDeployment(name)
	if dep == nil || dep.LastSync == nil || dep.LastSync.Commit != merge1 {
		t.Fatalf("the registry's last sync of %s is %+v, want the merge commit %s", name, dep, merge1)
	}

	// The same push again changes nothing: no apply, no comment, no check run.
	dups := dedupeCount(t, b, "duplicate")
	runs := len(gh.CheckRuns(r.full, merge1))
	deliverPush(t, b, push1)
	deadline := time.Now().Add(30 * time.Second)
	for dedupeCount(t, b, "duplicate") == dups {
		if time.Now().After(deadline) {
			t.Fatal("the redelivered push was not recognised as a duplicate")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(pr1.botComments()); n != before+1 {
		t.Fatalf("the redelivered push said something: %d comments, want %d", n, before+1)
	}
	if n := len(gh.CheckRuns(r.full, merge1)); n != runs {
		t.Fatalf("the redelivered push set check runs: %d, want %d", n, runs)
	}

	// PR #2 previews three replicas and is approved; meanwhile another change of the folder
	// reaches main. The merge renders what nobody previewed: nothing is applied.
	head2, err := git.Commit(r.full, "feature-2", map[string]string{"apps/web/k8s/deploy/deployment.yaml": webDeployment(ns, 3, "")}, "three replicas")
	if err != nil {
		t.Fatal(err)
	}
	pr2 := b.pull(r, head2)
	mustContain(t, pr2.reply("/rigel sync "+name), "`/rigel apply "+name+"` applies exactly this")
	gh.AddReviewOn(r.full, pr2.number, "bob", "APPROVED", head2)
	if _, err := git.Commit(r.full, "main", map[string]string{"apps/web/k8s/extra.yaml": fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: %s\ndata: {v: meanwhile}\n", ns)}, "meanwhile on main"); err != nil {
		t.Fatal(err)
	}
	before = len(pr2.botComments())
	merge2, _ := mergeAndPush(t, b, pr2)
	pr2.waitReplies(before + 1)
	got = pr2.botComments()[before].Body
	mustContain(t, got, "Merged as `"+merge2[:7]+"`: Rigel did not apply `"+name+"`", "Nothing was applied", "The preview of the merge commit", "ConfigMap/"+ns+"/extra", "`/rigel sync "+name+"`")
	mustNotContain(t, got, "Rigel applied")
	if n := replicasOf(t, ns); n != 2 {
		t.Fatalf("a merge nobody previewed was applied: web has %d replicas, want 2", n)
	}
	if _, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(context.Background(), "extra", metav1.GetOptions{}); err == nil {
		t.Fatal("the change that reached main meanwhile was applied")
	}
	cr = waitApplyCheck(t, r.full, merge2, name)
	if cr.Conclusion != "failure" || !strings.Contains(cr.Title, "was not applied") {
		t.Fatalf("rigel/apply on the second merge: %s (%s)", cr.Conclusion, cr.Title)
	}
	if _, dep := b.registry().FindDeployment(name); dep.LastSync.Commit != merge1 {
		t.Fatalf("the registry's last sync moved to %s", dep.LastSync.Commit)
	}

	// PR #3 changes only the README: its merge is none of web's business, and nothing is said.
	head3, err := git.Commit(r.full, "feature-3", map[string]string{"README.md": "# web, documented\n"}, "docs")
	if err != nil {
		t.Fatal(err)
	}
	pr3 := b.pull(r, head3)
	gh.AddReviewOn(r.full, pr3.number, "bob", "APPROVED", head3)
	dups = dedupeCount(t, b, "duplicate")
	merge3, push3 := mergeAndPush(t, b, pr3)
	deliverPush(t, b, push3) // once this one is a duplicate, the first was taken; settle lets it finish
	deadline = time.Now().Add(30 * time.Second)
	for dedupeCount(t, b, "duplicate") == dups {
		if time.Now().After(deadline) {
			t.Fatal("the push of PR #3's merge was not handled")
		}
		time.Sleep(20 * time.Millisecond)
	}
	settle()
	if got := pr3.botComments(); len(got) != 0 {
		t.Fatalf("a merge that does not change %s got comments: %v", name, got)
	}
	if _, ok := gh.CheckRunNamed(r.full, merge3, "rigel/apply: "+name); ok {
		t.Fatal("a merge that does not change the deployment got a rigel/apply check run")
	}
}

// TestApplyBeforeMerge: `/rigel apply` in a pull request sets rigel/apply success on the head
// it applied (what branch protection can require before merge); merging it afterwards applies
// nothing more (the cluster already matches) and says so, with a neutral rigel/apply.
func TestApplyBeforeMerge(t *testing.T) {
	b := startBot(t)
	ns := unique("before")
	r := newRepo(t, webFiles(ns, 1, "pw"))
	name := unique("early")
	b.issue(r).reply("/rigel add-deployment apps/web/k8s --name " + name)
	setApplyOn(t, b, name)
	head, err := git.Commit(r.full, "feature", map[string]string{"apps/web/k8s/deploy/deployment.yaml": webDeployment(ns, 2, "")}, "two replicas")
	if err != nil {
		t.Fatal(err)
	}
	pr := b.pull(r, head)
	if _, ok := gh.CheckRunNamed(r.full, head, "rigel/apply: "+name); ok {
		t.Fatal("rigel/apply is set before anything was applied")
	}
	mustContain(t, pr.reply("/rigel sync "+name), "`/rigel apply "+name+"` applies exactly this")
	gh.AddReviewOn(r.full, pr.number, "bob", "APPROVED", head)
	mustContain(t, pr.reply("/rigel apply "+name), "Rigel applied `"+name+"`")
	if cr := waitApplyCheck(t, r.full, head, name); cr.Conclusion != "success" {
		t.Fatalf("rigel/apply on the PR's head after /rigel apply: %s (%s)", cr.Conclusion, cr.Title)
	}
	if n := replicasOf(t, ns); n != 2 {
		t.Fatalf("web has %d replicas, want 2", n)
	}

	before := len(pr.botComments())
	merge, _ := mergeAndPush(t, b, pr)
	pr.waitReplies(before + 1)
	mustContain(t, pr.botComments()[before].Body, "Merged as `"+merge[:7]+"`: nothing to apply for `"+name+"`")
	if cr := waitApplyCheck(t, r.full, merge, name); cr.Conclusion != "neutral" {
		t.Fatalf("rigel/apply on the merge commit: %s (%s)", cr.Conclusion, cr.Title)
	}
}

// TestApplyOnMergeAutoplanned: the living preview a pull request made of itself arms the apply
// on merge as a typed `/rigel sync` does: approved and merged, it is applied.
func TestApplyOnMergeAutoplanned(t *testing.T) {
	b := startBot(t)
	p := openAutoplanPull(t, b, func(c *conversation, args string) {
		mustContain(t, c.reply("/rigel add-deployment "+args), "Registered deployment")
	})
	setApplyOn(t, b, "web")
	if cr := waitCheck(t, p.r.full, p.head, "rigel/preview: web"); cr.Conclusion != "success" {
		t.Fatalf("the preview check run: %s (%s)", cr.Conclusion, cr.Title)
	}
	gh.AddReviewOn(p.r.full, p.pr.number, "bob", "APPROVED", p.head)
	before := len(p.pr.botComments())
	merge, _ := mergeAndPush(t, b, p.pr)
	p.pr.waitReplies(before + 1)
	mustContain(t, p.pr.botComments()[before].Body, "Merged as `"+merge[:7]+"`: Rigel applied `web` exactly as approved")
	if cm := getConfigMap(t, p.ns, "web"); cm.Data["value"] != "two" {
		t.Fatalf("applied %v, want the merged value two", cm.Data)
	}
	if cr := waitApplyCheck(t, p.r.full, merge, "web"); cr.Conclusion != "success" {
		t.Fatalf("rigel/apply on the merge commit: %s (%s)", cr.Conclusion, cr.Title)
	}
}

// TestApplyOnMergeTokenMode: with a personal access token, the merge is applied the same way
// and its outcome is a commit status `rigel/apply: <deployment>` on the merge commit (no check
// run).
func TestApplyOnMergeTokenMode(t *testing.T) {
	const token, login = "ghp_e2eTokenForMerges0123456789abcd", "rigel-merges"
	gh.AddPAT(token, login)
	git.AllowToken(token)
	b := startBotWith(t, func(s *config.Settings) {
		s.AppID, s.PrivateKey, s.Token, s.TokenLogin = 0, nil, token, login
		s.APIToken = apiToken
	})
	p := openAutoplanPull(t, b, func(c *conversation, args string) {
		b.api("POST", "/api/git/sources", map[string]any{"repo": c.r.full}, http.StatusCreated)
		mustContain(t, c.reply("/rigel add-deployment "+args), "Registered deployment")
	})
	setApplyOn(t, b, "web")
	p.pr.waitReplies(1) // the living preview
	gh.AddReviewOn(p.r.full, p.pr.number, "bob", "APPROVED", p.head)
	before := len(p.pr.botComments())
	merge, _ := mergeAndPush(t, b, p.pr)
	p.pr.waitReplies(before + 1)
	mustContain(t, p.pr.botComments()[before].Body, "Rigel applied `web` exactly as approved")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if st, ok := gh.LatestStatus(p.r.full, merge, "rigel/apply: web"); ok {
			if st.State != "success" {
				t.Fatalf("rigel/apply status on the merge commit: %+v", st)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no rigel/apply status on the merge commit after 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if runs := gh.CheckRuns(p.r.full, merge); len(runs) != 0 {
		t.Fatalf("check runs %+v in token mode", runs)
	}
}
