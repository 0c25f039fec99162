package fix

import (
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rigel-gitops/rigel/internal/untrusted"
)

// step is one element of a path into a YAML document: a mapping key, or the item of a sequence
// whose "name" is match.
type step struct {
	key   string
	match string
}

func keyPath(keys ...string) []step {
	out := make([]step, len(keys))
	for i, k := range keys {
		out[i] = step{key: k}
	}
	return out
}

func named(name string) step { return step{match: name} }

func join(parts ...[]step) []step {
	var out []step
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func (s step) String() string {
	if s.key != "" {
		return s.key
	}
	return "[name=" + s.match + "]"
}

func pathString(p []step) string {
	var b strings.Builder
	for i, s := range p {
		if i > 0 && s.key != "" {
			b.WriteByte('.')
		}
		b.WriteString(s.String())
	}
	return b.String()
}

// mapGet returns the key and value nodes of key in a mapping node.
func mapGet(m *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// mapString returns the string value of a path of keys, or "".
func mapString(m *yaml.Node, keys ...string) string {
	for _, k := range keys {
		_, m = mapGet(m, k)
	}
	if m == nil || m.Kind != yaml.ScalarNode {
		return ""
	}
	return m.Value
}

// seqFind returns the mapping item of a sequence whose "name" is name.
func seqFind(s *yaml.Node, name string) *yaml.Node {
	if s == nil || s.Kind != yaml.SequenceNode {
		return nil
	}
	for _, it := range s.Content {
		if it.Kind == yaml.MappingNode && mapString(it, "name") == name {
			return it
		}
	}
	return nil
}

// trail is the walk of a path from a root: nodes[i] is the node reached after i steps,
// keyNodes[i] the key node of step i-1 (nil for sequence items), flow[i] whether nodes[i] is
// inside or is a flow collection.
type trail struct {
	nodes    []*yaml.Node
	keyNodes []*yaml.Node
	flow     []bool
}

// found is the number of steps that resolved.
func (t trail) found() int { return len(t.nodes) - 1 }

func walk(root *yaml.Node, path []step) trail {
	t := trail{nodes: []*yaml.Node{root}, keyNodes: []*yaml.Node{nil}, flow: []bool{root.Style&yaml.FlowStyle != 0}}
	cur := root
	for _, s := range path {
		var k, v *yaml.Node
		if s.key != "" {
			k, v = mapGet(cur, s.key)
		} else {
			v = seqFind(cur, s.match)
		}
		if v == nil {
			break
		}
		t.nodes = append(t.nodes, v)
		t.keyNodes = append(t.keyNodes, k)
		t.flow = append(t.flow, t.flow[len(t.flow)-1] || v.Style&yaml.FlowStyle != 0)
		cur = v
	}
	return t
}

// has reports whether path resolves to a node under root.
func has(root *yaml.Node, path []step) bool { return walk(root, path).found() == len(path) }

// layout is how a document indents: the step of nested mappings, where a block sequence's
// dash goes relative to its key, and where an item's content goes relative to its dash.
type layout struct {
	step, seqIndent, itemIndent int
}

func layoutOf(root *yaml.Node) layout {
	l := layout{step: -1, seqIndent: -1, itemIndent: -1}
	var visit func(n *yaml.Node)
	visit = func(n *yaml.Node) {
		if n.Style&yaml.FlowStyle != 0 {
			return
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				switch {
				case v.Style&yaml.FlowStyle != 0 || len(v.Content) == 0 || v.Line == k.Line:
				case v.Kind == yaml.MappingNode && l.step < 0 && v.Column > k.Column:
					l.step = v.Column - k.Column
				case v.Kind == yaml.SequenceNode && l.seqIndent < 0 && v.Column >= k.Column:
					l.seqIndent = v.Column - k.Column
				}
			}
		}
		if n.Kind == yaml.SequenceNode && l.itemIndent < 0 {
			for _, it := range n.Content {
				if it.Kind == yaml.MappingNode && it.Style&yaml.FlowStyle == 0 && it.Line == n.Line && it.Column > n.Column {
					l.itemIndent = it.Column - n.Column
					break
				}
			}
		}
		for _, c := range n.Content {
			visit(c)
		}
	}
	visit(root)
	if l.step < 0 {
		l.step = 2
	}
	if l.seqIndent < 0 {
		l.seqIndent = 0
	}
	if l.itemIndent < 0 {
		l.itemIndent = 2
	}
	return l
}

// blockLines renders path holding value (already written as a scalar) as block YAML lines,
// indented from column 0.
func (l layout) blockLines(path []step, value string) []string {
	s := path[0]
	if s.match != "" {
		lines := []string{"name: " + scalarName(s.match)}
		if len(path) > 1 {
			lines = append(lines, l.blockLines(path[1:], value)...)
		}
		lines[0] = "-" + strings.Repeat(" ", l.itemIndent-1) + lines[0]
		for i := 1; i < len(lines); i++ {
			lines[i] = strings.Repeat(" ", l.itemIndent) + lines[i]
		}
		return lines
	}
	if len(path) == 1 {
		return []string{s.key + ": " + value}
	}
	indent := l.step
	if path[1].match != "" {
		indent = l.seqIndent
	}
	return append([]string{s.key + ":"}, indentLines(l.blockLines(path[1:], value), indent)...)
}

func scalarName(s string) string { return renderScalar(s, kindString, 0, false) }

func indentLines(lines []string, n int) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.Repeat(" ", n) + l
	}
	return out
}

