package untrusted

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// kind says how a part of a Text is rendered.
type kind int

const (
	own   kind = iota // Rigel's words: as written
	code              // an untrusted name or value: code in Markdown, quoted in plain text
	quote             // untrusted prose (an event or termination message): text
	block             // untrusted lines (a log tail): a code block
)

// Value is an untrusted string for Textf: Code or Quote.
type Value struct {
	s    string
	kind kind
}

// Code is an untrusted name or value (a container, an image, a port) for Textf: a code span
// in Markdown, in backticks in plain text.
func Code(s string) Value { return Value{s: s, kind: code} }

// Quote is untrusted prose (an event message, a termination message) for Textf: escaped
// Markdown text, or plain text, one line of at most MaxQuote characters.
func Quote(s string) Value { return Value{s: s, kind: quote} }

// Block is untrusted lines (a log tail) for Textf, ending a sentence: in Markdown a fenced
// code block (MarkdownBlock, at most MaxQuoteBlock characters) on lines of its own, indented
// by two spaces to stay in a list item; in plain text its lines, each through Plain, indented
// by four spaces.
func Block(s string) Value { return Value{s: s, kind: block} }

// MaxQuoteBlock bounds one Block.
const MaxQuoteBlock = 5000

// MaxQuote bounds one Quote.
const MaxQuote = 200

type part struct {
	s    string
	kind kind
}

// Text is a sentence of Rigel's own words with untrusted values in it, kept apart until it is
// written to a sink (Markdown, Plain).
type Text struct{ parts []part }

// sentinel marks where a Value or Text argument stands in Textf's output; Rigel's own words
// never hold a NUL (Textf drops NULs from its other arguments).
const sentinel = "\x00"

// Textf formats Rigel's own words like fmt.Sprintf; Value arguments (Code, Quote) and Text
// arguments go in as they are, to be escaped for the sink the Text is written to. Values and
// Texts take the verb %s (or %v); other arguments are Rigel's own and are formatted as usual.
func Textf(format string, args ...any) Text {
	var keep []any
	fargs := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case Value, Text:
			fargs[i] = marker(len(keep))
			keep = append(keep, v)
		case string:
			fargs[i] = strings.ReplaceAll(v, sentinel, "")
		default:
			fargs[i] = a
		}
	}
	out := fmt.Sprintf(strings.ReplaceAll(format, sentinel, ""), fargs...)
	var t Text
	for i, piece := range strings.Split(out, sentinel) {
		if i%2 == 0 {
			t.parts = append(t.parts, part{s: piece})
			continue
		}
		n, err := strconv.Atoi(piece)
		if err != nil || n < 0 || n >= len(keep) {
			t.parts = append(t.parts, part{s: piece}) // not ours: cannot happen, Textf drops NULs
			continue
		}
		switch v := keep[n].(type) {
		case Value:
			t.parts = append(t.parts, part{s: v.s, kind: v.kind})
		case Text:
			t.parts = append(t.parts, v.parts...)
		}
	}
	return t
}

// marker is a Textf placeholder; Stringer so %v and %s both print it.
type marker int

func (m marker) String() string { return sentinel + strconv.Itoa(int(m)) + sentinel }

// Markdown is t for a Markdown sink: Rigel's words as written, Code values as MarkdownCode,
// Quote values as MarkdownText (at most MaxQuote characters).
func (t Text) Markdown() string {
	return t.render(MarkdownCode, func(q string) string { return MarkdownText(cut(oneLine(q), MaxQuote)) }, func(b string) string {
		return "\n\n  " + strings.ReplaceAll(strings.TrimSuffix(MarkdownBlock("text", b, MaxQuoteBlock), "\n"), "\n", "\n  ")
	})
}

// Plain is t for a plain-text sink (a commit message, a JSON field): Rigel's words as
// written, Code values in backticks and Quote values (at most MaxQuote characters) through
// Plain.
func (t Text) Plain() string {
	return t.render(func(c string) string { return "`" + Plain(c) + "`" }, func(q string) string { return Plain(cut(oneLine(q), MaxQuote)) }, func(b string) string {
		var out strings.Builder
		for _, line := range strings.Split(strings.TrimRight(cutLines(b, MaxQuoteBlock, "… (cut)"), "\n"), "\n") {
			out.WriteString("\n    " + Plain(line))
		}
		return out.String()
	})
}

// render writes Rigel's own words as they are, and Code and Quote values through the sink's
// escapers.
func (t Text) render(codeOf, quoteOf, blockOf func(string) string) string {
	var b strings.Builder
	for _, p := range t.parts {
		switch p.kind {
		case own:
			b.WriteString(p.s)
		case code:
			b.WriteString(codeOf(p.s))
		case quote:
			b.WriteString(quoteOf(p.s))
		case block:
			b.WriteString(blockOf(p.s))
		}
	}
	return b.String()
}

// String is t as plain text (Plain).
func (t Text) String() string { return t.Plain() }

// MarshalJSON writes t as its plain text.
func (t Text) MarshalJSON() ([]byte, error) { return json.Marshal(t.Plain()) }

// Own is Rigel's own words as a Text, for places that take a Text.
func Own(s string) Text { return Text{parts: []part{{s: strings.ReplaceAll(s, sentinel, "")}}} }
