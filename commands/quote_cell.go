package commands

import (
	"strings"
)

// maxCell bounds the characters of one table cell.
const maxCell = 300

// cellEscaper turns what could end a markdown table cell, open HTML, start code, a link or a
// mention into HTML character references: the text shows as typed and stays in its cell.
var cellEscaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;",
	"|", "&#124;", "`", "&#96;", "[", "&#91;", "]", "&#93;", "@", "&#64;", `\`, "&#92;",
	"*", "&#42;", "_", "&#95;", "~", "&#126;",
)

// cell is text from the cluster, the registry, a repository or a person, made safe for a
// markdown table cell: one line, invisible characters shown as <U+XXXX>, HTML-escaped, with
// |, backticks, brackets, @ and emphasis marks as character references, at most maxCell
// characters.
func cell(s string) string {
	s = strings.Join(strings.Fields(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s)), " ")
	return cellEscaper.Replace(visible(short2(s, maxCell)))
}

// cellCode is s as code in a table cell: a markdown code span when s holds only characters
// that mean nothing there (letters, digits, and - . / : = , + * ? _ ~ # % ! $ ( ) { } and
// spaces), else <code> escaped as cell does. (A code span cannot be trusted with the rest:
// GitHub splits cells at a | even inside one, and a backslash changes what \| means.)
func cellCode(s string) string {
	if s != "" && len(s) <= maxCell && strings.Trim(s, spanSafe) == "" {
		return "`" + s + "`"
	}
	return "<code>" + cell(s) + "</code>"
}

const spanSafe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-./:=,+*?_~#%!$(){} "

// cellCodeList is a list of cellCode items, comma-separated.
func cellCodeList(list []string) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = cellCode(s)
	}
	return strings.Join(out, ", ")
}
