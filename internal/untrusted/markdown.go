package untrusted

import (
	"html"
	"strings"
)

// Bounds of the Markdown sinks, in characters.
const (
	MaxText  = 1000  // one MarkdownText or MarkdownCode
	MaxBlock = 20000 // one MarkdownBlock
)

// mdEscaper turns what Markdown would read as HTML, an entity, a link or image, code, a table
// cell break or an escape into text that shows as typed.
var mdEscaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`, `\`, `\\`, "|", `\|`, "`", "'",
)

// MarkdownText is s as inline Markdown text: one line, at most MaxText characters, invisible
// characters shown, HTML and entities escaped (so no tag, image or comment delimiter is left),
// brackets escaped (no link or image), backticks as ' (no code span), | escaped (no table
// cell break), and mentions, issue references and links neutralised.
func MarkdownText(s string) string {
	return mdEscaper.Replace(neutral(Visible(oneLine(cut(s, MaxText)))))
}

// MarkdownCode is s as an inline code span: backticks become ' (they would end the span),
// invisible characters and line breaks show as <U+XXXX>, comment delimiters are made inert
// and issue references broken (a closing keyword may be read anywhere); mentions and links
// mean nothing in code, so an image digest "@sha256:…" or a URL stays as typed. At most
// MaxText characters. Not for table cells (TableCode).
func MarkdownCode(s string) string { return "`" + MarkdownCodeText(s) + "`" }

// MarkdownCodeText is what MarkdownCode puts between the backticks, for a code span whose
// backticks are Rigel's (a format like "`env.%s`").
func MarkdownCodeText(s string) string {
	return strings.ReplaceAll(neutralRefs(Inert(Visible(cut(s, MaxText)))), "`", "'")
}

// MarkdownBlock is s as a fenced code block in language lang ("" for none, else letters and
// digits): the fence is longer than any run of backticks in s, so s cannot end it; lines
// stay, invisible characters show, comment delimiters are made inert and issue references
// broken; at most limit characters (MaxBlock when limit is 0), cut at a line with a note.
func MarkdownBlock(lang, s string, limit int) string {
	if limit <= 0 {
		limit = MaxBlock
	}
	s = neutralRefs(Inert(visibleBlock(cutLines(s, limit, "… (cut: "+itoa(limit)+" characters shown)"))))
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	f := Fence(s)
	return f + strings.Trim(lang, "`~ \n") + "\n" + s + f
}

// Fence returns a code fence longer than any run of backticks in s.
func Fence(s string) string {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// HTMLCode quotes s as <code> inside HTML (a <summary>, a table cell): s cannot close the tag
// or open another, nor break a table cell.
func HTMLCode(s string) string {
	return "<code>" + strings.ReplaceAll(html.EscapeString(neutralRefs(Visible(cut(s, MaxText)))), "|", "&#124;") + "</code>"
}
