package untrusted

import (
	"strings"
)

// GitHub's and git's bounds Rigel keeps to.
const (
	MaxTitle         = 120   // a pull request's title, in characters
	MaxSubject       = 72    // a commit's subject line, in characters
	MaxPullBody      = 60000 // a pull request's body, in bytes (GitHub refuses more than 65536 characters)
	MaxCommitMessage = 20000 // a commit message's body, in bytes
	MaxCheckOutput   = 65535 // a check run's output summary or text (GitHub's limit), in bytes
)

// Plain is s as one line of plain text where GitHub renders little but acts on references:
// a pull request's title, a commit message. Line breaks fold into spaces, invisible
// characters show, backticks become ', comment delimiters are made inert, and mentions, issue
// references (so closing keywords) and links are neutralised. At most MaxText characters.
func Plain(s string) string {
	return strings.ReplaceAll(neutral(Inert(Visible(oneLine(cut(s, MaxText))))), "`", "'")
}

// PullTitle is title as a pull request's title: one line of plain text (Plain), at most
// MaxTitle characters, ending in "…" when cut.
func PullTitle(title string) string {
	return strings.ReplaceAll(neutral(Inert(cut(Visible(oneLine(title)), MaxTitle-1))), "`", "'")
}

// PullBody is a pull request's body: body (Markdown Rigel wrote, every untrusted value in it
// through a Markdown sink: MarkdownText, MarkdownCode, MarkdownBlock, Text.Markdown) with any
// comment delimiter still in it made inert, cut to MaxPullBody bytes with a note, then
// Rigel's own trailer as is (e.g. "Closes #12": Rigel's words, which GitHub is meant to act
// on, kept whole however long the body).
func PullBody(body, trailer string) string {
	return cutBytes(Inert(body), MaxPullBody-len(trailer), "*(cut: the body is longer than GitHub allows; the Files changed tab has the whole change)*") + trailer
}

// CommitMessage is a commit message: subject as one line (Plain, at most MaxSubject
// characters), a blank line, body with mentions, issue references (so closing keywords, which
// GitHub acts on when the commit reaches the default branch), links and comment delimiters
// neutralised and invisible characters shown, cut to MaxCommitMessage bytes, then Rigel's own
// trailer as is.
func CommitMessage(subject, body, trailer string) string {
	s := neutral(Inert(cut(Visible(oneLine(subject)), MaxSubject-1)))
	b := cutBytes(neutral(Inert(visibleBlock(body))), MaxCommitMessage, "(cut)")
	msg := s + "\n"
	if b = strings.TrimRight(b, "\n"); b != "" {
		msg += "\n" + b + "\n"
	}
	if trailer != "" {
		msg += "\n" + strings.TrimRight(trailer, "\n") + "\n"
	}
	return msg
}

// CheckOutput is a check run's output summary or text: Markdown Rigel wrote, every untrusted
// value in it through a Markdown sink, with any comment delimiter still in it made inert, cut
// to MaxCheckOutput bytes with a note.
func CheckOutput(s string) string {
	return cutBytes(Inert(s), MaxCheckOutput, "*(cut: longer than a check run's output may be)*")
}
