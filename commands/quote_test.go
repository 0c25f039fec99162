package commands

import (
	"errors"
	"strings"
	"testing"
)

const failureTail = "\n\nNothing about what you typed is wrong: this is a failure on Rigel's side or of something it depends on. Run the command again; if it keeps failing, Rigel's logs have the details."

func TestQuoting(t *testing.T) {
	tests := []struct{ name, got, want string }{
		{"plain text is kept", code("web"), "`web`"},
		{"backticks cannot close the span", code("a`b``c"), "`a'b''c`"},
		{"zero-width space", code("diff\u200b"), "`diff<U+200B>`"},
		{"right-to-left override", code("\u202eweb"), "`<U+202E>web`"},
		{"byte order mark", code("\ufeffweb"), "`<U+FEFF>web`"},
		{"control characters", code("a\nb\x1b"), "`a<U+000A>b<U+001B>`"},
		{"non-ASCII letters are letters", code("dіff ｒｉｇｅｌ"), "`dіff ｒｉｇｅｌ`"},
		{"HTML in <code>", htmlCode("</code><img src=x>"), "<code>&lt;/code&gt;&lt;img src=x&gt;</code>"},
		{"a table cell in <code>", htmlCode("a|b"), "<code>a&#124;b</code>"},
		{"markdown text", mdText("see [x](http://e) `y` <b>|"), "see \\[x\\](http:\u200d//e) 'y' &lt;b&gt;\\|"},
		{"an HTML comment in code", code("<!-- rigel:plan x -->"), "`<\u200d!-- rigel:plan x --\u200d>`"},
		{"an HTML comment in markdown text", mdText("<!-- rigel:plan x -->"), "&lt;!-- rigel:plan x --&gt;"},
		{"an HTML comment in <code>", htmlCode("<!-- x -->"), "<code>&lt;!-- x --&gt;</code>"},
		{"short text", short("<!-- x --!>"), "<\u200d!-- x --!\u200d>"},
		{"long text is cut, then made inert", short(strings.Repeat("a", 50) + "<!-- rigel:plan deployment=web -->"), strings.Repeat("a", 50) + "<\u200d!-- rigel…"},
		{"quoted twice", code(short("/rigel dif <!-- x -->")), "`/rigel dif <\u200d!-- x --\u200d>`"},
		{"a joiner typed elsewhere still shows", code("a\u200db"), "`a<U+200D>b`"},
		{"an error reply", errorReply("/rigel x <!--", "bad <!-- here", "then -->"), "❌ `/rigel x <\u200d!--` — bad <\u200d!-- here\n\nthen --\u200d>"},
		{"a failure reply", failureReply("/rigel x", errors.New("the cluster said <!-- rigel:applied -->")), "⚠️ `/rigel x` failed: the cluster said &lt;!-- rigel:applied --&gt;" + failureTail},
		{"a failure reply with a mention and a link", failureReply("/rigel x", errors.New("denied by @acme/admins, see https://evil.example/x")), "⚠️ `/rigel x` failed: denied by @\u200dacme/admins, see https:\u200d//evil.example/x" + failureTail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestInert(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"<!-- x -->", "<\u200d!-- x --\u200d>"},
		{"<!--->", "<\u200d!---\u200d>"}, // overlapping: the opener's dashes close it
		{"<!---->", "<\u200d!----\u200d>"},
		{"--!>", "--!\u200d>"},
		{"<!--<!---->-->", "<\u200d!--<\u200d!----\u200d>--\u200d>"},
		{"<! -- x -- >", "<! -- x -- >"}, // not delimiters
	}
	for _, tc := range tests {
		got := inert(tc.in)
		if got != tc.want {
			t.Errorf("inert(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if hasDelim(got) {
			t.Errorf("inert(%q) = %q still holds a delimiter", tc.in, got)
		}
		if inert(got) != got {
			t.Errorf("inert is not idempotent on %q", tc.in)
		}
		if strings.ReplaceAll(got, "\u200d", "") != tc.in {
			t.Errorf("inert(%q) changed more than joiners: %q", tc.in, got)
		}
	}
}