// flowText renders path holding value as a flow collection member: `key: {…}` or an item
// `{name: x, …}`; quoted writes keys in double quotes (JSON).
func flowText(path []step, value string, quoted bool) string {
	key := func(k string) string {
		if quoted {
			return doubleQuoted(k)
		}
		return k
	}
	s := path[0]
	if s.match != "" {
		name := doubleQuoted(s.match)
		if !quoted {
			name = renderScalar(s.match, kindString, 0, true)
		}
		inner := key("name") + ": " + name
		if len(path) > 1 {
			inner += ", " + flowText(path[1:], value, quoted)
		}
		return "{" + inner + "}"
	}
	if len(path) == 1 {
		return key(s.key) + ": " + value
	}
	if path[1].match != "" {
		return key(s.key) + ": [" + flowText(path[1:], value, quoted) + "]"
	}
	return key(s.key) + ": {" + flowText(path[1:], value, quoted) + "}"
}

// setScalar sets path under root to value: it replaces the scalar there, keeping its quoting,
// or adds what is missing with the document's indentation. It returns the new file bytes.
func (f *yfile) setScalar(root *yaml.Node, path []step, value string, k valueKind, first bool) ([]byte, error) {
	t := walk(root, path)
	i := t.found()
	cur, flow := t.nodes[i], t.flow[i]
	if i == len(path) {
		return f.replaceScalar(cur, t.keyNodes[i], value, k, flow, path)
	}
	switch {
	case isEmpty(cur) && i > 0:
		return f.fillEmpty(cur, t.keyNodes[i], path[i:], value, k, t.flow[i-1])
	case cur.Kind == yaml.MappingNode && path[i].key != "", cur.Kind == yaml.SequenceNode && path[i].match != "":
		if cur.Style&yaml.FlowStyle != 0 {
			return f.addToFlow(cur, path[i:], value, k)
		}
		return f.addToBlock(cur, path[i:], value, k, flow, first)
	}
	return nil, placeErrorf("cannot set %s in %s: %s is not a %s", pathString(path), f.where(cur), pathString(path[:i]),
		map[bool]string{true: "mapping", false: "list"}[path[i].key != ""])
}

// isEmpty reports whether a node is a null or an empty collection.
func isEmpty(n *yaml.Node) bool {
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Tag == "!!null"
	case yaml.MappingNode, yaml.SequenceNode:
		return len(n.Content) == 0
	}
	return false
}

func (f *yfile) replaceScalar(n, key *yaml.Node, value string, k valueKind, flow bool, path []step) ([]byte, error) {
	if n.Kind != yaml.ScalarNode {
		return nil, placeErrorf("cannot set %s in %s: it holds a %s, not a value", pathString(path), f.where(n), kindName(n))
	}
	if n.Tag == "!!null" && n.Value == "" && key != nil && n.Line == key.Line {
		// "memory:" with nothing after the colon: the parser places the null just after it.
		off := f.offset(n.Line, n.Column)
		if off > 0 && f.data[off-1] == ':' {
			return f.apply(splice{off, off, " " + f.render(value, k, 0, flow)}), nil
		}
	}
	start, end, err := f.scalarRange(n, flow)
	if err != nil {
		return nil, placeErrorf("cannot set %s in %s: %s (Rigel edits only one-line values; edit it by hand)", pathString(path), f.where(n), untrusted.MarkdownText(err.Error()))
	}
	return f.apply(splice{start, end, f.render(value, k, n.Style, flow)}), nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	}
	return "value"
}

