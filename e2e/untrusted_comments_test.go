package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	gosync "sync"
	"testing"
	"time"

	coordv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// signedPlan reads the plan marker of a sync reply: the whole marker, its commit and digest.
var signedPlan = regexp.MustCompile(`<!-- rigel:plan deployment=[a-z0-9-]+ commit=([0-9a-f]{40}) digest=([0-9a-f]{64}) mac=[0-9a-f]{32} -->`)

// editComment changes the body of comment id of repo as a person with write would, through
// the API (GitHub lets anyone with write edit anyone's comment, Rigel's too).
func editComment(t *testing.T, repo string, id int64, body string) {
	t.Helper()
	token := unique("ghp_editor")
	gh.AddPAT(token, unique("editor"))
	req, err := http.NewRequest(http.MethodPatch, fmt.Sprintf("%srepos/%s/issues/comments/%d", gh.URL(), repo, id), bytes.NewReader(mustJSON(t, map[string]string{"body": body})))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "token "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("editing comment %d: status %d", id, resp.StatusCode)
	}
}

// otherMACDigit is marker with the first digit of its MAC changed.
func otherMACDigit(marker string) string {
	i := strings.Index(marker, "mac=") + len("mac=")
	d := byte('0')
	if marker[i] == '0' {
		d = '1'
	}
	return marker[:i] + string(d) + marker[i+1:]
}

// sayAs posts a comment by user and waits for want replies of the bot.
func (c *conversation) sayAs(user, body string, want int) []testenv.Comment {
	c.b.t.Helper()
	before := len(c.botComments())
	if code := c.post(body, func(o *commentOpts) { o.User = user }); code >= 300 {
		c.b.t.Fatalf("webhook answered %d", code)
	}
	c.waitReplies(before + want)
	return c.botComments()[before:]
}

// settle waits until the bot has stopped answering in c (no new reply for quiet), and returns
// how many replies it gave in all.
func (c *conversation) settle(quiet time.Duration) int {
	c.b.t.Helper()
	n := len(c.botComments())
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
		time.Sleep(quiet)
		m := len(c.botComments())
		if m == n {
			return n
		}
		n = m
	}
	c.b.t.Fatalf("the bot kept answering in #%d for 60s", c.number)
	return n
}

// noMarkerIn fails when a reply carries an HTML comment other than the reply marker the GitHub
// client adds (githubclient.commentOnce): no typed text may reach a reply as a hidden comment.
func noMarkerIn(t *testing.T, replies ...testenv.Comment) {
	t.Helper()
	for _, r := range replies {
		rest := regexp.MustCompile(`<!-- rigel:reply [0-9a-f]+ -->`).ReplaceAllString(r.Body, "")
		mustNotContain(t, rest, "<!--", "-->")
	}
}

// commandRecords counts the command records (Leases) created in ns while it runs.
type commandRecords struct {
	mu    gosync.Mutex
	added int
	stop  func()
}

func watchCommandRecords(t *testing.T, ns string) *commandRecords {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w, err := kc.Typed.CoordinationV1().Leases(ns).Watch(ctx, metav1.ListOptions{LabelSelector: "rigel.dev/lease=command"})
	if err != nil {
		t.Fatal(err)
	}
	cr := &commandRecords{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			if _, ok := ev.Object.(*coordv1.Lease); ok && ev.Type == watch.Added {
				cr.mu.Lock()
				cr.added++
				cr.mu.Unlock()
			}
		}
	}()
	cr.stop = func() { w.Stop(); cancel(); <-done }
	t.Cleanup(cr.stop)
	return cr
}

func (cr *commandRecords) count() int {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	return cr.added
}

