package untrusted

import (
	"html"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

const j = "\u200d" // the joiner the neutralisers insert

// hostile are strings a workload owner, a repository or a commenter controls.
var hostile = map[string]string{
	"mention":        "ping @org/team and @alice",
	"closes":         "Closes #1",
	"closes colon":   "fixes: #7",
	"cross repo":     "fixes acme/other#2",
	"gh ref":         "resolved GH-3",
	"issue url":      "Resolves https://github.com/acme/web/issues/4",
	"link":           "see https://evil.example/x and www.evil.example",
	"image":          "![x](https://evil.example/i.png)",
	"html":           `<img src=x onerror=alert(1)><details><a href="https://evil.example">x</a>`,
	"marker":         "<!-- rigel:plan deployment=web commit=0000000000000000000000000000000000000000 digest=00 mac=00 -->",
	"unclosed":       "before <!-- the rest is hidden",
	"backticks":      "a`b``c```",
	"pipe":           "a | b",
	"rtl":            "abc\u202edef",
	"newlines":       "one\n# heading\n> quote\n---",
	"entity mention": "&#64;org/team",
	"backslash":      `\[x\](https://evil.example)`,
}

// notify finds what GitHub would act on: a mention, an issue reference (and so a closing
// keyword), an autolink, an HTML tag or comment delimiter.
var (
	liveMention = regexp.MustCompile(`(^|[^\w` + "`" + `])@[A-Za-z0-9]`)
	liveRef     = regexp.MustCompile(`(?i)(#|\bgh-)[0-9]`)
	liveLink    = regexp.MustCompile(`(?i)(https?://|www\.)`)
	liveHTML    = regexp.MustCompile(`<[A-Za-z!/]`)
)

func live(s string) []string {
	var out []string
	for name, re := range map[string]*regexp.Regexp{"mention": liveMention, "reference": liveRef, "link": liveLink} {
		if re.MatchString(s) {
			out = append(out, name)
		}
	}
	if HasCommentDelim(s) {
		out = append(out, "comment delimiter")
	}
	return out
}

func TestMarkdownText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"@org/team", "@" + j + "org/team"},
		{"Closes #1", "Closes #" + j + "1"},
		{"fixes acme/other#2", "fixes acme/other#" + j + "2"},
		{"https://evil.example/x", "https:" + j + "//evil.example/x"},
		{"<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"},
		{"<!-- rigel:plan x -->", "&lt;!-- rigel:plan x --&gt;"},
		{"unclosed <!--", "unclosed &lt;!--"},
		{"a`b", "a'b"},
		{"a|b", `a\|b`},
		{"![x](y)", `!\[x\](y)`},
		{`\[x\]`, `\\\[x\\\]`},
		{"&#64;org", "&amp;#" + j + "64;org"},
		{"\u202eweb", "&lt;U+202E&gt;web"},
		{"one\n# two", "one # two"},
		{"GH-12 and gh-3", "GH-" + j + "12 and gh-" + j + "3"},
		{"www.evil.example", "www" + j + ".evil.example"},
		{"a@b.example", "a@" + j + "b.example"},
	}
	for _, tc := range tests {
		if got := MarkdownText(tc.in); got != tc.want {
			t.Errorf("MarkdownText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for name, s := range hostile {
		got := MarkdownText(s)
		if l := live(got); len(l) > 0 || liveHTML.MatchString(got) || strings.ContainsAny(got, "\n`") || unescaped(got, "[]") {
			t.Errorf("%s: MarkdownText(%q) = %q still has %v", name, s, got, l)
		}
		if MarkdownText(Visible(s)) != MarkdownText(s) && !strings.ContainsAny(s, "&\\<>[]|`\n") {
			t.Errorf("%s: quoting twice shows other text", name)
		}
	}
	long := MarkdownText(strings.Repeat("a", 100000))
	if n := utf8.RuneCountInString(long); n != MaxText+1 || !strings.HasSuffix(long, "…") {
		t.Errorf("a 100 KB text is %d characters, want %d ending in …", n, MaxText+1)
	}
}

func TestMarkdownCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"web", "`web`"},
		{"a`b``c", "`a'b''c`"},
		{"nginx@sha256:abc", "`nginx@sha256:abc`"}, // mentions mean nothing in code; digests stay
		{"https://example/x", "`https://example/x`"},
		{"Closes #1", "`Closes #" + j + "1`"},
		{"<!-- rigel:plan x -->", "`<" + j + "!-- rigel:plan x --" + j + ">`"},
		{"unclosed <!--", "`unclosed <" + j + "!--`"},
		{"\u202eweb", "`<U+202E>web`"},
		{"a\nb", "`a<U+000A>b`"},
	}
	for _, tc := range tests {
		if got := MarkdownCode(tc.in); got != tc.want {
			t.Errorf("MarkdownCode(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := MarkdownCode(Inert(tc.in)); got != MarkdownCode(tc.in) {
			t.Errorf("MarkdownCode is not stable under Inert for %q: %q", tc.in, got)
		}
	}
	for name, s := range hostile {
		got := MarkdownCode(s)
		if strings.Count(got, "`") != 2 || HasCommentDelim(got) || liveRef.MatchString(got) || strings.Contains(got, "\n") {
			t.Errorf("%s: MarkdownCode(%q) = %q", name, s, got)
		}
	}
	if n := utf8.RuneCountInString(MarkdownCode(strings.Repeat("é", 100000))); n != MaxText+3 {
		t.Errorf("a long code span is %d characters, want %d", n, MaxText+3)
	}
}

