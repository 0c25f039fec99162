package linediff

import (
	"strings"
	"testing"
)

// shortest is the length of a shortest edit script from a to b: Myers' greedy O(ND)
// algorithm in its plainest form, the reference the linear-space search is held to.
func shortest(a, b []string) int {
	n, m := len(a), len(b)
	off := n + m + 1
	v := make([]int, 2*off+1)
	for d := 0; d <= n+m; d++ {
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				return d
			}
		}
	}
	return n + m
}

// check fails t unless ops turn a into b, and returns the number of lines they change.
func check(t *testing.T, a, b []string, ops []Op) int {
	t.Helper()
	var out []string
	edits, i, j := 0, 0, 0
	for _, c := range ops {
		if c.I1 != i || c.J1 != j || c.I2 < c.I1 || c.J2 < c.J1 {
			t.Fatalf("ops do not follow each other at %+v (at a %d, b %d): %+v", c, i, j, ops)
		}
		switch c.Tag {
		case 'e':
			if c.I2-c.I1 != c.J2-c.J1 {
				t.Fatalf("equal op of unequal lengths %+v", c)
			}
			for k := 0; k < c.I2-c.I1; k++ {
				if a[c.I1+k] != b[c.J1+k] {
					t.Fatalf("equal op %+v pairs %q with %q", c, a[c.I1+k], b[c.J1+k])
				}
			}
			out = append(out, a[c.I1:c.I2]...)
		case 'd', 'i', 'r':
			if (c.Tag == 'd') != (c.J1 == c.J2) || (c.Tag == 'i') != (c.I1 == c.I2) || c.I1 == c.I2 && c.J1 == c.J2 {
				t.Fatalf("op %c with ranges %+v", c.Tag, c)
			}
			out = append(out, b[c.J1:c.J2]...)
			edits += (c.I2 - c.I1) + (c.J2 - c.J1)
		default:
			t.Fatalf("op tag %q", c.Tag)
		}
		i, j = c.I2, c.J2
	}
	if i != len(a) || j != len(b) {
		t.Fatalf("ops end at a %d, b %d; want %d, %d", i, j, len(a), len(b))
	}
	if strings.Join(out, "") != strings.Join(b, "") {
		t.Fatalf("ops make %q, want %q", out, b)
	}
	return edits
}

// fuzzLines turns bytes into lines from a small alphabet, so that lines repeat often.
func fuzzLines(s []byte) []string {
	out := make([]string, len(s))
	for i, c := range s {
		out[i] = string(rune('a'+c%6)) + "\n"
	}
	return out
}

// FuzzMatchesShortest: on small inputs (below the cut-off) the edit script is right (it turns
// a into b, its equal ranges are equal) and as short as the reference's.
func FuzzMatchesShortest(f *testing.F) {
	for _, s := range [][2]string{{"", ""}, {"abc", "abc"}, {"abcabba", "cbabac"}, {"aaaa", "aa"}, {"abab", "baba"}, {"x", ""}, {"", "yy"}} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, x, y []byte) {
		if len(x)+len(y) > 2*minCost { // the cut-off cannot end a search this small
			t.Skip()
		}
		a, b := fuzzLines(x), fuzzLines(y)
		if got, want := check(t, a, b, Ops(a, b)), shortest(a, b); got != want {
			t.Errorf("%q -> %q: %d lines changed, shortest %d", x, y, got, want)
		}
	})
}

// TestMatchesShortest runs the fuzz property on the realistic objects of TestSameAsDifflib.
func TestMatchesShortest(t *testing.T) {
	r := newRand()
	for i := 0; i < 500; i++ {
		a := object(r)
		b := changed(r, a)
		if got, want := check(t, a, b, Ops(a, b)), shortest(a, b); got != want {
			t.Fatalf("case %d: %d lines changed, shortest %d", i, got, want)
		}
	}
}

// shuffled is two texts of n lines drawn from three: nearly every line has a match on the
// other side, and the shortest script is long.
func shuffled(n int) (a, b []string) {
	r := newRand()
	alphabet := []string{"- a\n", "- b\n", "- c\n"}
	a, b = make([]string, n), make([]string, n)
	for i := range a {
		a[i], b[i] = alphabet[r.Intn(3)], alphabet[r.Intn(3)]
	}
	return a, b
}

// TestCutOff: past the cut-off the search stops early and the script is still right, and
// not much longer than the shortest; a costly input cannot hold a preview for long.
func TestCutOff(t *testing.T) {
	a, b := shuffled(4000) // a shortest script of about 2,300 lines: far past the cut-off
	got, want := check(t, a, b, Ops(a, b)), shortest(a, b)
	t.Logf("%d lines changed, shortest %d", got, want)
	if want < 4*minCost {
		t.Fatalf("the shortest script is %d lines: the input does not reach the cut-off", want)
	}
	if got < want || got > want*5/4 {
		t.Errorf("%d lines changed, want between the shortest %d and 1.25× it", got, want)
	}
}
