package fix

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// yfile is one manifest file parsed into YAML nodes that keep their line and column, so that
// edits splice bytes at a node's position and leave every other byte as it was.
type yfile struct {
	path      string
	data      []byte
	lineStart []int        // byte offset of each line's first byte; lineStart[0] = 0
	docs      []*yaml.Node // document nodes, in file order
	nl        string       // the file's line ending: "\n" or "\r\n"
}

func parseYFile(path string, data []byte) (*yfile, error) {
	f := &yfile{path: path, data: data, lineStart: []int{0}, nl: "\n"}
	for i, b := range data {
		if b == '\n' {
			f.lineStart = append(f.lineStart, i+1)
		}
	}
	if bytes.Contains(data, []byte("\r\n")) {
		f.nl = "\r\n"
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("failed to read %s: %w", path, err)
		}
		f.docs = append(f.docs, &n)
	}
	return f, nil
}

// lines is the number of lines (a last line without a newline counts).
func (f *yfile) lines() int {
	if len(f.data) > 0 && f.data[len(f.data)-1] != '\n' {
		return len(f.lineStart)
	}
	return len(f.lineStart) - 1
}

// offset returns the byte offset of a node position (1-based line, 1-based column counted in
// characters, as the YAML parser counts them).
func (f *yfile) offset(line, col int) int {
	if line < 1 || line > len(f.lineStart) {
		return len(f.data)
	}
	off := f.lineStart[line-1]
	for c := 1; c < col && off < len(f.data) && f.data[off] != '\n'; c++ {
		_, size := utf8.DecodeRune(f.data[off:])
		off += size
	}
	return off
}