// render writes a value for this file: JSON files quote every string.
func (f *yfile) render(v string, k valueKind, style yaml.Style, flow bool) string {
	if f.isJSON() {
		if k == kindInt {
			return v
		}
		return doubleQuoted(v)
	}
	return renderScalar(v, k, style, flow)
}

func (f *yfile) isJSON() bool { return strings.HasSuffix(f.path, ".json") }

// addToBlock adds the missing path (first step missing in the block collection c) holding
// value.
func (f *yfile) addToBlock(c *yaml.Node, path []step, value string, k valueKind, flow, atFirst bool) ([]byte, error) {
	root := f.docRoot(c)
	l := layoutOf(root)
	lines := l.blockLines(path, f.render(value, k, 0, false))
	if len(c.Content) == 0 {
		return nil, placeErrorf("cannot add %s in %s", pathString(path), f.where(c))
	}
	first := c.Content[0]
	col := first.Column - 1
	if c.Kind == yaml.SequenceNode {
		col = c.Column - 1
	}
	lines = indentLines(lines, col)
	firstLine := first.Line
	if c.Kind == yaml.SequenceNode {
		firstLine = c.Line
	}
	atTop := strings.TrimSpace(f.lineText(firstLine)[:f.offset(firstLine, col+1)-f.lineStart[firstLine-1]]) == ""
	if atTop && atFirst {
		return f.insertAfter(firstLine-1, lines), nil
	}
	if last := f.lastLine(c.Content[len(c.Content)-1], flow); last > 0 {
		return f.insertAfter(last, lines), nil
	}
	if atTop {
		return f.insertAfter(firstLine-1, lines), nil
	}
	return nil, placeErrorf("cannot add %s in %s: Rigel cannot tell where the block ends (a multi-line value?); add it by hand", pathString(path), f.where(c))
}

// insertAfter inserts lines after line n (0: at the top of the file).
func (f *yfile) insertAfter(n int, lines []string) []byte {
	text := strings.Join(lines, f.nl) + f.nl
	if n >= f.lines() {
		if len(f.data) > 0 && f.data[len(f.data)-1] != '\n' {
			return f.apply(splice{len(f.data), len(f.data), f.nl + strings.TrimSuffix(text, f.nl)})
		}
		return f.apply(splice{len(f.data), len(f.data), text})
	}
	off := f.lineStart[n]
	return f.apply(splice{off, off, text})
}

// fillEmpty replaces an empty value (null, {} or []) of key with the missing path.
func (f *yfile) fillEmpty(v, key *yaml.Node, path []step, value string, k valueKind, flow bool) ([]byte, error) {
	if key == nil {
		return nil, placeErrorf("cannot add %s in %s", pathString(path), f.where(v))
	}
	if flow || v.Style&yaml.FlowStyle != 0 && f.isJSON() {
		if v.Kind == yaml.ScalarNode {
			return nil, placeErrorf("cannot add %s in %s: its parent is null; add it by hand", pathString(path), f.where(v))
		}
		return f.addToFlow(v, path, value, k)
	}
	l := layoutOf(f.docRoot(key))
	indent := key.Column - 1 + l.step
	if path[0].match != "" {
		indent = key.Column - 1 + l.seqIndent
	}
	lines := indentLines(l.blockLines(path, f.render(value, k, 0, false)), indent)
	// remove the empty value's text ("{}", "[]", "~", "null") and the blanks before it
	var ss []splice
	endLine := key.Line
	if v.Kind != yaml.ScalarNode || v.Value != "" {
		start := f.offset(v.Line, v.Column)
		end := start
		if v.Kind == yaml.ScalarNode {
			_, e, err := f.scalarRange(v, false)
			if err != nil {
				return nil, placeErrorf("cannot add %s in %s", pathString(path), f.where(v))
			}
			end = e
		} else if end = f.flowEnd(v); end < 0 {
			return nil, placeErrorf("cannot add %s in %s", pathString(path), f.where(v))
		}
		if v.Line == key.Line {
			for start > 0 && (f.data[start-1] == ' ' || f.data[start-1] == '\t') {
				start--
			}
		}
		ss = append(ss, splice{start, end, ""})
		endLine = f.lineOf(end - 1)
	}
	text := strings.Join(lines, f.nl) + f.nl
	if endLine >= f.lines() && len(f.data) > 0 && f.data[len(f.data)-1] != '\n' {
		ss = append(ss, splice{len(f.data), len(f.data), f.nl + strings.TrimSuffix(text, f.nl)})
	} else {
		off := len(f.data)
		if endLine < len(f.lineStart) {
			off = f.lineStart[endLine]
		}
		ss = append(ss, splice{off, off, text})
	}
	return f.apply(ss...), nil
}

