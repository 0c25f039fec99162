package commands

import (
	"fmt"
	"html"
	"strings"
	"unicode"
)

// visible makes characters that are invisible or reorder text (zero-width spaces, bidi
// overrides, other format and control characters) visible as <U+XXXX>, so text quoted back
// to people reads as what was typed, not as what it pretends to be.
func visible(s string) string {
	if strings.IndexFunc(s, hidden) < 0 {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if hidden(r) && !(r == zwj && defused(s, i)) {
			fmt.Fprintf(&b, "<U+%04X>", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func hidden(r rune) bool {
	return unicode.Is(unicode.Cf, r) || unicode.IsControl(r) || r == unicode.ReplacementChar ||
		unicode.Is(unicode.Zs, r) && r != ' ' || r == '\u2028' || r == '\u2029'
}

// htmlCode quotes s as <code> inside HTML (a <summary>, a table cell): s cannot close the tag
// or open another.
func htmlCode(s string) string {
	return "<code>" + strings.ReplaceAll(html.EscapeString(visible(s)), "|", "&#124;") + "</code>"
}

// zwj is the zero-width joiner inert puts inside "<!--" and "-->".
const zwj = '\u200d'

// commentDelims open or close an HTML comment ("--!>" closes one too, in HTML).
var commentDelims = []string{"<!--", "-->", "--!>"}

// defuser breaks each delimiter with a zero-width joiner: it reads the same, and is no longer
// a delimiter for GitHub's markdown, for browsers, nor for Rigel's marker reader.
var defuser = strings.NewReplacer("<!--", "<\u200d!--", "-->", "--\u200d>", "--!>", "--!\u200d>")

// inert keeps text Rigel quotes back from opening or closing an HTML comment in a reply: a
// person's text must never become one of Rigel's hidden markers, nor hide the rest of the
// reply. One pass can leave a delimiter that overlapped another ("<!--->"), so it repeats;
// each pass only separates characters, so it ends.
func inert(s string) string {
	for hasDelim(s) {
		s = defuser.Replace(s)
	}
	return s
}

func hasDelim(s string) bool {
	for _, d := range commentDelims {
		if strings.Contains(s, d) {
			return true
		}
	}
	return false
}

// defused says whether the zero-width joiner at s[i] is one inert put there, which visible
// keeps (it hides nothing: the text reads as typed).
func defused(s string, i int) bool {
	before, after := s[:i], s[i+len(string(zwj)):]
	return strings.HasSuffix(before, "<") && strings.HasPrefix(after, "!--") ||
		(strings.HasSuffix(before, "--") || strings.HasSuffix(before, "--!")) && strings.HasPrefix(after, ">")
}