// lineOf returns the 1-based line holding byte offset off.
func (f *yfile) lineOf(off int) int {
	lo, hi := 0, len(f.lineStart)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if f.lineStart[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo + 1
}

// lineEnd returns the offset of the line ending of line (its "\r\n" or "\n"), or the end of
// the file for a last line without one.
func (f *yfile) lineEnd(line int) int {
	if line >= len(f.lineStart) {
		return len(f.data)
	}
	end := f.lineStart[line] - 1
	if end > 0 && f.data[end-1] == '\r' {
		end--
	}
	return end
}

// lineText returns a line without its line ending.
func (f *yfile) lineText(line int) string {
	return string(f.data[f.lineStart[line-1]:f.lineEnd(line)])
}

// where names a node's position for people: "k8s/web.yaml line 12".
func (f *yfile) where(n *yaml.Node) string {
	return fmt.Sprintf("%s line %d", f.path, n.Line)
}

// splice is one replacement of data[start:end] by text.
type splice struct {
	start, end int
	text       string
}

// apply returns the file's bytes with the splices made; splices must not overlap.
func (f *yfile) apply(ss ...splice) []byte {
	var out []byte
	prev := 0
	for _, s := range sortedSplices(ss) {
		out = append(out, f.data[prev:s.start]...)
		out = append(out, s.text...)
		prev = s.end
	}
	return append(out, f.data[prev:]...)
}

func sortedSplices(ss []splice) []splice {
	out := append([]splice(nil), ss...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].start < out[j-1].start; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// errNoExtent says a scalar's text cannot be found exactly (block scalars, multi-line
// scalars, tags, anchors).
var errNoExtent = errors.New("the value is not a one-line scalar")

// scalarRange returns the byte range of a scalar node's text, quotes included. flow says the
// node is inside a flow collection ({…} or […]), where a plain scalar ends at , ] or }.
func (f *yfile) scalarRange(n *yaml.Node, flow bool) (int, int, error) {
	if n.Kind != yaml.ScalarNode || n.Style&(yaml.TaggedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 || n.Anchor != "" {
		return 0, 0, errNoExtent
	}
	start := f.offset(n.Line, n.Column)
	lineEnd := f.lineEnd(n.Line)
	end := -1
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		for i := start + 1; i < lineEnd; i++ {
			if f.data[i] == '\\' {
				i++
			} else if f.data[i] == '"' {
				end = i + 1
				break
			}
		}
	case n.Style&yaml.SingleQuotedStyle != 0:
		for i := start + 1; i < lineEnd; i++ {
			if f.data[i] == '\'' {
				if i+1 < lineEnd && f.data[i+1] == '\'' {
					i++
					continue
				}
				end = i + 1
				break
			}
		}
	default:
		end = lineEnd
		for i := start; i < lineEnd; i++ {
			c := f.data[i]
			if c == '#' && i > start && (f.data[i-1] == ' ' || f.data[i-1] == '\t') {
				end = i
				break
			}
			if flow && (c == ',' || c == ']' || c == '}') {
				end = i
				break
			}
		}
		for end > start && (f.data[end-1] == ' ' || f.data[end-1] == '\t') {
			end--
		}
	}
	if end < start {
		return 0, 0, errNoExtent
	}
	// The text found must read back as the node's value.
	var back yaml.Node
	if err := yaml.Unmarshal(f.data[start:end], &back); err != nil || len(back.Content) != 1 ||
		back.Content[0].Kind != yaml.ScalarNode || back.Content[0].Value != n.Value {
		return 0, 0, errNoExtent
	}
	return start, end, nil
}

// flowEnd returns the offset just after the closing bracket of the flow collection starting at
// n, or -1.
func (f *yfile) flowEnd(n *yaml.Node) int {
	start := f.offset(n.Line, n.Column)
	depth := 0
	for i := start; i < len(f.data); i++ {
		switch c := f.data[i]; c {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		case '"':
			for i++; i < len(f.data) && f.data[i] != '"'; i++ {
				if f.data[i] == '\\' {
					i++
				}
			}
		case '\'':
			for i++; i < len(f.data); i++ {
				if f.data[i] == '\'' {
					if i+1 < len(f.data) && f.data[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
		}
	}
	return -1
}

// lastLine returns the last line a node's text takes, or 0 when it cannot tell (block scalars,
// aliases, multi-line scalars).
func (f *yfile) lastLine(n *yaml.Node, flow bool) int {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" && n.Value == "" {
			return 0
		}
		_, end, err := f.scalarRange(n, flow)
		if err != nil {
			return 0
		}
		return f.lineOf(end)
	case yaml.MappingNode, yaml.SequenceNode:
		if n.Style&yaml.FlowStyle != 0 {
			end := f.flowEnd(n)
			if end < 0 {
				return 0
			}
			return f.lineOf(end - 1)
		}
		if len(n.Content) == 0 {
			return 0
		}
		return f.lastLine(n.Content[len(n.Content)-1], flow)
	}
	return 0
}

// scalar kinds decide how a value is written.
type valueKind int

const (
	kindString   valueKind = iota // always read back as a string
	kindQuantity                  // a resource quantity: a string or a number
	kindInt                       // a whole number
)

// renderScalar writes v as a YAML scalar of kind k, in style (the style of the value it
// replaces; 0 for a new value) where it can.
func renderScalar(v string, k valueKind, style yaml.Style, flow bool) string {
	switch {
	case style&yaml.DoubleQuotedStyle != 0:
		return doubleQuoted(v)
	case style&yaml.SingleQuotedStyle != 0:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	case k == kindInt:
		return v
	case k == kindQuantity && plainReadsAs(v, flow, "!!str", "!!int", "!!float"):
		return v
	case plainReadsAs(v, flow, "!!str"):
		return v
	}
	return doubleQuoted(v)
}

// plainReadsAs reports whether v written as a plain scalar reads back as v with one of tags.
func plainReadsAs(v string, flow bool, tags ...string) bool {
	if v == "" || strings.TrimSpace(v) != v || strings.ContainsAny(v, "\r\n") {
		return false
	}
	doc := v
	if flow {
		doc = "[" + v + "]"
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &n); err != nil || len(n.Content) != 1 {
		return false
	}
	s := n.Content[0]
	if flow {
		if s.Kind != yaml.SequenceNode || len(s.Content) != 1 {
			return false
		}
		s = s.Content[0]
	}
	if s.Kind != yaml.ScalarNode || s.Style != 0 || s.Value != v {
		return false
	}
	for _, t := range tags {
		if s.Tag == t {
			return true
		}
	}
	return false
}

// doubleQuoted writes s as a double-quoted scalar (a JSON string is one).
func doubleQuoted(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimRight(b.String(), "\n")
}
