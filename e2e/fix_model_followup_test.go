package e2e

import (
	"fmt"
	"github.com/rigel-gitops/rigel/config"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// lastBody is the last request the model was sent, and how many there were.
func (m *modelDouble) last() (string, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.bodies) == 0 {
		return "", 0
	}
	return m.bodies[len(m.bodies)-1], len(m.bodies)
}

// TestFixModelPatch: a model's patch of the workload's own document becomes a verified PR
// (the file gets exactly the patch's lines); a patch of the workload's name, or of another
// document, is refused with a reply that says so first, and opens nothing.
func TestFixModelPatch(t *testing.T) {
	e := newModelEnv(t)
	cmd := fmt.Sprintf("/rigel fix deploy/web -n %s", e.ns)
	target := `"workload":{"kind":"Deployment","name":"web","namespace":"` + e.ns + `"}`

	e.double.set(answerWith(`{"reasoning":"Rename it.","findings":[],` + target + `,"edits":[],"patch":[{"path":"/metadata/name","value":"web2","type":"string"}]}`))
	got := e.c.reply(cmd)
	mustContain(t, got, "🛑 Rigel refused what the model `tiny-e2e` proposed", "never its kind, name or namespace", "Nothing was changed", "**Next:**")
	e.double.set(answerWith(`{"reasoning":"The db.","findings":[],"workload":{"kind":"Deployment","name":"db","namespace":"` + e.ns + `"},"edits":[],"patch":[{"path":"/spec/replicas","value":"3","type":"number"}]}`))
	mustContain(t, e.c.reply(cmd), "🛑 Rigel refused", "another document")
	// A patch the deployment's policy refuses (a sync option it forbids) is refused as a
	// fix of Rigel's own would be, naming the rule.
	setDeployment(t, e.b, e.dep, func(d *config.Deployment) { d.Policy = &config.Policy{RefusedSyncOptions: []string{"Force=true"}} })
	e.double.set(answerWith(`{"reasoning":"Recreate it.","findings":[],` + target + `,"edits":[],"patch":[{"path":"/metadata/annotations/argocd.argoproj.io~1sync-options","value":"Replace=true,Force=true","type":"string"}]}`))
	mustContain(t, e.c.reply(cmd), "policy", "Force=true", "Nothing was pushed")
	setDeployment(t, e.b, e.dep, func(d *config.Deployment) { d.Policy = nil })
	if len(fixPulls(e.r)) != 0 {
		t.Fatal("a PR was opened from a refused patch")
	}

	e.double.set(answerWith(`{"reasoning":"Exit code 3 before it is ready: it needs a grace period and a readiness path.","findings":[],` + target + `,"edits":[],"patch":[` +
		`{"path":"/spec/template/spec/containers/0/readinessProbe/httpGet/path","value":"/healthz","type":"string"},` +
		`{"path":"/spec/template/spec/containers/name=web/readinessProbe/httpGet/port","value":"8080","type":"number"},` +
		`{"path":"/spec/template/spec/terminationGracePeriodSeconds","value":"45","type":"number"}]}`))
	got = e.c.reply(cmd)
	mustContain(t, got, "🔧 Opened [#", "tiny-e2e", "a patch of this workload's own document alone", "```diff", "+              path: /healthz")
	p := onePull(t, e.r)
	mustContain(t, p.Body, "proposed by the model", "readiness path")
	file := branchFile(t, e.r, p.Head, "apps/web/k8s/deploy.yaml")
	mustContain(t, file, "readinessProbe:", "httpGet:", "path: /healthz", "port: 8080", "terminationGracePeriodSeconds: 45", "memory: 128Mi # small")
	var kept []string // the file without the patch's lines is the file before, byte for byte
	for _, l := range strings.SplitAfter(file, "\n") {
		switch strings.TrimSpace(l) {
		case "readinessProbe:", "httpGet:", "path: /healthz", "port: 8080", "terminationGracePeriodSeconds: 45":
		default:
			kept = append(kept, l)
		}
	}
	if strings.Join(kept, "") != modelDeployYAML(e.ns) {
		t.Errorf("the patch changed more than its lines:\n%s", file)
	}
	e.noSecretSent(t)
	noPullViolations(t)
}

