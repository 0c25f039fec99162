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
	for _, r := range s {
		if hidden(r) {
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