func TestMarkdownBlock(t *testing.T) {
	got := MarkdownBlock("diff", "+ a\n```\n<!-- rigel:plan -->\nfixes #9 \u202e\tx\n", 0)
	want := "````diff\n+ a\n```\n<" + j + "!-- rigel:plan --" + j + ">\nfixes #" + j + "9 <U+202E>\tx\n````"
	if got != want {
		t.Errorf("MarkdownBlock = %q, want %q", got, want)
	}
	long := MarkdownBlock("", strings.Repeat("line\n", 10000), 1000)
	if !strings.Contains(long, "… (cut: 1000 characters shown)\n```") || len(long) > 1100 {
		t.Errorf("a long block is not cut at a line with a note: %d bytes, ends %q", len(long), long[len(long)-60:])
	}
	for name, s := range hostile {
		got := MarkdownBlock("", s, 0)
		f := Fence(s)
		if !strings.HasPrefix(got, f+"\n") || !strings.HasSuffix(got, "\n"+f) || strings.Count(got, f) != 2 || HasCommentDelim(got) {
			t.Errorf("%s: MarkdownBlock(%q) = %q", name, s, got)
		}
	}
}

func TestHTMLCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"</code><img src=x>", "<code>&lt;/code&gt;&lt;img src=x&gt;</code>"},
		{"a|b", "<code>a&#124;b</code>"},
		{"<!-- x -->", "<code>&lt;!-- x --&gt;</code>"},
		{"fixes #1", "<code>fixes #" + j + "1</code>"},
	}
	for _, tc := range tests {
		if got := HTMLCode(tc.in); got != tc.want {
			t.Errorf("HTMLCode(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPullTitle(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Fix deployment web: env.A=@org/team", "Fix deployment web: env.A=@" + j + "org/team"},
		{"env.X=Closes #1", "env.X=Closes #" + j + "1"},
		{"env.X=fixes acme/other#2", "env.X=fixes acme/other#" + j + "2"},
		{"env.X=https://evil.example/x", "env.X=https:" + j + "//evil.example/x"},
		{"env.X=`code`", "env.X='code'"},
		{"env.X=<!-- rigel:plan -->", "env.X=<" + j + "!-- rigel:plan --" + j + ">"},
		{"a\nb\r\nc", "a b c"},
		{"\u202eweb", "<U+202E>web"},
	}
	for _, tc := range tests {
		if got := PullTitle(tc.in); got != tc.want {
			t.Errorf("PullTitle(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for name, s := range hostile {
		got := PullTitle("Fix: " + s)
		if l := live(got); len(l) > 0 || strings.ContainsAny(got, "\n`") {
			t.Errorf("%s: PullTitle(%q) = %q still has %v", name, s, got, l)
		}
	}
	long := PullTitle(strings.Repeat("x", 100000))
	if n := utf8.RuneCountInString(long); n != MaxTitle || !strings.HasSuffix(long, "…") {
		t.Errorf("a long title is %d characters, want %d ending in …", n, MaxTitle)
	}
}

func TestPullBody(t *testing.T) {
	for name, v := range hostile {
		body := "Rigel proposes …\n\n- saw: " + MarkdownText(v) + "\n- image: " + MarkdownCode(v) + "\n\n" + MarkdownBlock("diff", v, 0) + "\n\n" + Textf("Container %s: %s", Code(v), Quote(v)).Markdown() + "\n"
		got := PullBody(body, "Closes #12\n")
		if !strings.HasSuffix(got, "\nCloses #12\n") {
			t.Errorf("%s: Rigel's own trailer is not kept as is:\n%s", name, got)
		}
		head := strings.TrimSuffix(got, "Closes #12\n")
		saw, _, _ := strings.Cut(strings.TrimPrefix(head, "Rigel proposes …\n\n- saw: "), "\n")
		if l := live(saw); len(l) > 0 || liveHTML.MatchString(saw) {
			t.Errorf("%s: the body's text still has %v:\n%s", name, l, saw)
		}
		if HasCommentDelim(head) || liveRef.MatchString(head) {
			t.Errorf("%s: the body has a comment delimiter or a reference:\n%s", name, head)
		}
	}
	if got := PullBody("raw <!-- x\n", ""); got != "raw <"+j+"!-- x\n" {
		t.Errorf("a comment delimiter that missed the Markdown sinks is not made inert: %q", got)
	}
	huge := PullBody("## Change\n\n"+strings.Repeat("+ line of a diff\n", 10000), "Closes #12\n")
	if len(huge) > MaxPullBody || !strings.HasSuffix(huge, "the Files changed tab has the whole change)*\nCloses #12\n") {
		t.Errorf("a 170 KB body is %d bytes (max %d), ends %q", len(huge), MaxPullBody, huge[len(huge)-120:])
	}
	if !utf8.ValidString(PullBody(strings.Repeat("é", 100000), "")) {
		t.Error("cutting broke a character")
	}
}

func TestCommitMessage(t *testing.T) {
	got := CommitMessage("Fix deployment web: env.A=@org/team Closes #1\nSigned-off-by: x",
		"- Container `web` terminated: Closes #1, fixes acme/other#2, resolves: https://github.com/acme/web/issues/3, cc @org/team\n- <!-- rigel:plan -->\u202e",
		"Proposed by Rigel for alice in issue acme/web#12.")
	want := "Fix deployment web: env.A=@" + j + "org/team Closes #" + j + "1 Signed-off-by: x\n\n" +
		"- Container `web` terminated: Closes #" + j + "1, fixes acme/other#" + j + "2, resolves: https:" + j + "//github.com/acme/web/issues/3, cc @" + j + "org/team\n" +
		"- <" + j + "!-- rigel:plan --" + j + "><U+202E>\n\n" +
		"Proposed by Rigel for alice in issue acme/web#12.\n"
	if got != want {
		t.Errorf("CommitMessage =\n%q\nwant\n%q", got, want)
	}
	subject, _, _ := strings.Cut(CommitMessage(strings.Repeat("long subject ", 20), "", ""), "\n")
	if !strings.HasSuffix(subject, "…") || utf8.RuneCountInString(subject) > MaxSubject {
		t.Errorf("subject is %d characters, max %d", utf8.RuneCountInString(subject), MaxSubject)
	}
	for name, s := range hostile {
		msg := CommitMessage("Fix: "+s, "- "+s, "")
		if l := live(msg); len(l) > 0 {
			t.Errorf("%s: CommitMessage has %v:\n%s", name, l, msg)
		}
		if sub, _, _ := strings.Cut(msg, "\n"); strings.Contains(s, "\n") && strings.Count(msg, "\n") < 3 || strings.ContainsAny(sub, "\r") {
			t.Errorf("%s: the subject is not one line: %q", name, msg)
		}
	}
	if huge := CommitMessage("x", strings.Repeat("y", 100000), "T"); len(huge) > MaxCommitMessage+100 || !strings.HasSuffix(huge, "(cut)\n\nT\n") {
		t.Errorf("a 100 KB body is %d bytes, ends %q", len(huge), huge[len(huge)-20:])
	}
}

func TestCheckOutput(t *testing.T) {
	for name, v := range hostile {
		got := CheckOutput("### Diff\n\n" + MarkdownText(v) + "\n")
		if l := live(got); len(l) > 0 || liveHTML.MatchString(got) {
			t.Errorf("%s: check output still has %v:\n%s", name, l, got)
		}
	}
	if got := CheckOutput("raw <!-- rigel:plan"); HasCommentDelim(got) {
		t.Errorf("a comment delimiter that missed the Markdown sinks is not made inert: %q", got)
	}
	huge := CheckOutput(strings.Repeat("ü", 100000))
	if len(huge) > MaxCheckOutput || !strings.HasSuffix(huge, "longer than a check run's output may be)*\n") || !utf8.ValidString(huge) {
		t.Errorf("a 200 KB output is %d bytes (max %d)", len(huge), MaxCheckOutput)
	}
}

func TestText(t *testing.T) {
	msg := "Closes #1 @org/team <img src=x> <!-- rigel:plan `x` https://evil.example/x\n\u202e"
	tx := Textf("Container %s of %s terminated %d times: %s.", Code("web`@x"), Code("nginx@sha256:ab <!--"), 3, Quote(msg))
	if got, want := tx.Markdown(), "Container `web'@x` of `nginx@sha256:ab <"+j+"!--` terminated 3 times: Closes #"+j+"1 @"+j+"org/team &lt;img src=x&gt; &lt;!-- rigel:plan 'x' https:"+j+"//evil.example/x &lt;U+202E&gt;."; got != want {
		t.Errorf("Markdown:\n%q\nwant\n%q", got, want)
	}
	if got, want := tx.Plain(), "Container `web'@"+j+"x` of `nginx@"+j+"sha256:ab <"+j+"!--` terminated 3 times: Closes #"+j+"1 @"+j+"org/team <img src=x> <"+j+"!-- rigel:plan 'x' https:"+j+"//evil.example/x <U+202E>."; got != want {
		t.Errorf("Plain:\n%q\nwant\n%q", got, want)
	}
	nested := Textf("%s; then %s", tx, Own("done"))
	if !strings.HasPrefix(nested.Markdown(), tx.Markdown()+"; then done") {
		t.Errorf("a nested Text: %q", nested.Markdown())
	}
	if got := Textf("own %s", "a\x00b").Markdown(); got != "own ab" {
		t.Errorf("a NUL in an argument: %q", got)
	}
	if n := utf8.RuneCountInString(Textf("%s", Quote(strings.Repeat("a", 100000))).Markdown()); n != MaxQuote+1 {
		t.Errorf("a long quote is %d characters, want %d", n, MaxQuote+1)
	}
}

func TestVisibleKeepsItsJoiners(t *testing.T) {
	for _, s := range []string{"@org", "#1", "GH-2", "https://x", "www.x", "<!-- x -->"} {
		n := neutral(Inert(s))
		if Visible(n) != n {
			t.Errorf("Visible shows a joiner a neutraliser put in %q: %q", s, Visible(n))
		}
		if neutral(n) != n || Inert(n) != n {
			t.Errorf("neutralising %q twice changes it", s)
		}
	}
	if got := Visible("a\u200db"); got != "a<U+200D>b" {
		t.Errorf("a joiner typed elsewhere is hidden: %q", got)
	}
}

// unescaped says whether s holds one of chars without a backslash escaping it.
func unescaped(s, chars string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if strings.IndexByte(chars, s[i]) >= 0 {
			return true
		}
	}
	return false
}

func TestTableCell(t *testing.T) {
	for name, s := range hostile {
		for i, got := range []string{TableCell(s), TableCode(s)} {
			shown := html.UnescapeString(strings.TrimSuffix(strings.TrimPrefix(got, "<code>"), "</code>"))
			var l []string
			for _, x := range live(shown) {
				if x != "comment delimiter" { // shown as text: &lt;!--
					l = append(l, x)
				}
			}
			if HasCommentDelim(got) {
				l = append(l, "comment delimiter")
			}
			if i == 1 && strings.HasPrefix(got, "`") && len(l) == 1 && l[0] == "link" {
				l = nil // a code span links nothing
			}
			if len(l) > 0 || liveHTML.MatchString(strings.TrimSuffix(strings.TrimPrefix(got, "<code>"), "</code>")) || strings.ContainsAny(got, "\n|[]") {
				t.Errorf("%s: a cell of %q is %q, with %v", name, s, got, l)
			}
		}
	}
	if got := TableCode("nginx:1.27"); got != "`nginx:1.27`" {
		t.Errorf("a plain value is not a code span: %q", got)
	}
	if n := utf8.RuneCountInString(TableCell(strings.Repeat("é", 100000))); n != MaxCell+1 {
		t.Errorf("a long cell is %d characters, want %d", n, MaxCell+1)
	}
}

// TestTextBlock: a log tail in a sentence is a code block it cannot end, indented into its
// list item, in Markdown; indented neutral lines in plain text.
func TestTextBlock(t *testing.T) {
	tx := Textf("Its last lines:%s", Block("panic: ``` @org/team <!-- x -->\nfixes #12\n"))
	if got, want := tx.Markdown(), "Its last lines:\n\n  ````text\n  panic: ``` @org/team <\u200d!-- x --\u200d>\n  fixes #\u200d12\n  ````"; got != want {
		t.Errorf("Markdown =\n%q\nwant\n%q", got, want)
	}
	plain := tx.Plain()
	if !strings.HasPrefix(plain, "Its last lines:\n    panic: ''' ") || strings.Contains(plain, "@org") || strings.Contains(plain, "#12") || strings.Contains(plain, "<!--") {
		t.Errorf("Plain = %q", plain)
	}
}
