package linediff

// Matches returns, for each line of a, the index of the line of b it is matched with in a
// short edit script from a to b, or -1 when the line is deleted. Matched indexes increase.
func Matches(a, b []string) []int {
	ids := make(map[string]int, len(a)+len(b))
	ia, ib := number(a, ids), number(b, ids)
	inA, inB := make([]int, len(ids)), make([]int, len(ids))
	for _, id := range ia {
		inA[id]++
	}
	for _, id := range ib {
		inB[id]++
	}
	// A line found on one side only is always an edit: leave it out of the search, so that
	// scattered one-line changes cost the search nothing.
	ka, ra := kept(ia, inB)
	kb, rb := kept(ib, inA)
	d := newDiffer(ra, rb)
	d.compare(0, len(ra), 0, len(rb))
	match := make([]int, len(a))
	for i := range match {
		match[i] = -1
	}
	for i, j := range d.matchA {
		if j >= 0 {
			match[ka[i]] = kb[j]
		}
	}
	slide(a, b, match)
	return match
}

// number gives each line its number in ids, the same number to equal lines.
func number(lines []string, ids map[string]int) []int {
	out := make([]int, len(lines))
	for i, l := range lines {
		id, ok := ids[l]
		if !ok {
			id = len(ids)
			ids[l] = id
		}
		out[i] = id
	}
	return out
}

// kept returns the indexes and numbers of the lines whose number the other side has.
func kept(seq, other []int) (idx, ids []int) {
	for i, id := range seq {
		if other[id] > 0 {
			idx = append(idx, i)
			ids = append(ids, id)
		}
	}
	return idx, ids
}

// slide moves each run of deleted lines of a, and each run of inserted lines of b, over equal
// lines to where it reads best, then pairs the kept lines again: next to a change on the other
// side when it can (a deletion and an insertion then show as one replacement), else as late
// as it goes (as difflib shows "x" followed by an inserted "x": the first one kept). This is
// GNU diff's shift_boundaries.
func slide(a, b []string, match []int) {
	delA := make([]bool, len(a)+2) // line i at i+1; the ends are never changed
	insB := make([]bool, len(b)+2)
	for i := range b {
		insB[i+1] = true
	}
	for i, j := range match {
		if j < 0 {
			delA[i+1] = true
		} else {
			insB[j+1] = false
		}
	}
	shift(a, delA, insB)
	shift(b, insB, delA)
	j := 0
	for i := range match {
		match[i] = -1
		if delA[i+1] {
			continue
		}
		for insB[j+1] {
			j++
		}
		match[i] = j
		j++
	}
}

// shift slides the runs of changed lines of one side (ch, padded by one unchanged entry at
// each end), keeping track of the matching place on the other side (other, padded alike).
func shift(lines []string, ch, other []bool) {
	n := len(lines)
	c := func(i int) bool { return ch[i+1] }
	o := func(j int) bool { return other[j+1] }
	i, j := 0, 0
	for {
		for i < n && !c(i) { // find the next run, and the matching place on the other side
			for o(j) {
				j++
			}
			j++
			i++
		}
		if i == n {
			return
		}
		start := i
		for i++; c(i); i++ {
		}
		for o(j) {
			j++
		}
		var corresponding, runlength int
		for {
			runlength = i - start
			// Back, while the line above equals the run's last: merges with runs above.
			for start > 0 && lines[start-1] == lines[i-1] {
				start--
				ch[start+1] = true
				i--
				ch[i+1] = false
				for c(start - 1) {
					start--
				}
				for j--; o(j); j-- {
				}
			}
			corresponding = n
			if o(j - 1) {
				corresponding = i
			}
			// Forward, while the run's first line equals the line below: as far as it goes.
			for i != n && lines[start] == lines[i] {
				ch[start+1] = false
				start++
				ch[i+1] = true
				i++
				for c(i) {
					i++
				}
				for j++; o(j); j++ {
					corresponding = i
				}
			}
			if runlength == i-start {
				break
			}
		}
		// Back to the last place next to a change on the other side, if there was one.
		for corresponding < i {
			start--
			ch[start+1] = true
			i--
			ch[i+1] = false
			for j--; o(j); j-- {
			}
		}
	}
}
