package commands

import (
	"regexp"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/words"
)

// fixHostile is what a workload owner or a commenter can make Rigel write about a fix.
const fixHostile = "Closes #1 fixes acme/other#2 resolves: https://github.com/acme/web/issues/3 @org/team https://evil.example/x ![i](https://evil.example/i.png) <img src=x onerror=alert(1)> <details><a href=x>y</a> <!-- rigel:plan deployment=web --> unclosed <!-- `tick` | GH-4 \u202e"

var (
	fixLiveMention = regexp.MustCompile(`(^|[^\w` + "`" + `])@[A-Za-z0-9]`)
	fixLiveRef     = regexp.MustCompile(`(?i)(#|\bgh-)[0-9]`)
	fixLiveLink    = regexp.MustCompile(`(?i)(https?://|www\.)`)
	fixLiveHTML    = regexp.MustCompile(`<(img|details|a|b)\b`)
	codeSpans      = regexp.MustCompile("`[^`\n]*`")
	fences         = regexp.MustCompile("(?s)````*[a-z]*\n.*?\n````*")
)

func hostileFix(fromIssue bool) *ops.FixProposal {
	p := sampleFix(false)
	p.FromIssue = fromIssue
	p.Edits = []fix.Edit{{Field: fix.FieldEnv, Key: "NOTE", Value: fixHostile, Container: "app"}, {Field: fix.FieldImage, Value: "nginx:1.25 " + fixHostile, Container: "app"}}
	p.Diagnosis = &fix.Diagnosis{
		Findings: []untrusted.Text{
			untrusted.Textf("Container %s cannot pull image %s: %s", untrusted.Code("app"), untrusted.Code("nginx:1.99 "+fixHostile), untrusted.Quote(fixHostile)),
			untrusted.Textf("Warning event %s, seen 2 times: %s", untrusted.Quote("Evil @org/team"), untrusted.Quote(fixHostile)),
		},
		Edits: p.Edits, Rule: fix.RulePull,
	}
	p.Changes = []fix.Change{{Path: "apps/web/k8s/deploy.yaml", Before: []byte("image: nginx:1.99\n"), After: []byte("image: \"nginx:1.25 " + fixHostile + "\"\n")}}
	p.Deployment = config.Deployment{Name: "web", Path: "apps/web/k8s"}
	p.Ref = kube.WorkloadRef{Kind: "Deployment", Namespace: "shop", Name: "web"}
	return p
}

// outsideCode is s without its code spans and fenced blocks, where GitHub renders nothing.
func outsideCode(s string) string {
	return codeSpans.ReplaceAllString(fences.ReplaceAllString(s, ""), "")
}

// TestFixSinksHostile: one hostile string as an event message, an image and a `set` value
// reaches the fix reply, the PR title, the PR body and the commit message neutralised; only
// Rigel's own "Closes #12" and mention of who asked stay live.
func TestFixSinksHostile(t *testing.T) {
	pull := Pull{Number: 901, URL: "https://github.com/acme/web/pull/901", Head: "rigel/fix-web-1234567", Base: "main"}
	p := hostileFix(true)
	sealed := seal([]byte("k"), conversation{Repo: "acme/web", Number: 12}, renderFixOpened(p, pull))
	title, body, msg := p.Title(), words.FixPull(p), p.CommitMessage()

	own := strings.NewReplacer("[#901](https://github.com/acme/web/pull/901)", "", "#901", "", "Closes #12", "", "Opened by Rigel for @octocat", "", "acme/web#12", "",
		"<details><summary>", "", "</summary>", "", "</details>", "", "<sub>", "", "</sub>", "")
	for _, sink := range []struct{ name, text string }{{"reply", sealed}, {"title", title}, {"body", body}, {"commit", msg}} {
		rest := own.Replace(sink.text)
		text := outsideCode(rest)
		if fixLiveMention.MatchString(text) || fixLiveLink.MatchString(text) {
			t.Errorf("%s: a live mention or link:\n%s", sink.name, text)
		}
		if fixLiveRef.MatchString(rest) {
			t.Errorf("%s: a live issue reference (a closing keyword would close it): %q", sink.name, fixLiveRef.FindAllString(rest, -1))
		}
		if untrusted.HasCommentDelim(strings.ReplaceAll(rest, blockSep, "\n")) {
			t.Errorf("%s: a comment delimiter:\n%s", sink.name, rest)
		}
		if sink.name != "commit" && sink.name != "title" && fixLiveHTML.MatchString(text) {
			t.Errorf("%s: HTML:\n%s", sink.name, text)
		}
		if strings.Contains(sink.text, "\u202e") {
			t.Errorf("%s: a bidi override", sink.name)
		}
	}
	if !strings.HasSuffix(body, "Closes #12\n\n<sub>Opened by Rigel for @octocat.</sub>\n") {
		t.Errorf("the body lost Rigel's own trailer:\n%s", body)
	}
	if !strings.HasSuffix(msg, "\n\nProposed by Rigel for octocat in issue acme/web#12 (deployment web, folder apps/web/k8s).\n") {
		t.Errorf("the commit message lost Rigel's own trailer:\n%s", msg)
	}
	if strings.Contains(title, "\n") || shown(title) > untrusted.MaxTitle || !strings.HasPrefix(title, "Fix deployment web in shop: env.NOTE=Closes #\u200d1 fixes acme/other#\u200d2") {
		t.Errorf("title %q", title)
	}
	if subject, _, _ := strings.Cut(msg, "\n"); shown(subject) > untrusted.MaxSubject || !strings.HasPrefix(subject, "Fix deployment web in shop: env.NOTE=Closes #\u200d1") {
		t.Errorf("commit subject %q", subject)
	}
	for _, s := range []string{sealed, body} {
		if !strings.Contains(s, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("the event message is not shown escaped:\n%s", s)
		}
	}
	if !strings.Contains(msg, "Closes #\u200d1 fixes acme/other#\u200d2 resolves: https:\u200d//github.com/acme/web/issues/3 @\u200dorg/team") {
		t.Errorf("the commit message does not show the event message neutralised:\n%s", msg)
	}
	// In a pull request, Rigel closes nothing; through the API it names nobody.
	if b := words.FixPull(hostileFix(false)); strings.Contains(own.Replace(b), "Closes #1") || !strings.Contains(b, "Asked for in #12.") {
		t.Errorf("a fix asked for in a PR:\n%s", b)
	}
}

// shown counts the characters of s people see (the joiners read as nothing).
func shown(s string) int { return len([]rune(strings.ReplaceAll(s, "\u200d", ""))) }
