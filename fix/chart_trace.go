package fix

import (
	"fmt"
	"regexp"
	"strings"
)

// valueMapping is one line of a chart template whose YAML key takes its value from values
// keys: `image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"`, `replicas: {{
// .Values.replicaCount }}`, or a block `resources:` followed by `{{- toYaml .Values.resources |
// nindent 12 }}` (also inside `{{- with .Values.resources }}` as `toYaml .`).
type valueMapping struct {
	key   string
	line  int // 1-based line of the template
	block bool
	parts []mappingPart
	why   string // not "": the line is not a direct mapping, and why (for the refusal)
}

// mappingPart is literal text or the values key an action reads.
type mappingPart struct {
	lit string
	ref []string // the values path, e.g. ["image", "tag"]
}

func (m *valueMapping) sameRefs(o *valueMapping) bool {
	if len(m.parts) != len(o.parts) || m.block != o.block {
		return false
	}
	for i := range m.parts {
		if m.parts[i].lit != o.parts[i].lit || strings.Join(m.parts[i].ref, ".") != strings.Join(o.parts[i].ref, ".") {
			return false
		}
	}
	return true
}

var (
	actionRE  = regexp.MustCompile(`\{\{-?\s*(.*?)\s*-?\}\}`)
	keyLineRE = regexp.MustCompile(`^\s*(?:-\s+)?([A-Za-z0-9_.-]+):\s*(["']?)$`)
	keyOnlyRE = regexp.MustCompile(`^\s*(?:-\s+)?([A-Za-z0-9_.-]+):\s*(?:#.*)?$`)
	refRE     = regexp.MustCompile(`^\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)$`)
)

// scalarPipes are the functions after a values reference that keep it the value it is.
var scalarPipes = map[string]int{"quote": 0, "squote": 0, "toString": 0, "int": 0, "int64": 0, "trim": 0, "default": 1}

// traceTemplate reads the value mappings of a template's lines. It knows the direct forms only:
// a values reference, piped through quote, default, toString or int; toYaml of one piped
// through nindent or indent. Anything else on a mapped key's line is recorded with why.
func traceTemplate(text string) []valueMapping {
	lines := strings.Split(text, "\n")
	var out []valueMapping
	var with [][]string // the `with` scopes open: the values path of dot, nil when not one
	lastKey, lastKeyLine := "", 0
	for i, raw := range lines {
		line := strings.TrimRight(raw, "\r")
		locs := actionRE.FindAllStringSubmatchIndex(line, -1)
		dot := func() []string {
			if len(with) == 0 {
				return nil
			}
			return with[len(with)-1]
		}
		// control actions move the scopes; value actions are gathered
		var values [][]int
		for _, l := range locs {
			inner := line[l[2]:l[3]]
			word, rest, _ := strings.Cut(inner, " ")
			switch word {
			case "with":
				with = append(with, refOf(strings.TrimSpace(rest), dot()))
			case "if":
				with = append(with, dot())
			case "range", "define", "block": // dot is an item or an argument
				with = append(with, nil)
			case "end":
				if len(with) > 0 {
					with = with[:len(with)-1]
				}
			case "else", "/*", "":
			default:
				if !strings.HasPrefix(inner, "/*") && !strings.Contains(inner, ":=") {
					values = append(values, l)
				}
			}
		}
		if len(values) == 0 {
			if m := keyOnlyRE.FindStringSubmatch(line); m != nil {
				lastKey, lastKeyLine = m[1], i+1
			} else if strings.TrimSpace(actionRE.ReplaceAllString(line, "")) != "" {
				lastKey = ""
			}
			continue
		}
		prefix := line[:values[0][0]]
		if strings.TrimSpace(prefix) == "" && lastKey != "" && lastKeyLine < i+1 {
			// `{{- toYaml .Values.resources | nindent 12 }}` under `resources:`
			m := valueMapping{key: lastKey, line: i + 1, block: true}
			if ref, ok := blockRef(line[values[0][2]:values[0][3]], dot()); ok && len(values) == 1 {
				m.parts = []mappingPart{{ref: ref}}
			} else {
				m.why = "not `toYaml` of one values key"
			}
			out = append(out, m)
			lastKey = ""
			continue
		}
		lastKey = ""
		km := keyLineRE.FindStringSubmatch(prefix)
		if km == nil {
			continue
		}
		m := valueMapping{key: km[1], line: i + 1}
		quote := km[2]
		suffix := strings.TrimSpace(line[values[len(values)-1][1]:])
		if strings.HasPrefix(suffix, "#") {
			suffix = ""
		}
		if suffix != quote && !(quote == "" && suffix == "") {
			m.why = "not only values (text follows them)"
		}
		for j, l := range values {
			if j > 0 {
				m.parts = append(m.parts, mappingPart{lit: line[values[j-1][1]:l[0]]})
			}
			inner := line[l[2]:l[3]]
			if ref, ok := blockRef(inner, dot()); ok && len(values) == 1 && quote == "" {
				m.block = true
				m.parts = append(m.parts, mappingPart{ref: ref})
				continue
			}
			ref, ok := scalarRef(inner, dot())
			if !ok && m.why == "" {
				m.why = fmt.Sprintf("`{{ %s }}`, which is not one values key", inner)
			}
			m.parts = append(m.parts, mappingPart{ref: ref})
		}
		out = append(out, m)
	}
	return out
}