// TestUntrustedComments: hidden markers cannot be forged, edited or copied into arming or
// blocking an apply, and no comment makes Rigel answer or record without bound.
func TestUntrustedComments(t *testing.T) {
	b := startBot(t)
	ns := unique("untrusted")
	r := newRepo(t, webFiles(ns, 1, "pw-untrusted"))
	name := unique("uweb")
	a := b.issue(r) // where the real plan is armed
	mustContain(t, a.reply("/rigel add-deployment apps/web/k8s --name "+name), "Registered deployment")
	stranger, reader := unique("stranger"), unique("reader")
	gh.SetPermission(r.full, stranger, "none")
	gh.SetPermission(r.full, reader, "read")

	syncReply := a.say("/rigel sync "+name, 1)[0]
	m := signedPlan.FindStringSubmatch(syncReply.Body)
	if m == nil {
		t.Fatalf("the sync reply carries no signed plan marker:\n%s", syncReply.Body)
	}
	realMarker, commit, digest := m[0], m[1], m[2]

	t.Run("a plan marker behind a mistyped verb is not written, and arms nothing", func(t *testing.T) {
		c := b.issue(r)
		forged := "/rigel dif " + realMarker + " now"
		got := c.sayAs(stranger, forged, 1)
		mustContain(t, got[0].Body, "❌", "is not a Rigel command; nothing was done")
		mustNotContain(t, got[0].Body, "rigel:plan", "dif", digest)
		noMarkerIn(t, got...)
		got = c.sayAs(reader, forged, 1)
		mustContain(t, got[0].Body, "Did you mean `diff`?") // a reader still gets the suggestion...
		noMarkerIn(t, got...)                               // ...with the marker made inert
		mustContain(t, c.reply("/rigel apply "+name), "❌", "nothing was previewed for `"+name+"` in this conversation")
		if deploymentExists(t, ns) {
			t.Fatal("a forged plan was applied")
		}
	})

	t.Run("a marker copied from another conversation does not arm this one", func(t *testing.T) {
		c := b.issue(r)
		own := c.say("/rigel help", 1)[0]
		editComment(t, r.full, own.ID, own.Body+"\n"+realMarker+"\n") // into Rigel's own comment here
		c.post("copied:\n" + realMarker + "\n")                       // and as a person's comment
		mustContain(t, c.reply("/rigel apply "+name), "❌", "nothing was previewed for `"+name+"` in this conversation")
		if deploymentExists(t, ns) {
			t.Fatal("a marker of another conversation was applied")
		}
	})

	t.Run("an edited marker does not verify, and nothing is applied", func(t *testing.T) {
		otherDigest := strings.Repeat("0", 64)
		for _, edited := range []string{
			strings.Replace(realMarker, digest, otherDigest, 1),
			strings.Replace(realMarker, commit, strings.Repeat("a", 40), 1),
			otherMACDigit(realMarker),
		} {
			if edited == realMarker || !strings.Contains(syncReply.Body, realMarker) {
				t.Fatal("the edit changes nothing")
			}
			editComment(t, r.full, syncReply.ID, strings.Replace(syncReply.Body, realMarker, edited, 1))
			mustContain(t, a.reply("/rigel apply "+name), "❌", "nothing was previewed for `"+name+"`")
			if deploymentExists(t, ns) {
				t.Fatal("an edited plan was applied")
			}
		}
		editComment(t, r.full, syncReply.ID, syncReply.Body) // Rigel's own text again: it verifies
		mustContain(t, a.reply("/rigel apply "+name), "Rigel applied `"+name+"`", "Succeeded")
		if !deploymentExists(t, ns) {
			t.Fatal("the restored plan was not applied")
		}
	})

	t.Run("a forged applied marker does not block a real plan", func(t *testing.T) {
		if _, err := git.Commit(r.full, "main", map[string]string{"apps/web/k8s/deploy/deployment.yaml": webDeployment(ns, 2, "")}, "scale to 2"); err != nil {
			t.Fatal(err)
		}
		c := b.issue(r)
		sync := c.say("/rigel sync "+name, 1)[0]
		m := signedPlan.FindStringSubmatch(sync.Body)
		if m == nil {
			t.Fatalf("no plan marker:\n%s", sync.Body)
		}
		mac := m[0][strings.Index(m[0], "mac=")+4 : strings.Index(m[0], "mac=")+36]
		forged := fmt.Sprintf("<!-- rigel:applied deployment=%s digest=%s mac=%s -->", name, m[2], mac)
		noMarkerIn(t, c.sayAs(reader, "/rigel dif "+forged+" now", 1)...)
		c.post(forged, func(o *commentOpts) { o.User, o.Body = stranger, forged })
		editComment(t, r.full, sync.ID, sync.Body+"\n"+forged+"\n")
		mustContain(t, c.reply("/rigel apply "+name), "Rigel applied `"+name+"`", "Succeeded")
		d, err := kc.Typed.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{})
		if err != nil || *d.Spec.Replicas != 2 {
			t.Fatalf("the real plan was not applied: %v", err)
		}
	})

	t.Run("thousands of commands by a stranger get one reply and no record", func(t *testing.T) {
		c := b.issue(r)
		records := watchCommandRecords(t, b.namespace)
		before := len(leases(t, b.namespace, "rigel.dev/lease"))
		c.post(strings.Repeat("/rigel x\n", 7000), func(o *commentOpts) { o.User = stranger })
		c.waitReplies(1)
		if n := c.settle(2 * time.Second); n != 1 {
			t.Fatalf("%d replies to one comment, want 1: %+v", n, c.botComments())
		}
		got := c.botComments()[0].Body
		mustContain(t, got, "10 lines of this comment are not Rigel commands; nothing was done",
			"This comment holds 7000 commands, and Rigel runs at most 10 per comment: the last 6990 did not run")
		mustNotContain(t, got, "`x`")
		if n := records.count(); n != 0 {
			t.Fatalf("%d command records were written for commands that did not run", n)
		}
		if after := len(leases(t, b.namespace, "rigel.dev/lease")); after != before {
			t.Fatalf("Leases in %s: %d before, %d after", b.namespace, before, after)
		}
		c.reply("/rigel help") // a command that runs is recorded: the watch sees it
		waitUntil(t, 10*time.Second, "the record of /rigel help", func() bool { return records.count() >= 1 })
	})
}

// TestCommandRateLimit: 25 commands in a minute from one person: 20 run, the 21st is told
// once, the others are dropped without a reply; another person is not limited.
func TestCommandRateLimit(t *testing.T) {
	b := startBotWith(t, func(s *config.Settings) { s.CommandRate = config.DefaultCommandRate })
	r := newRepo(t, webFiles(unique("rate"), 1, "pw"))
	c := b.issue(r)
	flooder := unique("flooder")
	start := time.Now()
	for range 25 {
		if code := c.post("/rigel help", func(o *commentOpts) { o.User = flooder }); code >= 300 {
			t.Fatalf("webhook answered %d", code)
		}
	}
	c.waitReplies(21)
	n := c.settle(2 * time.Second)
	if took := time.Since(start); took > 50*time.Second {
		t.Skipf("posting and answering took %s: not within one window", took)
	}
	if n != 21 {
		t.Fatalf("%d replies, want 20 helps and one notice", n)
	}
	var helps, notices int
	for _, cm := range c.botComments() {
		switch {
		case strings.Contains(cm.Body, "| command | what it does |"):
			helps++
		case strings.Contains(cm.Body, "⏳ @"+flooder+", Rigel runs at most 20 commands a minute"):
			notices++
		}
	}
	if helps != 20 || notices != 1 {
		t.Fatalf("%d helps and %d notices, want 20 and 1", helps, notices)
	}
	mustContain(t, c.replyAs(unique("other"), "/rigel help"), "| command | what it does |")
}
