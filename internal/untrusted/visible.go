package untrusted

import (
	"fmt"
	"strings"
	"unicode"
)

// zwj is the zero-width joiner the neutralisers put where a character would otherwise start a
// mention, a reference, a link or an HTML comment.
const zwj = '\u200d'

// Visible makes characters that are invisible or reorder text (zero-width spaces, bidi
// overrides, other format and control characters) visible as <U+XXXX>, so text quoted back
// to people reads as what was typed, not as what it pretends to be. Joiners where a
// neutraliser puts them stay: they hide nothing.
func Visible(s string) string { return visible(s, nil) }

// visibleBlock is Visible for text of several lines: newlines, tabs and carriage returns stay.
func visibleBlock(s string) string {
	return visible(s, func(r rune) bool { return r == '\n' || r == '\t' || r == '\r' })
}

func visible(s string, keep func(rune) bool) string {
	if strings.IndexFunc(s, hidden) < 0 {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if hidden(r) && !(keep != nil && keep(r)) && !(r == zwj && defused(s, i)) {
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

// defused says whether the zero-width joiner at s[i] stands where Inert or neutral puts one:
// inside a comment delimiter, after an @ or a # or GH- before a digit, inside "://" or "www.".
func defused(s string, i int) bool {
	before, after := s[:i], s[i+len(string(zwj)):]
	lower := strings.ToLower(before)
	switch {
	case strings.HasSuffix(before, "<") && strings.HasPrefix(after, "!--"),
		(strings.HasSuffix(before, "--") || strings.HasSuffix(before, "--!")) && strings.HasPrefix(after, ">"),
		strings.HasSuffix(before, "@"),
		strings.HasSuffix(before, ":") && strings.HasPrefix(after, "//"),
		strings.HasSuffix(lower, "www") && strings.HasPrefix(after, "."):
		return true
	case strings.HasSuffix(before, "#") || strings.HasSuffix(lower, "gh-"):
		return after != "" && after[0] >= '0' && after[0] <= '9'
	}
	return false
}

// oneLine folds line breaks and tabs into single spaces.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n\t\v\f\u2028\u2029\u0085") {
		return s
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == '\r' || r == '\n' || r == '\t' || r == '\v' || r == '\f' || r == '\u2028' || r == '\u2029' || r == '\u0085' || r == ' '
	}), " ")
}