// addToFlow adds the missing path to a flow collection ({…} or […], as in JSON files).
func (f *yfile) addToFlow(c *yaml.Node, path []step, value string, k valueKind) ([]byte, error) {
	quoted := f.isJSON()
	if c.Kind == yaml.MappingNode && len(c.Content) > 0 {
		quoted = quoted || c.Content[0].Style&yaml.DoubleQuotedStyle != 0
	}
	text := flowText(path, f.render(value, k, 0, true), quoted)
	if len(c.Content) == 0 {
		start := f.offset(c.Line, c.Column)
		end := f.flowEnd(c)
		if end < 0 {
			return nil, placeErrorf("cannot add %s in %s", pathString(path), f.where(c))
		}
		open, close := "{", "}"
		if c.Kind == yaml.SequenceNode {
			open, close = "[", "]"
		}
		return f.apply(splice{start, end, open + text + close}), nil
	}
	last := c.Content[len(c.Content)-1]
	var end int
	if last.Kind == yaml.ScalarNode {
		_, e, err := f.scalarRange(last, true)
		if err != nil {
			return nil, placeErrorf("cannot add %s in %s", pathString(path), f.where(c))
		}
		end = e
	} else if end = f.flowEnd(last); end < 0 {
		return nil, placeErrorf("cannot add %s in %s", pathString(path), f.where(c))
	}
	// One member per line (pretty JSON): the new member goes on a line of its own, indented
	// like the last one.
	lastStart := c.Content[len(c.Content)-1]
	if c.Kind == yaml.MappingNode {
		lastStart = c.Content[len(c.Content)-2]
	}
	if lastStart.Line != c.Line {
		prefix := f.lineText(lastStart.Line)[:f.offset(lastStart.Line, lastStart.Column)-f.lineStart[lastStart.Line-1]]
		if strings.TrimSpace(prefix) == "" {
			return f.apply(splice{end, end, "," + f.nl + prefix + text}), nil
		}
	}
	return f.apply(splice{end, end, ", " + text}), nil
}

// deleteKey removes a key of a block mapping whose pair takes a line of its own.
func (f *yfile) deleteKey(m *yaml.Node, key string) ([]byte, error) {
	k, v := mapGet(m, key)
	if k == nil {
		return f.data, nil
	}
	end := f.lastLine(v, false)
	prefix := f.lineText(k.Line)[:f.offset(k.Line, k.Column)-f.lineStart[k.Line-1]]
	if m.Style&yaml.FlowStyle != 0 || end == 0 || strings.TrimSpace(prefix) != "" {
		return nil, placeErrorf("cannot remove %s from %s; remove it by hand", key, f.where(k))
	}
	stop := len(f.data)
	if end < len(f.lineStart) {
		stop = f.lineStart[end]
	}
	return f.apply(splice{f.lineStart[k.Line-1], stop, ""}), nil
}

// docRoot returns the root node of the document holding n.
func (f *yfile) docRoot(n *yaml.Node) *yaml.Node {
	for _, d := range f.docs {
		if contains(d, n) {
			return d
		}
	}
	return n
}

func contains(root, n *yaml.Node) bool {
	if root == n {
		return true
	}
	for _, c := range root.Content {
		if contains(c, n) {
			return true
		}
	}
	return false
}

// describe is a short text of a node for messages.
func describe(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	if n.Kind == yaml.ScalarNode {
		return fmt.Sprintf("%q", n.Value)
	}
	return "a " + kindName(n)
}
