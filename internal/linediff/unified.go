package linediff

import (
	"strconv"
	"strings"
)

// An Op is a range of a and a range of b: equal ('e'), deleted from a ('d'), inserted from b
// ('i') or replaced ('r'), as difflib's opcodes.
type Op struct {
	Tag            byte
	I1, I2, J1, J2 int
}

// Ops returns the edit script from a to b as difflib's opcodes.
func Ops(a, b []string) []Op {
	match := Matches(a, b)
	var ops []Op
	i, j := 0, 0
	flush := func(ai, bj int) { // the change before the equal pair (ai, bj)
		switch {
		case i < ai && j < bj:
			ops = append(ops, Op{'r', i, ai, j, bj})
		case i < ai:
			ops = append(ops, Op{'d', i, ai, j, bj})
		case j < bj:
			ops = append(ops, Op{'i', i, ai, j, bj})
		}
	}
	for ai := 0; ai < len(a); ai++ {
		bj := match[ai]
		if bj < 0 {
			continue
		}
		flush(ai, bj)
		if n := len(ops); n > 0 && ops[n-1].Tag == 'e' && ops[n-1].I2 == ai && ops[n-1].J2 == bj {
			ops[n-1].I2, ops[n-1].J2 = ai+1, bj+1
		} else {
			ops = append(ops, Op{'e', ai, ai + 1, bj, bj + 1})
		}
		i, j = ai+1, bj+1
	}
	flush(len(a), len(b))
	for k := range ops {
		placeLikeDifflib(a, b, ops, k)
	}
	return ops
}

// placeLikeDifflib moves a lone deletion or insertion, ops[k] between two equal ranges, over
// the equal lines it can slide across, to where difflib puts it: difflib keeps the longest
// equal range whole, so the edit goes to the far side of the longer range it could make
// (before it, when the range after wins; after it on a tie, the earlier range winning).
func placeLikeDifflib(a, b []string, ops []Op, k int) {
	c := ops[k]
	if (c.Tag != 'd' && c.Tag != 'i') || k == 0 || k == len(ops)-1 || ops[k-1].Tag != 'e' || ops[k+1].Tag != 'e' {
		return
	}
	lines, lo, hi := a, c.I1, c.I2
	if c.Tag == 'i' {
		lines, lo, hi = b, c.J1, c.J2
	}
	before, after := ops[k-1].I2-ops[k-1].I1, ops[k+1].I2-ops[k+1].I1
	up, down := 0, 0
	for up < before && lines[lo-up-1] == lines[hi-up-1] {
		up++
	}
	for down < after && lines[lo+down] == lines[hi+down] {
		down++
	}
	move := down // the range before, grown by down lines, is kept whole
	if after+up > before+down {
		move = -up
	}
	if move == 0 {
		return
	}
	ops[k-1].I2, ops[k-1].J2 = ops[k-1].I2+move, ops[k-1].J2+move
	ops[k+1].I1, ops[k+1].J1 = ops[k+1].I1+move, ops[k+1].J1+move
	ops[k] = Op{c.Tag, c.I1 + move, c.I2 + move, c.J1 + move, c.J2 + move}
}

// grouped splits ops into hunks with up to n lines of context, as difflib's
// GetGroupedOpCodes.
func grouped(ops []Op, n int) [][]Op {
	if len(ops) == 0 {
		ops = []Op{{'e', 0, 1, 0, 1}}
	}
	if c := ops[0]; c.Tag == 'e' {
		ops[0] = Op{'e', max(c.I1, c.I2-n), c.I2, max(c.J1, c.J2-n), c.J2}
	}
	if c := ops[len(ops)-1]; c.Tag == 'e' {
		ops[len(ops)-1] = Op{'e', c.I1, min(c.I2, c.I1+n), c.J1, min(c.J2, c.J1+n)}
	}
	var groups [][]Op
	var group []Op
	for _, c := range ops {
		if c.Tag == 'e' && c.I2-c.I1 > 2*n {
			group = append(group, Op{'e', c.I1, min(c.I2, c.I1+n), c.J1, min(c.J2, c.J1+n)})
			groups = append(groups, group)
			group = nil
			c.I1, c.J1 = max(c.I1, c.I2-n), max(c.J1, c.J2-n)
		}
		group = append(group, c)
	}
	if len(group) > 0 && !(len(group) == 1 && group[0].Tag == 'e') {
		groups = append(groups, group)
	}
	return groups
}

// Unified returns the unified diff of a and b with n lines of context, byte for byte in
// difflib's format (GetUnifiedDiffString with these fields): "--- from" and "+++ to" headers
// (left out when both names are empty), "@@ -l,s +l,s @@" hunks, and each line as given (the
// lines carry their own "\n"). Equal texts give "".
func Unified(a, b []string, from, to string, n int) string {
	if n < 0 {
		n = 3
	}
	var w strings.Builder
	for k, g := range grouped(Ops(a, b), n) {
		if k == 0 && (from != "" || to != "") {
			w.WriteString("--- " + from + "\n+++ " + to + "\n")
		}
		first, last := g[0], g[len(g)-1]
		w.WriteString("@@ -" + unifiedRange(first.I1, last.I2) + " +" + unifiedRange(first.J1, last.J2) + " @@\n")
		for _, c := range g {
			if c.Tag == 'e' {
				writeLines(&w, ' ', a[c.I1:c.I2])
				continue
			}
			if c.Tag == 'r' || c.Tag == 'd' {
				writeLines(&w, '-', a[c.I1:c.I2])
			}
			if c.Tag == 'r' || c.Tag == 'i' {
				writeLines(&w, '+', b[c.J1:c.J2])
			}
		}
	}
	return w.String()
}

func writeLines(w *strings.Builder, mark byte, lines []string) {
	for _, l := range lines {
		w.WriteByte(mark)
		w.WriteString(l)
	}
}

// unifiedRange is a hunk's range in "ed" format: "start,length", or "start" for one line;
// an empty range starts at the line before it.
func unifiedRange(start, stop int) string {
	begin, length := start+1, stop-start
	if length == 1 {
		return strconv.Itoa(begin)
	}
	if length == 0 {
		begin--
	}
	return strconv.Itoa(begin) + "," + strconv.Itoa(length)
}
