package e2e

import (
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

// autoplanFiles is a repository where api (apps/api, a kustomization) uses the kustomize base
// bases/shared outside its folder, and web (apps/web) is a plain folder.
func autoplanFiles(ns string) map[string]string {
	cm := func(name, value string) string {
		return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: %s\ndata:\n  value: %q\n", name, ns, value)
	}
	return map[string]string{
		"README.md":                       "# shop\n",
		"bases/shared/kustomization.yaml": "resources:\n- shared.yaml\n",
		"bases/shared/shared.yaml":        cm("shared", "one"),
		"apps/api/kustomization.yaml":     "resources:\n- ../../bases/shared\n- api.yaml\n",
		"apps/api/api.yaml":               cm("api", "one"),
		"apps/web/web.yaml":               cm("web", "one"),
	}
}

// pullEvent records a pull_request event on the fake GitHub and delivers it; it returns the
// body, for a redelivery.
func (b *bot) pullEvent(opts testenv.PullOpts) []byte {
	b.t.Helper()
	payload, err := gh.PullRequestEvent(opts)
	if err != nil {
		b.t.Fatal(err)
	}
	b.deliver("pull_request", "", payload)
	return payload
}

// deliver posts a signed webhook (under deliveryID, a new one when "") and wants it accepted.
func (b *bot) deliver(event, deliveryID string, payload []byte) {
	b.t.Helper()
	var err error
	var code int
	if deliveryID == "" {
		resp, perr := testenv.PostWebhook(b.url+app.HookPath, webhookSecret, event, payload)
		err = perr
		if resp != nil {
			code = resp.StatusCode
			resp.Body.Close()
		}
	} else {
		resp, perr := testenv.PostWebhookDelivery(b.url+app.HookPath, webhookSecret, event, deliveryID, payload)
		err = perr
		if resp != nil {
			code = resp.StatusCode
			resp.Body.Close()
		}
	}
	if err != nil || code >= 300 {
		b.t.Fatalf("%s webhook: %d, %v", event, code, err)
	}
}

// waitCheck waits for check run name on sha to complete and returns it.
func waitCheck(t *testing.T, repo, sha, name string) testenv.CheckRunRecord {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if cr, ok := gh.CheckRunNamed(repo, sha, name); ok && cr.Status == "completed" {
			return cr
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no completed check run %q on %s after 60s; runs: %+v", name, sha, gh.CheckRuns(repo, sha))
	return testenv.CheckRunRecord{}
}

// livingComments are the bot's comments of a pull request that preview dep by themselves.
func (c *conversation) livingComments(dep string) []testenv.Comment {
	var out []testenv.Comment
	for _, cm := range c.botComments() {
		if strings.Contains(cm.Body, "**Rigel preview of `"+dep+"`") && strings.Contains(cm.Body, "<!-- rigel:living deployment="+dep+" ") {
			out = append(out, cm)
		}
	}
	return out
}

// settle waits long enough for deliveries that change nothing to have run.
func settle() { time.Sleep(2 * time.Second) }

// TestAutoplan: a pull request previews itself. A change to a kustomize base previews the
// deployment that uses it and nothing else, in one living comment and a check run on the head;
// a second push edits that comment (with the first head in its history), hides the typed
// preview of the old head and moves the check run to the new head; a render error fails the
// check run with an annotation at the file and line; the same event delivered again changes
// nothing; a pull request from a fork is not previewed by itself.
func TestAutoplan(t *testing.T) {
	b := startBot(t)
	ns := unique("shop")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	r := newRepo(t, autoplanFiles(ns))
	issue := b.issue(r)
	mustContain(t, issue.reply("/rigel add-deployment apps/api --name api"), "Registered deployment `api`")
	mustContain(t, issue.reply("/rigel add-deployment apps/web --name web"), "Registered deployment `web`")

	branch := unique("feature")
	head1, err := git.Commit(r.full, branch, map[string]string{"bases/shared/shared.yaml": strings.Replace(autoplanFiles(ns)["bases/shared/shared.yaml"], `"one"`, `"two"`, 1)}, "Change the shared base")
	if err != nil {
		t.Fatal(err)
	}
	n := int(issueSeq.Add(1))
	pr := &conversation{b: b, r: r, number: n, isPR: true}
	b.pullEvent(testenv.PullOpts{Action: "opened", Repo: r.full, Number: n, HeadSHA: head1, HeadRef: branch, BaseRef: "main"})

	var living testenv.Comment
	t.Run("a change to a kustomize base previews api, and only api", func(t *testing.T) {
		cr := waitCheck(t, r.full, head1, "rigel/preview: api")
		if cr.Conclusion != "success" || !strings.Contains(cr.Title, "api: 2 to create, 0 to change") || !strings.Contains(cr.Text, "+  value: two") {
			t.Fatalf("check run %+v: want success with the change of shared", cr)
		}
		if !strings.Contains(strings.Join(cr.History, ","), "in_progress") {
			t.Fatalf("check run history %q: want in_progress before completed", cr.History)
		}
		if _, ok := gh.CheckRunNamed(r.full, head1, "rigel/preview: web"); ok {
			t.Fatal("web was previewed though the pull request changes none of its inputs")
		}
		pr.waitReplies(1)
		all := pr.botComments()
		if len(all) != 1 || len(pr.livingComments("api")) != 1 {
			t.Fatalf("comments %+v: want one living comment of api", all)
		}
		living = all[0]
		mustContain(t, living.Body, "at `"+head1[:7]+"`", "because this pull request changes `bases/shared/shared.yaml`", "```diff", "/rigel apply api", "<!-- rigel:plan deployment=api commit="+head1)
		if !strings.Contains(cr.DetailsURL, fmt.Sprintf("#issuecomment-%d", living.ID)) {
			t.Fatalf("check run details %q do not link the living comment %d", cr.DetailsURL, living.ID)
		}
	})

	typed := pr.say("/rigel diff api", 1)[0]
	head2, err := git.Commit(r.full, branch, map[string]string{"bases/shared/shared.yaml": strings.Replace(autoplanFiles(ns)["bases/shared/shared.yaml"], `"one"`, `"three"`, 1)}, "Change it again")
	if err != nil {
		t.Fatal(err)
	}
	sync2 := b.pullEvent(testenv.PullOpts{Action: "synchronize", Repo: r.full, Number: n, HeadSHA: head2})

	t.Run("a second push edits the same comment, hides the typed preview, checks the new head", func(t *testing.T) {
		cr := waitCheck(t, r.full, head2, "rigel/preview: api")
		if cr.Conclusion != "success" || !strings.Contains(cr.Text, "+  value: three") {
			t.Fatalf("check run on the new head %+v", cr)
		}
		deadline := time.Now().Add(30 * time.Second)
		var got []testenv.Comment
		for time.Now().Before(deadline) {
			if got = pr.livingComments("api"); len(got) == 1 && got[0].Edits == 1 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if len(got) != 1 || got[0].ID != living.ID || got[0].Edits != 1 {
			t.Fatalf("living comments %+v: want comment %d edited once", got, living.ID)
		}
		mustContain(t, got[0].Body, "at `"+head2[:7]+"`", "Earlier heads: `"+head1[:7]+"` 2 to create, 0 to change", "value: three")
		for _, cm := range gh.Comments(r.full, n) {
			switch {
			case cm.ID == typed.ID && cm.Minimized != "outdated":
				t.Fatalf("the typed preview of the old head is not hidden as outdated: %q", cm.Minimized)
			case cm.ID == living.ID && cm.Minimized != "":
				t.Fatal("the living comment was hidden")
			}
		}
		if len(pr.botComments()) != 2 {
			t.Fatalf("%d comments of Rigel, want the living one and the typed reply", len(pr.botComments()))
		}
	})

	t.Run("the same event delivered again changes nothing", func(t *testing.T) {
		comments, runs := len(gh.Comments(r.full, n)), len(gh.CheckRuns(r.full, head2))
		b.deliver("pull_request", "", sync2)                                                       // the same body, a new delivery id
		b.pullEvent(testenv.PullOpts{Action: "reopened", Repo: r.full, Number: n, HeadSHA: head2}) // another event of the same head
		settle()
		if got := pr.livingComments("api"); len(got) != 1 || got[0].Edits != 1 || len(gh.Comments(r.full, n)) != comments {
			t.Fatalf("living %+v, %d comments (were %d): want nothing new", got, len(gh.Comments(r.full, n)), comments)
		}
		if got := gh.CheckRuns(r.full, head2); len(got) != runs {
			t.Fatalf("%d check runs on the head, were %d", len(got), runs)
		}
	})

	t.Run("a render error fails the check run with an annotation at the file and line", func(t *testing.T) {
		bad := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: " + ns + "\ndata:\n  value: [unclosed\n"
		head3, err := git.Commit(r.full, branch, map[string]string{"apps/web/web.yaml": bad}, "Break web")
		if err != nil {
			t.Fatal(err)
		}
		b.pullEvent(testenv.PullOpts{Action: "synchronize", Repo: r.full, Number: n, HeadSHA: head3})
		cr := waitCheck(t, r.full, head3, "rigel/preview: web")
		if cr.Conclusion != "failure" || len(cr.Annotations) != 1 {
			t.Fatalf("check run %+v: want failure with one annotation", cr)
		}
		if a := cr.Annotations[0]; a.Path != "apps/web/web.yaml" || a.StartLine < 7 || a.Level != "failure" {
			t.Fatalf("annotation %+v: want a failure at apps/web/web.yaml line 7 or after", a)
		}
		pr.waitReplies(3)
		if got := pr.livingComments("web"); len(got) != 1 || !strings.Contains(got[0].Body, "render failed") {
			t.Fatalf("web's living comment %+v: want one saying the render failed", got)
		}
	})

	t.Run("a push that reverts the base change says api is no longer changed", func(t *testing.T) {
		head4, err := git.Commit(r.full, branch, map[string]string{"bases/shared/shared.yaml": autoplanFiles(ns)["bases/shared/shared.yaml"]}, "Revert the base")
		if err != nil {
			t.Fatal(err)
		}
		b.pullEvent(testenv.PullOpts{Action: "synchronize", Repo: r.full, Number: n, HeadSHA: head4})
		cr := waitCheck(t, r.full, head4, "rigel/preview: api")
		if cr.Conclusion != "neutral" || !strings.Contains(cr.Title, "not changed") {
			t.Fatalf("api's check run on the reverting head %+v: want neutral, not changed", cr)
		}
		waitCheck(t, r.full, head4, "rigel/preview: web")
		got := pr.livingComments("api")
		if len(got) != 1 || got[0].ID != living.ID || !strings.Contains(got[0].Body, "not changed") || strings.Contains(got[0].Body, "rigel:plan") {
			t.Fatalf("api's living comment %+v: want it edited to say not changed, arming nothing", got)
		}
	})

	t.Run("a pull request from a fork is not previewed by itself", func(t *testing.T) {
		fb := unique("fork")
		head, err := git.Commit(r.full, fb, map[string]string{"apps/web/web.yaml": strings.Replace(autoplanFiles(ns)["apps/web/web.yaml"], `"one"`, `"fork"`, 1)}, "From a fork")
		if err != nil {
			t.Fatal(err)
		}
		m := int(issueSeq.Add(1))
		if err := gh.AddPull(r.full, m, head, fb, "main"); err != nil {
			t.Fatal(err)
		}
		gh.SetPullFork(r.full, m, "mallory/web")
		gh.SetPermission(r.full, "mallory", "read")
		b.pullEvent(testenv.PullOpts{Action: "opened", Repo: r.full, Number: m, HeadSHA: head, Author: "mallory"})
		settle()
		if runs := gh.CheckRuns(r.full, head); len(runs) != 0 {
			t.Fatalf("check runs %+v on a fork's head", runs)
		}
		if cms := gh.Comments(r.full, m); len(cms) != 0 {
			t.Fatalf("comments %+v on a fork's pull request", cms)
		}
	})
}

// autoplanPull is a pull request that changes web's folder.
type autoplanPull struct {
	r          repo
	pr         *conversation
	head       string
	ns, branch string
}

// openAutoplanPull registers web of a new repository with b (register runs the command) and
// opens a pull request that changes web's folder.
func openAutoplanPull(t *testing.T, b *bot, register func(c *conversation, args string)) autoplanPull {
	t.Helper()
	ns := unique("shop")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	r := newRepo(t, autoplanFiles(ns))
	issue := b.issue(r)
	register(issue, "apps/web --name web")
	branch := unique("feature")
	head, err := git.Commit(r.full, branch, map[string]string{"apps/web/web.yaml": strings.Replace(autoplanFiles(ns)["apps/web/web.yaml"], `"one"`, `"two"`, 1)}, "Change web")
	if err != nil {
		t.Fatal(err)
	}
	n := int(issueSeq.Add(1))
	b.pullEvent(testenv.PullOpts{Action: "opened", Repo: r.full, Number: n, HeadSHA: head, HeadRef: branch, BaseRef: "main"})
	return autoplanPull{r: r, pr: &conversation{b: b, r: r, number: n, isPR: true}, head: head, ns: ns, branch: branch}
}

// TestAutoplanRerequest: a preview check run asked to run again previews its deployment
// again at that head: a new completed run, and the same living comment edited.
func TestAutoplanRerequest(t *testing.T) {
	b := startBot(t)
	p := openAutoplanPull(t, b, func(c *conversation, args string) {
		mustContain(t, c.reply("/rigel add-deployment "+args), "Registered deployment")
	})
	r, pr, head := p.r, p.pr, p.head
	first := waitCheck(t, r.full, head, "rigel/preview: web")
	pr.waitReplies(1)
	payload, err := gh.CheckRunEvent(r.full, first.ID, "rerequested", "octocat")
	if err != nil {
		t.Fatal(err)
	}
	b.deliver("check_run", "", payload)
	var runs []testenv.CheckRunRecord
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		runs = nil
		for _, cr := range gh.CheckRuns(r.full, head) {
			if cr.Name == "rigel/preview: web" && cr.Status == "completed" {
				runs = append(runs, cr)
			}
		}
		if len(runs) == 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(runs) != 2 || runs[0].Conclusion != "success" || runs[1].Conclusion != "success" {
		t.Fatalf("check runs %+v: want the first and one more, both completed success", runs)
	}
	if got := pr.livingComments("web"); len(got) != 1 || got[0].Edits != 1 || len(pr.botComments()) != 1 {
		t.Fatalf("living %+v: want the same comment edited once, and no other", got)
	}
}

// TestAutoplanTokenMode: with a personal access token (no check runs), a commit status
// "rigel/preview: <deployment>" stands in for the check run.
func TestAutoplanTokenMode(t *testing.T) {
	const token, login = "ghp_e2eTokenForAutoplan0123456789ab", "rigel-plans"
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
	r, pr, head := p.r, p.pr, p.head
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if st, ok := gh.LatestStatus(r.full, head, "rigel/preview: web"); ok && st.State != "pending" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	st, ok := gh.LatestStatus(r.full, head, "rigel/preview: web")
	if !ok || st.State != "success" || !strings.Contains(st.Description, "web: 1 to create") {
		t.Fatalf("status %+v (%v): want success naming the changes", st, ok)
	}
	if runs := gh.CheckRuns(r.full, head); len(runs) != 0 {
		t.Fatalf("check runs %+v in token mode", runs)
	}
	pr.waitReplies(1)
}

// TestAutoplanArmsApply: the living comment arms `/rigel apply` for the head it previews, and
// only while that is the pull request's head: after a push it has not previewed yet, apply
// refuses and changes nothing; once the new head is previewed, apply applies it.
func TestAutoplanArmsApply(t *testing.T) {
	b := startBot(t)
	p := openAutoplanPull(t, b, func(c *conversation, args string) {
		mustContain(t, c.reply("/rigel add-deployment "+args), "Registered deployment")
	})
	r, pr, head1, ns := p.r, p.pr, p.head, p.ns
	pr.waitReplies(1)
	head2, err := git.Commit(r.full, p.branch, map[string]string{"apps/web/web.yaml": strings.Replace(autoplanFiles(ns)["apps/web/web.yaml"], `"one"`, `"three"`, 1)}, "Change web again")
	if err != nil {
		t.Fatal(err)
	}
	if err := gh.SetPullHead(r.full, pr.number, head2); err != nil { // pushed; its event not delivered yet
		t.Fatal(err)
	}
	gh.AddReview(r.full, pr.number, "bob", "APPROVED")
	got := pr.reply("/rigel apply web")
	mustContain(t, got, "the preview of `web` was for `"+head1[:7]+"`", "is now `"+head2[:7]+"`", "Nothing was applied")
	mustNotContain(t, got, "Succeeded")
	if _, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(t.Context(), "web", metav1.GetOptions{}); err == nil {
		t.Fatal("the preview of a replaced head was applied")
	}
	b.pullEvent(testenv.PullOpts{Action: "synchronize", Repo: r.full, Number: pr.number, HeadSHA: head2})
	waitCheck(t, r.full, head2, "rigel/preview: web")
	mustContain(t, pr.reply("/rigel apply web"), "Succeeded", head2[:7])
	if cm := getConfigMap(t, ns, "web"); cm.Data["value"] != "three" {
		t.Fatalf("applied %v, want the new head's value three", cm.Data)
	}
}

// TestAutoplanDraft: a draft pull request does not preview itself; marked ready for review,
// it does.
func TestAutoplanDraft(t *testing.T) {
	b := startBot(t)
	ns := unique("shop")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	r := newRepo(t, autoplanFiles(ns))
	mustContain(t, b.issue(r).reply("/rigel add-deployment apps/web --name web"), "Registered deployment")
	branch := unique("draft")
	head, err := git.Commit(r.full, branch, map[string]string{"apps/web/web.yaml": strings.Replace(autoplanFiles(ns)["apps/web/web.yaml"], `"one"`, `"draft"`, 1)}, "Draft web")
	if err != nil {
		t.Fatal(err)
	}
	n := int(issueSeq.Add(1))
	if err := gh.AddPull(r.full, n, head, branch, "main"); err != nil {
		t.Fatal(err)
	}
	gh.SetPullDraft(r.full, n, true)
	b.pullEvent(testenv.PullOpts{Action: "opened", Repo: r.full, Number: n, HeadSHA: head})
	settle()
	if runs := gh.CheckRuns(r.full, head); len(runs) != 0 || len(gh.Comments(r.full, n)) != 0 {
		t.Fatalf("a draft previewed itself: runs %+v", runs)
	}
	b.pullEvent(testenv.PullOpts{Action: "ready_for_review", Repo: r.full, Number: n, HeadSHA: head})
	if cr := waitCheck(t, r.full, head, "rigel/preview: web"); cr.Conclusion != "success" {
		t.Fatalf("check run %+v once ready for review", cr)
	}
}
