package untrusted

import (
	"strings"
)

// MaxCell bounds the characters of one table cell.
const MaxCell = 300

// cellEscaper turns what could end a markdown table cell, open HTML, start code, a link or a
// mention into HTML character references: the text shows as typed and stays in its cell.
var cellEscaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;",
	"|", "&#124;", "`", "&#96;", "[", "&#91;", "]", "&#93;", "@", "&#64;", `\`, "&#92;",
	"*", "&#42;", "_", "&#95;", "~", "&#126;",
)

// TableCell is s made safe for a markdown table cell: one line, invisible characters shown as
// <U+XXXX>, mentions, issue references and links neutralised, HTML-escaped, with |,
// backticks, brackets, @ and emphasis marks as character references, at most MaxCell
// characters.
func TableCell(s string) string {
	s = strings.Join(strings.Fields(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s)), " ")
	return cellEscaper.Replace(neutral(Visible(cut(s, MaxCell))))
}

// TableCode is s as code in a table cell: a markdown code span when s holds only characters
// that mean nothing there (letters, digits, and - . / : = , + * ? _ ~ % ! $ ( ) { } and
// spaces, no issue reference), else <code> escaped as TableCell does. (A code span cannot be
// trusted with the rest: GitHub splits cells at a | even inside one, and a backslash changes
// what \| means.)
func TableCode(s string) string {
	if s != "" && len(s) <= MaxCell && strings.Trim(s, spanSafe) == "" && neutralRefs(s) == s {
		return "`" + s + "`"
	}
	return "<code>" + TableCell(s) + "</code>"
}

const spanSafe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-./:=,+*?_~#%!$(){} "
