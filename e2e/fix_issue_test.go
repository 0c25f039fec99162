package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	gosync "sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// Fix requests in issues (issue 16): an issue that names a linked workload in words, opened or
// labelled rigel:fix, gets what `/rigel fix` typed there gets.

// issueEvent posts GitHub's recorded `issues` payload of action (opened-1 or labeled-1),
// rewritten for issue number of r: its title and text, who opened it and who sent the event,
// and for `labeled` the label added.
func issueEvent(t *testing.T, b *bot, r repo, number int, action, title, body, author, sender, label string) {
	t.Helper()
	issueSenders.Lock()
	if _, ok := senderIDs[sender]; !ok {
		senderIDs[sender] = len(senderIDs) + 1
	}
	issueSenders.Unlock()
	p := testenv.Payload("issues", action+"-1")
	owner, name, _ := strings.Cut(r.full, "/")
	repoObj := p["repository"].(map[string]any)
	repoObj["full_name"], repoObj["name"], repoObj["clone_url"], repoObj["default_branch"] = r.full, name, git.CloneURL(r.full), r.branch
	repoObj["owner"].(map[string]any)["login"] = owner
	is := p["issue"].(map[string]any)
	is["id"], is["number"], is["title"], is["body"] = 1_000_000+number, number, title, body
	is["user"].(map[string]any)["login"] = author
	is["labels"] = []any{}
	p["sender"].(map[string]any)["login"] = sender
	p["sender"].(map[string]any)["id"] = senderIDs[sender] // another person: another id
	if action == "labeled" {
		p["label"].(map[string]any)["name"] = label
		is["labels"] = []any{p["label"]}
	}
	p["installation"] = map[string]any{"id": gh.InstallationID}
	resp, err := testenv.PostWebhook(b.url+app.HookPath, webhookSecret, "issues", mustJSON(t, p))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("webhook answered %d", resp.StatusCode)
	}
}

// senderIDs are the GitHub ids of the people who send issues events in these tests.
var (
	senderIDs    = map[string]int{}
	issueSenders gosync.Mutex
)

func init() { senderIDs["octocat"] = 1 }

// fixIssues turns fix requests in issues on, as LoadSettings does by default.
func fixIssues(s *config.Settings) { s.FixIssues, s.FixLabel = true, config.DefaultFixLabel }

// settleIssue waits long enough for a delivery that must not be answered to have been handled,
// then checks the conversation still has want replies.
func settleIssue(t *testing.T, c *conversation, want int) {
	t.Helper()
	time.Sleep(2 * time.Second)
	if got := c.botComments(); len(got) != want {
		t.Fatalf("%d replies, want %d: %+v", len(got), want, got)
	}
}

// TestFixIssueInWords: an issue that says in words which workload crashes gets the diagnosis
// and a PR that closes it, as `/rigel fix` would; its hostile text is not echoed; labelling it
// afterwards answers nothing more.
func TestFixIssueInWords(t *testing.T) {
	c := diagContainer("nginx:1.25", 8080)
	e, _ := diagEnv(t, "nginx:1.25", "8080", c, fixIssues)
	runPods(t, e.ns, "web-oom", c, 2, func(int) corev1.ContainerStatus { return testenv.ContainerOOMKilled("web", "nginx:1.25", 3) })
	is := e.b.issue(e.r)
	issueEvent(t, e.b, e.r, is.number, "opened", "web keeps crashing since this morning",
		"It restarts every few minutes. @everyone <img src=x onerror=alert(1)> [click](javascript:alert(1))", "octocat", "octocat", "")
	is.waitReplies(1)
	got := is.botComments()[0].Body
	mustContain(t, got, "🔧 Opened [#", "OOMKilled", "**Rule:**", "```diff",
		fmt.Sprintf("Rigel read issue #%d as about deployment `web` in namespace `%s` and ran `/rigel fix deploy/web -n %s`", is.number, e.ns, e.ns))
	mustNotContain(t, got, "@everyone", "<img", "javascript:")
	if first := strings.SplitN(got, "\n", 2)[0]; !strings.HasPrefix(first, "🔧 Opened") {
		t.Errorf("the first line is not the fix's summary: %q", first)
	}
	p := onePull(t, e.r)
	mustContain(t, p.Body, "## Diagnosis", "OOMKilled", fmt.Sprintf("Closes #%d", is.number))

	issueEvent(t, e.b, e.r, is.number, "labeled", "web keeps crashing since this morning", "", "octocat", "octocat", "rigel:fix")
	settleIssue(t, is, 1)
	if len(fixPulls(e.r)) != 1 {
		t.Fatalf("a second PR: %+v", fixPulls(e.r))
	}
	noPullViolations(t)
}

