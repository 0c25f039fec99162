package fix

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rigel-gitops/rigel/internal/untrusted"
	rsync "github.com/rigel-gitops/rigel/sync"
)

// The typo rename of the missing-reference rule (RuleTypo, a FieldRef edit) on a chart
// deployment (issue 16): the line of the workload's template that writes the reference's
// value is found by rendering the chart with one candidate line's value replaced by a marker
// at a time (a probe); a line that maps it from values keys gets the values key set, in the
// values file that sets it, as image and replicas edits do. A line that writes it as text, or
// through anything but a direct mapping, is refused (an *UntracedRename) naming the line and
// the values keys it reads, and nothing is proposed.

// UntracedRename refuses a reference rename on a chart deployment that Rigel cannot trace to
// values keys of the chart it may edit: Why says why and, where it is known, which values key
// to change to what. It unwraps to a *PlaceError.
type UntracedRename struct {
	Edit   Edit
	Folder string // the chart's folder
	Why    string // Markdown
}

func (e *UntracedRename) Error() string {
	return fmt.Sprintf("%s on chart `%s`: %s. Rigel proposes nothing for it", untrusted.MarkdownCode(e.Edit.String()), e.Folder, strings.TrimSuffix(e.Why, "."))
}

func (e *UntracedRename) Unwrap() error { return &PlaceError{Msg: e.Error()} }

// Drop returns d without the refused rename, saying why among the findings; without the
// rename rule when no rename is left. d is not changed.
func (e *UntracedRename) Drop(d *Diagnosis) *Diagnosis {
	out := &Diagnosis{Findings: slices.Clone(d.Findings), Rule: d.Rule}
	renames := 0
	for _, have := range d.Edits {
		if have == e.Edit {
			continue
		}
		out.Edits = append(out.Edits, have)
		if have.Field == FieldRef {
			renames++
		}
	}
	out.Findings = append(out.Findings, untrusted.Textf("Rigel does not propose the rename %s on chart %s: %s.", untrusted.Code(e.Edit.String()), untrusted.Code(e.Folder), untrusted.Own(strings.TrimSuffix(e.Why, "."))))
	if renames == 0 {
		var rules []string
		for _, r := range strings.Split(d.Rule, "; ") {
			if r != RuleTypo && r != "" {
				rules = append(rules, r)
			}
		}
		out.Rule = strings.Join(rules, "; ")
	}
	if len(out.Edits) == 0 {
		out.Findings = append(out.Findings, untrusted.Own("Rigel has no fix to propose for this."))
	}
	return out
}

// maxProbes bounds the renders that find the template line of a reference.
const maxProbes = 8

// probeMarker stands in a probed line's value: a valid name and key no manifest uses.
const probeMarker = "rigel-probe-4f2c9a"

var valuesRefRE = regexp.MustCompile(`\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)`)

// refLine is a line of the template that may write a reference's value.
type refLine struct {
	n     int    // 0-based
	head  string // the line up to and with `key:`
	value string // after it
	m     *valueMapping
}

// placeRef makes a FieldRef op on a chart; a refusal is an *UntracedRename.
func (c *chartFix) placeRef(o op) error {
	err := c.traceRef(o)
	var ur *UntracedRename
	var pe *PlaceError
	if !errors.As(err, &ur) && errors.As(err, &pe) { // from setValue: a set-file
		return &UntracedRename{Edit: o.edit, Folder: c.folder, Why: strings.TrimPrefix(pe.Msg, o.edit.String()+": ")}
	}
	return err
}

// traceRef finds the template line of a FieldRef op and sets what it maps.
func (c *chartFix) traceRef(o op) error {
	prefix, name, source, field, _ := parseRef(o.edit.Key)
	old, _ := refValue(c.container, o.container, prefix, name, source, field)
	tmpl := untrusted.MarkdownCode(c.template)
	lines := c.refLines(field, old)
	if len(lines) > maxProbes {
		return c.untracedRef(o, fmt.Sprintf("%s has %d lines that may write `%s:` %s, more than Rigel tries", tmpl, len(lines), field, untrusted.MarkdownCode(old)))
	}
	var hit *refLine
	for i := range lines {
		if c.probe(lines[i], o, prefix, name, source, field) {
			if hit != nil {
				return c.untracedRef(o, fmt.Sprintf("both lines %d and %d of %s write it", hit.n+1, lines[i].n+1, tmpl))
			}
			hit = &lines[i]
		}
	}
	if hit == nil {
		return c.untracedRef(o, fmt.Sprintf("no line of %s writes it as `%s: …` on a line of its own (it may come from a helper, a loop or a flow mapping)", tmpl, field))
	}
	at := fmt.Sprintf("%s line %d", tmpl, hit.n+1)
	switch m := hit.m; {
	case m == nil && !strings.Contains(hit.value, "{{"):
		return c.untracedRef(o, fmt.Sprintf("%s writes %s as text in the template, not from a values key; change that line to %s by hand", at, untrusted.MarkdownCode(old), untrusted.MarkdownCode(o.value)))
	case m == nil || m.why != "" || m.block:
		return c.untracedRef(o, fmt.Sprintf("%s writes it as %s, which is not one values key%s", at, untrusted.MarkdownCode(strings.TrimSpace(c.lines[hit.n])), c.readsKeys(hit, o.value)))
	}
	c.refKeys = c.refKeys[:0]
	for _, p := range hit.m.parts {
		if p.ref != nil {
			c.refKeys = append(c.refKeys, untrusted.MarkdownCode(strings.Join(p.ref, ".")))
		}
	}
	if m := hit.m; len(m.parts) == 1 && m.parts[0].ref != nil {
		return c.setValue(o, m.parts[0].ref, o.value, kindString)
	}
	return c.setParts(o, hit.m, field, func(shape string) error {
		return c.untracedRef(o, fmt.Sprintf("%s writes it as %s, and %s does not fit that form: the difference is in the template's own text; change it there by hand", at, untrusted.MarkdownCode(shape), untrusted.MarkdownCode(o.value)))
	})
}