// TestFixModelFollowUp: in Rigel's open fix PR, a plain comment by someone who may run fix
// asks the model again with the comment's words and the PR's branch (its manifest has the
// first fix), and amends that branch; a bot's comment, a reader's, an edited comment, the
// same delivery again and a plain comment in another PR ask nothing; a model that fails
// gets a reply that says so first and how to amend by hand.
func TestFixModelFollowUp(t *testing.T) {
	e := newModelEnv(t)
	target := `"workload":{"kind":"Deployment","name":"web","namespace":"` + e.ns + `"}`
	e.double.set(answerWith(`{"reasoning":"Give it room.","findings":[],` + target + `,"edits":[{"field":"memory","key":"","value":"256Mi","container":""}],"patch":[]}`))
	mustContain(t, e.c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s", e.ns)), "🔧 Opened")
	p := onePull(t, e.r)
	first, _ := git.Head(e.r.full, p.Head)
	pr := &conversation{b: e.b, r: e.r, number: p.Number, isPR: true}

	e.double.set(answerWith(`{"reasoning":"The person says the start is slow: a longer grace period.","findings":[],` + target + `,"edits":[],"patch":[{"path":"/spec/template/spec/terminationGracePeriodSeconds","value":"90","type":"number"}]}`))
	_, n := e.double.last()
	got := pr.reply("It still restarts: the shutdown takes over a minute, please give it 90 seconds. Token " + eventToken)
	mustContain(t, got, fmt.Sprintf("🔧 Amended #%d", p.Number), "no other pull request was opened", "asked the model `tiny-e2e` again", "a longer grace period", "+      terminationGracePeriodSeconds: 90")
	body, m := e.double.last()
	if m != n+1 {
		t.Fatalf("%d requests to the model for one comment, want 1", m-n)
	}
	mustContain(t, body, "the shutdown takes over a minute", "memory: 256Mi", "fix pull request") // the words, and the branch's manifest
	if ps := fixPulls(e.r); len(ps) != 1 {
		t.Fatalf("another PR was opened: %+v", ps)
	}
	want := replace(t, modelDeployYAML(e.ns), "memory: 128Mi # small", "memory: 256Mi # small")
	file := branchFile(t, e.r, p.Head, "apps/web/k8s/deploy.yaml")
	if !strings.Contains(file, "terminationGracePeriodSeconds: 90") || strings.Replace(file, "      terminationGracePeriodSeconds: 90\n", "", 1) != want {
		t.Errorf("amended file:\n%s", file)
	}
	if tip, _ := git.Head(e.r.full, p.Head); tip == first {
		t.Error("the branch did not move")
	}

	// Nobody else's plain words ask the model: a bot, a reader, an edit, a redelivery, another PR.
	replies, _ := len(pr.botComments()), 0
	_, n = e.double.last()
	reader := unique("reader")
	gh.SetPermission(e.r.full, reader, "read")
	pr.post("please make it 2Gi", func(o *testenv.CommentOpts) { o.User, o.UserType = "helper[bot]", "Bot" })
	pr.post("please make it 2Gi", func(o *testenv.CommentOpts) { o.User = reader })
	pr.post("please make it 2Gi", func(o *testenv.CommentOpts) { o.Action = "edited" })
	other := e.b.pull(e.r, first)
	other.post("please make it 2Gi")
	settleIssue(t, pr, replies)
	settleIssue(t, other, 0)
	if _, m := e.double.last(); m != n {
		t.Errorf("%d requests to the model for comments it must not read", m-n)
	}
	payload := gh.CommentEvent(testenv.CommentOpts{Repo: e.r.full, DefaultBranch: e.r.branch, CloneURL: git.CloneURL(e.r.full), Issue: p.Number, IsPull: true,
		Body: "and 3 replicas please", User: "octocat", UserType: "User", InstallationID: gh.InstallationID})
	e.double.set(answerWith("no idea"))
	id := "6f1c2a10-9b7e-4d3a-8c55-" + fmt.Sprintf("%012d", p.Number) // one delivery, redelivered
	e.b.deliver("issue_comment", id, payload)
	pr.waitReplies(replies + 1)
	e.b.deliver("issue_comment", id, payload)
	settleIssue(t, pr, replies+1)
	mustContain(t, pr.botComments()[replies].Body, "🤖 The model `tiny-e2e` gave no answer Rigel can use", "malformed", "Nothing was changed",
		"**Next:** to amend this pull request yourself, type `/rigel fix deployment/web -n "+e.ns+" set memory=512Mi`", "comment again later")
	if _, m := e.double.last(); m != n+1 {
		t.Errorf("%d requests to the model for one comment delivered twice, want 1", m-n)
	}
	e.noSecretSent(t)
	noPullViolations(t)
}
