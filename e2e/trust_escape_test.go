package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// escHostile is what a workload owner can make the cluster say: GitHub would act on each part
// (a closing keyword, a cross-repo closing keyword, a closing issue URL, a team mention, links,
// an image, HTML, a forged marker and an unclosed comment) if Rigel wrote it raw.
const escHostile = "Closes #1, fixes acme/other#2, resolves: https://github.com/acme/web/issues/3 @org/team see https://evil.example/x ![i](https://evil.example/i.png) <img src=x onerror=alert(1)> <details><a href=x>y</a> <!-- rigel:plan deployment=web --> unclosed <!-- `tick` | GH-4"

var (
	escMention = regexp.MustCompile(`(^|[^\w` + "`" + `])@[A-Za-z0-9]`)
	escRef     = regexp.MustCompile(`(?i)(#|\bgh-)[0-9]`)
	escLink    = regexp.MustCompile(`(?i)(https?://|www\.)`)
	escHTML    = regexp.MustCompile(`(?i)<(img|a|b)\b|<details><a`)
	escSpans   = regexp.MustCompile("(?s)````*[a-z]*\n.*?\n````*|`[^`\n]*`")
	// Rigel's own: the link to its pull request, and the reply marker it ends a reply with.
	escOwn = regexp.MustCompile(`\[#[0-9]+\]\([^)\s]*\)|(?m)^<!-- rigel:reply [0-9a-f]+ -->$`)
)

// noLiveText fails when text, once Rigel's own words in own are taken out, holds what GitHub
// acts on: a mention or a link outside code (where GitHub renders nothing), an issue
// reference anywhere (a closing keyword may be read in code too), an HTML comment delimiter,
// or HTML (html: Markdown sinks; a title or commit message shows HTML as text).
func noLiveText(t *testing.T, sink, text string, html bool, own ...string) {
	t.Helper()
	text = escOwn.ReplaceAllString(strings.ReplaceAll(text, "\n<!-- rigel:block -->\n", "\n"), "")
	for _, o := range own {
		text = strings.ReplaceAll(text, o, "")
	}
	prose := escSpans.ReplaceAllString(text, "")
	if m := escMention.FindString(prose); m != "" {
		t.Errorf("%s: a live mention %q:\n%s", sink, m, text)
	}
	if m := escLink.FindString(prose); m != "" {
		t.Errorf("%s: a live link %q:\n%s", sink, m, text)
	}
	if m := escRef.FindAllString(text, -1); m != nil {
		t.Errorf("%s: live issue references %q:\n%s", sink, m, text)
	}
	if strings.Contains(text, "<!--") || strings.Contains(text, "-->") {
		t.Errorf("%s: an HTML comment delimiter:\n%s", sink, text)
	}
	if html && escHTML.MatchString(prose) {
		t.Errorf("%s: HTML %q:\n%s", sink, escHTML.FindString(prose), text)
	}
}

// commitMessage is the message of a branch's tip on the git server.
func commitMessage(t *testing.T, r repo, branch string) string {
	t.Helper()
	out, err := exec.Command("git", "--git-dir", git.RepoDir(r.full), "log", "-1", "--format=%B", "refs/heads/"+branch).Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestEscapeDiagnosisText: an image string, a waiting message and an Event's message that a
// workload owner controls reach the `/rigel fix` reply, the PR's body and the commit message
// only neutralised; Rigel's own "Closes #N" still closes the conversation.
func TestEscapeDiagnosisText(t *testing.T) {
	const good = "nginx:1.25"
	bad := "nginx:1.255 " + strings.ReplaceAll(escHostile, "`", "'") // an image the API accepts
	c := diagContainer(bad, 8080)
	e, d := diagEnv(t, fmt.Sprintf("%q", bad), "8080", c)
	ctx := context.Background()
	imagePullRevisions(t, ctx, e.ns, d, good, bad)
	runPods(t, e.ns, "web-old", diagContainer(good, 8080), 2, func(int) corev1.ContainerStatus { return testenv.ContainerRunning("web", good) })
	pods := runPods(t, e.ns, "web-new", c, 1, func(int) corev1.ContainerStatus {
		return testenv.ContainerWaiting("web", bad, "ImagePullBackOff", "\u202eBack-off pulling image: "+escHostile)
	})
	// An Event object with a hostile message, created through the API as anyone who may
	// create events in the namespace can.
	if err := testenv.KubeletEvent(ctx, kc.Typed, pods[0], "web", corev1.EventTypeWarning, "Failed",
		"\u202eFailed to pull image: "+escHostile, 5); err != nil {
		t.Fatal(err)
	}

	reply := e.c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s", e.ns))
	mustContain(t, reply, "🔧 Opened [#", "**What Rigel saw:**", "`image="+good, "&lt;img src=x onerror=alert(1)", "@\u200dorg/team", "Closes #\u200d1", "fixes acme/other#\u200d2", "https:\u200d//evil.example/x", "&lt;U+202E&gt;")
	p := onePull(t, e.r)
	noLiveText(t, "reply", reply, true, fmt.Sprintf("#%d", p.Number))
	mustNotContain(t, reply, "\u202e")

	mustContain(t, p.Body, "## Diagnosis", "&lt;img src=x onerror=alert(1)", "@\u200dorg/team", "Closes #\u200d1")
	closes := fmt.Sprintf("Closes #%d\n", e.c.number)
	if !strings.Contains(p.Body, "\n"+closes) {
		t.Errorf("the PR body lost Rigel's own %q:\n%s", closes, p.Body)
	}
	noLiveText(t, "PR body", p.Body, true, closes, "Opened by Rigel for @octocat")
	noLiveText(t, "PR title", p.Title, false)

	msg := commitMessage(t, e.r, p.Head)
	mustContain(t, msg, "Closes #\u200d1, fixes acme/other#\u200d2, resolves: https:\u200d//github.com/acme/web/issues/3 @\u200dorg/team", "<U+202E>")
	noLiveText(t, "commit message", msg, false, fmt.Sprintf("%s#%d", e.r.full, e.c.number))
	mustNotContain(t, msg, "\u202e")
}

// TestEscapeSetValues: values typed after `set` reach the PR's title, body and commit subject
// neutralised.
func TestEscapeSetValues(t *testing.T) {
	e := newFixEnv(t, plainFiles, "apps/web/k8s")
	fixCreateDeployment(t, e.ns, "web", e.dep, "apps/web/k8s")
	value := strings.ReplaceAll(escHostile, `"`, "'")
	reply := e.c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s set \"env.NOTE=%s\" --container web", e.ns, value))
	mustContain(t, reply, "🔧 Opened [#")
	p := onePull(t, e.r)
	if !strings.HasPrefix(p.Title, "Fix deployment web in "+e.ns+": env.NOTE=Closes #\u200d1, fixes acme/other#\u200d2") || strings.Contains(p.Title, "\n") {
		t.Errorf("title %q", p.Title)
	}
	noLiveText(t, "PR title", p.Title, false)
	noLiveText(t, "reply", reply, true, fmt.Sprintf("#%d", p.Number))
	noLiveText(t, "PR body", p.Body, true, fmt.Sprintf("Closes #%d\n", e.c.number), "Opened by Rigel for @octocat", "by @octocat")
	msg := commitMessage(t, e.r, p.Head)
	noLiveText(t, "commit message", msg, false, fmt.Sprintf("%s#%d", e.r.full, e.c.number))
	if subject, _, _ := strings.Cut(msg, "\n"); !strings.HasPrefix(subject, "Fix deployment web in "+e.ns+": env.NOTE=Closes #\u200d1") {
		t.Errorf("commit subject %q", subject)
	}
}