// TestFixIssueCandidates: an issue that names no linked workload, or two, gets the candidates
// with the command to type, and nothing is pushed.
func TestFixIssueCandidates(t *testing.T) {
	e := newFixEnv(t, plainFiles, "apps/web/k8s", fixIssues)
	fixCreateDeployment(t, e.ns, "web", e.dep, "apps/web/k8s")
	fixCreateDeployment(t, e.ns, "api", e.dep, "apps/web/k8s")
	bs := len(branches(t, e.r))
	for _, tt := range []struct{ name, title, want string }{
		{"none", "everything is slow today", "its text names none of the workloads linked"},
		{"two", "web and api both answer 502", "names 2 workloads linked"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			is := e.b.issue(e.r)
			issueEvent(t, e.b, e.r, is.number, "opened", tt.title, "", "octocat", "octocat", "")
			is.waitReplies(1)
			got := is.botComments()[0].Body
			mustContain(t, got, tt.want, "Nothing was done",
				fmt.Sprintf("`/rigel fix deploy/api -n %s`", e.ns), fmt.Sprintf("`/rigel fix deploy/web -n %s`", e.ns))
			// The command offered is one Rigel runs.
			typed := is.reply(fmt.Sprintf("/rigel fix deploy/web -n %s set replicas=3", e.ns))
			mustContain(t, typed, "rigel/fix-web-", "[#")
			mustNotContain(t, typed, "❌")
		})
	}
	if got := len(branches(t, e.r)); got != bs+1 {
		t.Errorf("branches: %d, want %d (only the typed fix)", got, bs+1)
	}
}

// TestFixIssueWhoMayAsk: an issue opened by someone who may not run fix is left alone; their
// label is refused (not an answer: a writer's label then runs the fix); an issue in a
// repository without deployments is left alone; the label must be the configured one.
func TestFixIssueWhoMayAsk(t *testing.T) {
	e := newFixEnv(t, plainFiles, "apps/web/k8s", fixIssues)
	fixCreateDeployment(t, e.ns, "web", e.dep, "apps/web/k8s")
	reader := unique("reader")
	gh.SetPermission(e.r.full, reader, "read")
	is := e.b.issue(e.r)
	title := fmt.Sprintf("deploy/web -n %s is broken", e.ns)
	issueEvent(t, e.b, e.r, is.number, "opened", title, "", reader, reader, "")
	issueEvent(t, e.b, e.r, is.number, "labeled", title, "", reader, reader, "bug")
	settleIssue(t, is, 0)

	issueEvent(t, e.b, e.r, is.number, "labeled", title, "", reader, reader, "rigel:fix")
	is.waitReplies(1)
	mustContain(t, is.botComments()[0].Body, "`/rigel fix` needs `write` or higher", "Nothing was done")

	issueEvent(t, e.b, e.r, is.number, "labeled", title, "", reader, "octocat", "rigel:fix")
	is.waitReplies(2)
	mustContain(t, is.botComments()[1].Body, fmt.Sprintf("ran `/rigel fix deploy/web -n %s`", e.ns))

	other := newRepo(t, plainFiles(e.ns))
	oi := e.b.issue(other)
	issueEvent(t, e.b, other, oi.number, "opened", title, "", "octocat", "octocat", "")
	settleIssue(t, oi, 0)
}

// TestFixAmendInItsPull: `/rigel fix … set …` typed in the pull request of a fix Rigel opened
// adds one commit to its branch (both edits, the rest byte for byte) and opens no other PR.
func TestFixAmendInItsPull(t *testing.T) {
	e := newFixEnv(t, plainFiles, "apps/web/k8s")
	fixCreateDeployment(t, e.ns, "web", e.dep, "apps/web/k8s")
	mustContain(t, e.c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s set replicas=3", e.ns)), "🔧 Opened")
	p := onePull(t, e.r)
	first, _ := git.Head(e.r.full, p.Head)

	pr := &conversation{b: e.b, r: e.r, number: p.Number, isPR: true}
	got := pr.reply(fmt.Sprintf("/rigel fix deploy/web -n %s set memory=768Mi --container web", e.ns))
	mustContain(t, got, fmt.Sprintf("🔧 Amended #%d", p.Number), "no other pull request was opened", "```diff", "+              memory: 768Mi")
	if ps := fixPulls(e.r); len(ps) != 1 {
		t.Fatalf("another PR was opened: %+v", ps)
	}
	want := replace(t, fixDeployYAML(e.ns), "replicas: 2 # enough for now", "replicas: 3 # enough for now")
	want = replace(t, want, "memory: 128Mi", "memory: 768Mi")
	if file := branchFile(t, e.r, p.Head, "apps/web/k8s/deploy.yaml"); file != want {
		t.Errorf("amended file:\n%s\nwant:\n%s", file, want)
	}
	out, err := exec.Command("git", "--git-dir", git.RepoDir(e.r.full), "log", "-1", "--format=%P|%an", "refs/heads/"+p.Head).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != first+"|rigel[bot]" {
		t.Errorf("tip = %q, want one commit by rigel[bot] on the first %s", got, first)
	}
	// The same again: the branch has it already; nothing is pushed, and the reply says so
	// in the words of a pull request, not of a new one.
	again := pr.reply(fmt.Sprintf("/rigel fix deploy/web -n %s set memory=768Mi --container web", e.ns))
	mustContain(t, again, "ℹ️ This pull request's branch `"+p.Head+"`", "already sets", "nothing was pushed")
	mustNotContain(t, again, "no pull request was opened")
	// A fix of another workload typed there is not an amend: its own PR.
	fixCreateDeployment(t, e.ns, "api", e.dep, "apps/web/k8s")
	mustNotContain(t, pr.reply(fmt.Sprintf("/rigel fix deploy/api -n %s set replicas=2", e.ns)), "Amended")
	noPullViolations(t)
}
