package words

import "github.com/rigel-gitops/rigel/internal/untrusted"

// The Markdown primitives the replies are written with. Text from the cluster, a repository
// or a person goes through the escaper of its sink (package untrusted).

// MaxListed bounds the objects a refusal lists one by one.
const MaxListed = 20

// Code quotes s as inline code (untrusted.MarkdownCode).
func Code(s string) string { return untrusted.MarkdownCode(s) }

// Text is s as inline Markdown text (untrusted.MarkdownText).
func Text(s string) string { return untrusted.MarkdownText(s) }

// Visible shows invisible and bidi characters as <U+XXXX> (untrusted.Visible).
func Visible(s string) string { return untrusted.Visible(s) }

// HTMLCode quotes s as <code> inside HTML (a <summary>, a table cell) (untrusted.HTMLCode).
func HTMLCode(s string) string { return untrusted.HTMLCode(s) }

// Inert keeps quoted text from opening or closing an HTML comment (untrusted.Inert).
func Inert(s string) string { return untrusted.Inert(s) }

// Fence returns a code fence longer than any run of backticks in s (untrusted.Fence).
func Fence(s string) string { return untrusted.Fence(s) }

// Short keeps user text quoted in replies short, and unable to open or close an HTML comment.
func Short(s string) string {
	if r := []rune(s); len(r) > 60 {
		s = string(r[:60]) + "…"
	}
	return Inert(s)
}

// ShortSHA is the 7-character form of a commit.
func ShortSHA(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

// Plural is "s" unless n is 1.
func Plural(n int) string { return PluralOf(n, "", "s") }

// PluralOf is one when n is 1, else many.
func PluralOf(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