func isRef(o op) int {
	if o.edit.Field == FieldRef {
		return 1
	}
	return 0
}

// verifyRefs verifies the chart as edited for renames ops (the last one placed just now, the
// others verified before it): a refusal is the last one's *UntracedRename.
func (c *chartFix) verifyRefs(before []rsync.Object, obj *unstructured.Unstructured, ops []op) error {
	want, err := toTyped(obj)
	if err != nil {
		return err
	}
	expect(want, ops)
	err = verify(c.fsys, c.folder, before, c.w, want, ops, c.edited, c.opts)
	var pe *PlaceError
	if errors.As(err, &pe) {
		what := "values key " + strings.Join(c.refKeys, ", ")
		if len(c.refKeys) > 1 {
			what = "values keys " + strings.Join(c.refKeys, ", ")
		}
		why := strings.Replace(pe.Msg, "editing the files for "+editList(ops)+" would", "setting "+what+" for it would", 1)
		return &UntracedRename{Edit: ops[len(ops)-1].edit, Folder: c.folder, Why: why}
	}
	return err
}

// untracedRef refuses a rename.
func (c *chartFix) untracedRef(o op, why string) error {
	return &UntracedRename{Edit: o.edit, Folder: c.folder, Why: why}
}

// readsKeys names the values keys a line reads, and the file that sets each, for a refusal:
// the person changes one of them so that the reference reads value.
func (c *chartFix) readsKeys(l *refLine, value string) string {
	var keys []string
	for _, m := range valuesRefRE.FindAllStringSubmatch(l.value, -1) {
		k := strings.TrimPrefix(m[1], ".")
		if slices.Contains(keys, k) {
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return "; it reads no values key Rigel can name: change the template by hand"
	}
	var named []string
	for _, k := range keys {
		s := untrusted.MarkdownCode(k)
		if sk := c.fromSetFile(strings.Split(k, ".")); sk != "" {
			s += " (from the set-file " + untrusted.MarkdownCode(c.setFiles[sk]) + ")"
		} else if file, _, err := c.owner(strings.Split(k, ".")); err == nil && file != "" {
			s += " (set in " + untrusted.MarkdownCode(file) + ")"
		}
		named = append(named, s)
	}
	what := "values key"
	if len(named) > 1 {
		what = "values keys"
	}
	return fmt.Sprintf("; it reads %s %s: change it by hand so that the reference reads %s", what, strings.Join(named, ", "), untrusted.MarkdownCode(value))
}

// refLines are the template's lines `key: …` that may write value: all but a text or a direct
// mapping whose value is known and is another.
func (c *chartFix) refLines(key, value string) []refLine {
	re := regexp.MustCompile(`^(\s*(?:-\s+)?` + regexp.QuoteMeta(key) + `:)(\s.*)?$`)
	var out []refLine
	for i, raw := range c.lines {
		line := strings.TrimRight(raw, "\r")
		g := re.FindStringSubmatch(line)
		if g == nil || strings.TrimSpace(g[2]) == "" {
			continue
		}
		l := refLine{n: i, head: g[1], value: strings.TrimSpace(g[2])}
		for j := range c.maps {
			if c.maps[j].line == i+1 && c.maps[j].key == key {
				l.m = &c.maps[j]
			}
		}
		if cur, known := c.lineValue(l); known && cur != value {
			continue
		}
		out = append(out, l)
	}
	return out
}

// lineValue is the value a line writes when Rigel can tell without a render: its text, or the
// values its direct mapping reads joined with its text.
func (c *chartFix) lineValue(l refLine) (string, bool) {
	if !strings.Contains(l.value, "{{") {
		v, _, _ := strings.Cut(l.value, " #")
		return strings.Trim(strings.TrimSpace(v), `"'`), true
	}
	if l.m == nil || l.m.why != "" || l.m.block {
		return "", false
	}
	var b strings.Builder
	for _, p := range l.m.parts {
		if p.ref == nil {
			b.WriteString(p.lit)
			continue
		}
		v, ok := c.currentValue(p.ref)
		if !ok || v == "" { // set nowhere, or a default may stand in
			return "", false
		}
		b.WriteString(v)
	}
	return b.String(), true
}

// probe renders the chart with the line's value replaced by probeMarker and reports whether
// the reference then reads it.
func (c *chartFix) probe(l refLine, o op, prefix, name, source, field string) bool {
	lines := slices.Clone(c.lines)
	lines[l.n] = l.head + " " + probeMarker
	t := c.renderWith(map[string][]byte{c.template: []byte(strings.Join(lines, "\n"))})
	if t == nil {
		return false
	}
	got, ok := refValue(t, o.container, prefix, name, source, field)
	return ok && got == probeMarker
}