// refOf returns the values path of a reference (`.Values.a.b`, `$.Values.a.b`, or `.` and
// `.x` under a `with` of values), or nil.
func refOf(s string, dot []string) []string {
	if m := refRE.FindStringSubmatch(s); m != nil {
		return strings.Split(strings.TrimPrefix(m[1], "."), ".")
	}
	if dot == nil {
		return nil
	}
	if s == "." {
		return append([]string(nil), dot...)
	}
	if strings.HasPrefix(s, ".") && !strings.Contains(s, " ") {
		rest := strings.Split(strings.TrimPrefix(s, "."), ".")
		for _, r := range rest {
			if r == "" {
				return nil
			}
		}
		return append(append([]string(nil), dot...), rest...)
	}
	return nil
}

// pipeline splits an action into its commands' words.
func pipeline(inner string) [][]string {
	var out [][]string
	for _, c := range strings.Split(inner, "|") {
		out = append(out, strings.Fields(c))
	}
	return out
}

// scalarRef reads an action that gives one values key as it is.
func scalarRef(inner string, dot []string) ([]string, bool) {
	cmds := pipeline(inner)
	if len(cmds) == 0 || len(cmds[0]) == 0 {
		return nil, false
	}
	first := cmds[0]
	var ref []string
	switch {
	case len(first) == 1:
		ref = refOf(first[0], dot)
	case len(first) == 2 && scalarPipes[first[0]] == 0 && first[0] != "default":
		if _, ok := scalarPipes[first[0]]; ok {
			ref = refOf(first[1], dot)
		}
	case len(first) == 3 && first[0] == "default":
		ref = refOf(first[2], dot)
	}
	if ref == nil {
		return nil, false
	}
	for _, c := range cmds[1:] {
		n, ok := scalarPipes[firstWord(c)]
		if !ok || len(c) != n+1 {
			return nil, false
		}
	}
	return ref, true
}

// blockRef reads an action that writes one values key as YAML: `toYaml X | nindent N`.
func blockRef(inner string, dot []string) ([]string, bool) {
	cmds := pipeline(inner)
	if len(cmds) == 0 || len(cmds[0]) != 2 || cmds[0][0] != "toYaml" {
		return nil, false
	}
	ref := refOf(cmds[0][1], dot)
	if ref == nil {
		return nil, false
	}
	for _, c := range cmds[1:] {
		if w := firstWord(c); (w != "nindent" && w != "indent") || len(c) != 2 {
			return nil, false
		}
	}
	return ref, true
}

func firstWord(c []string) string {
	if len(c) == 0 {
		return ""
	}
	return c[0]
}
