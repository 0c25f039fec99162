package commands

import (
	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/words"
)

// The escaping of text from the cluster, a repository or a comment lives in package untrusted,
// one function per sink; these are the names the replies use for them.

// visible shows invisible and bidi characters as <U+XXXX> (untrusted.Visible).
func visible(s string) string { return untrusted.Visible(s) }

// htmlCode quotes s as <code> inside HTML (a <summary>, a table cell) (untrusted.HTMLCode).
func htmlCode(s string) string { return untrusted.HTMLCode(s) }

// inert keeps text Rigel quotes back from opening or closing an HTML comment in a reply
// (untrusted.Inert); seal applies it to every reply as the last line of defence.
func inert(s string) string { return untrusted.Inert(s) }

// hasDelim says whether s holds an HTML comment opener or closer.
func hasDelim(s string) bool { return untrusted.HasCommentDelim(s) }

// code quotes s as inline code (untrusted.MarkdownCode).
func code(s string) string { return untrusted.MarkdownCode(s) }

// mdText is s as inline Markdown text (untrusted.MarkdownText).
func mdText(s string) string { return untrusted.MarkdownText(s) }

// fence returns a code fence longer than any run of backticks in s (untrusted.Fence).
func fence(s string) string { return untrusted.Fence(s) }

// short keeps user text quoted in replies short, and unable to open or close an HTML comment.
func short(s string) string { return words.Short(s) }

// shortSHA is the 7-character form of a commit.
func shortSHA(sha string) string { return words.ShortSHA(sha) }

// plural is "s" unless n is 1.
func plural(n int) string { return words.Plural(n) }

// pluralOf is one when n is 1, else many.
func pluralOf(n int, one, many string) string { return words.PluralOf(n, one, many) }
