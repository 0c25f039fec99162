package untrusted

import (
	"strings"
)

// commentDelims open or close an HTML comment ("--!>" closes one too, in HTML).
var commentDelims = []string{"<!--", "-->", "--!>"}

// defuser breaks each delimiter with a zero-width joiner: it reads the same, and is no longer
// a delimiter for GitHub's markdown, for browsers, nor for Rigel's marker reader.
var defuser = strings.NewReplacer("<!--", "<\u200d!--", "-->", "--\u200d>", "--!>", "--!\u200d>")

// Inert keeps text from opening or closing an HTML comment: a person's text must never become
// one of Rigel's hidden markers, nor hide the rest of a reply. One pass can leave a delimiter
// that overlapped another ("<!--->"), so it repeats; each pass only separates characters, so
// it ends.
func Inert(s string) string {
	for HasCommentDelim(s) {
		s = defuser.Replace(s)
	}
	return s
}

// HasCommentDelim says whether s holds an HTML comment opener or closer.
func HasCommentDelim(s string) bool {
	for _, d := range commentDelims {
		if strings.Contains(s, d) {
			return true
		}
	}
	return false
}

// neutral puts a zero-width joiner where GitHub would otherwise act on s: after an @ before a
// letter or digit (a mention, which notifies, or an e-mail autolink); after # and GH- before
// a digit (an issue reference, which notifies the issue and, after a closing keyword, closes
// it); inside "://" and after "www" before "." (links and autolinks, including issue URLs a
// closing keyword would take). It is idempotent.
func neutral(s string) string { return joinAt(s, mentionOrLink) }

// neutralRefs only breaks issue references ("#1", "GH-1"): for code, where GitHub neither
// mentions nor links, but a closing keyword may still be read.
func neutralRefs(s string) string { return joinAt(s, reference) }

func joinAt(s string, at func(s string, i int) bool) string {
	var b strings.Builder
	last := 0
	for i := 1; i < len(s); i++ {
		if at(s, i) {
			if b.Len() == 0 {
				b.Grow(len(s) + 16)
			}
			b.WriteString(s[last:i])
			b.WriteRune(zwj)
			last = i
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }

func digit(c byte) bool { return c >= '0' && c <= '9' }

// reference: s[i] is a digit after # or GH-.
func reference(s string, i int) bool {
	if !digit(s[i]) {
		return false
	}
	return s[i-1] == '#' || i >= 3 && strings.EqualFold(s[i-3:i], "gh-")
}

// mentionOrLink: a joiner goes before s[i].
func mentionOrLink(s string, i int) bool {
	switch {
	case reference(s, i):
		return true
	case s[i-1] == '@':
		return alnum(s[i]) || s[i] == '_' || s[i] == '-'
	case s[i-1] == ':':
		return strings.HasPrefix(s[i:], "//")
	case s[i] == '.':
		return i >= 3 && strings.EqualFold(s[i-3:i], "www")
	}
	return false
}
