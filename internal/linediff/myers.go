package linediff

// The edit search: Myers' linear-space algorithm ("An O(ND) Difference Algorithm and Its
// Variations", 1986, section 4b) in the shape of GNU diff's diag/compareseq, with its
// cut-off heuristic.

// minCost is the least number of edit steps the middle-snake search takes before the
// cut-off may end it; the cut-off grows with the square root of the input's size.
const minCost = 256

// differ holds one comparison: the two sequences as line numbers (equal lines, equal
// numbers), the two diagonal vectors, and the matched pairs found so far.
type differ struct {
	a, b    []int
	fd, bd  []int // furthest-reaching x on each diagonal, forward and backward, by k+off
	off     int
	maxCost int
	matchA  []int // matchA[i] is the index in b that a[i] is matched with, or -1
}

func newDiffer(a, b []int) *differ {
	n := len(a) + len(b) + 3
	d := &differ{a: a, b: b, fd: make([]int, n), bd: make([]int, n), off: len(b) + 1}
	d.matchA = make([]int, len(a))
	for i := range d.matchA {
		d.matchA[i] = -1
	}
	d.maxCost = max(minCost, isqrt(len(a)+len(b)))
	return d
}

func isqrt(n int) int {
	r := 1
	for r*r < n {
		r++
	}
	return r
}

// compare matches a[xoff:xlim] with b[yoff:ylim].
func (d *differ) compare(xoff, xlim, yoff, ylim int) {
	for {
		for xoff < xlim && yoff < ylim && d.a[xoff] == d.b[yoff] {
			d.matchA[xoff] = yoff
			xoff, yoff = xoff+1, yoff+1
		}
		for xlim > xoff && ylim > yoff && d.a[xlim-1] == d.b[ylim-1] {
			xlim, ylim = xlim-1, ylim-1
			d.matchA[xlim] = ylim
		}
		if xoff == xlim || yoff == ylim {
			return // the rest is only deletions or only insertions
		}
		x, y := d.split(xoff, xlim, yoff, ylim)
		if (x == xoff && y == yoff) || (x == xlim && y == ylim) {
			return // no progress (cannot happen past the trim; kept so it cannot loop): no match here
		}
		// Recurse into the smaller half, loop on the other: the depth stays logarithmic.
		if (x-xoff)+(y-yoff) < (xlim-x)+(ylim-y) {
			d.compare(xoff, x, yoff, y)
			xoff, yoff = x, y
		} else {
			d.compare(x, xlim, y, ylim)
			xlim, ylim = x, y
		}
	}
}

// split finds a point (x, y) that a shortest edit path of a[xoff:xlim] into b[yoff:ylim]
// goes through, near its middle; past the cut-off, a point far along the best paths found.
// The ranges are trimmed: their first and last lines differ.
func (d *differ) split(xoff, xlim, yoff, ylim int) (int, int) {
	a, b, fd, bd, o := d.a, d.b, d.fd, d.bd, d.off
	dmin, dmax := xoff-ylim, xlim-yoff // the diagonals k = x-y in reach
	fmid, bmid := xoff-yoff, xlim-ylim // where each search starts
	fmin, fmax, bmin, bmax := fmid, fmid, bmid, bmid
	odd := (fmid-bmid)&1 != 0
	fd[fmid+o] = xoff
	bd[bmid+o] = xlim
	const far = int(^uint(0) >> 1)
	for c := 1; ; c++ {
		// One more step forward.
		if fmin > dmin {
			fmin--
			fd[fmin-1+o] = -1
		} else {
			fmin++
		}
		if fmax < dmax {
			fmax++
			fd[fmax+1+o] = -1
		} else {
			fmax--
		}
		for k := fmax; k >= fmin; k -= 2 {
			tlo, thi := fd[k-1+o], fd[k+1+o]
			x := thi
			if tlo >= thi {
				x = tlo + 1
			}
			y := x - k
			for x < xlim && y < ylim && a[x] == b[y] {
				x, y = x+1, y+1
			}
			fd[k+o] = x
			if odd && bmin <= k && k <= bmax && bd[k+o] <= x {
				return x, y
			}
		}
		// One more step backward.
		if bmin > dmin {
			bmin--
			bd[bmin-1+o] = far
		} else {
			bmin++
		}
		if bmax < dmax {
			bmax++
			bd[bmax+1+o] = far
		} else {
			bmax--
		}
		for k := bmax; k >= bmin; k -= 2 {
			tlo, thi := bd[k-1+o], bd[k+1+o]
			x := thi - 1
			if tlo < thi {
				x = tlo
			}
			y := x - k
			for x > xoff && y > yoff && a[x-1] == b[y-1] {
				x, y = x-1, y-1
			}
			bd[k+o] = x
			if !odd && fmin <= k && k <= fmax && x <= fd[k+o] {
				return x, y
			}
		}
		if c < d.maxCost {
			continue
		}
		// The cut-off: take the forward or backward path that got furthest.
		fxy, fx := -1, 0
		for k := fmax; k >= fmin; k -= 2 {
			x := min(fd[k+o], xlim)
			y := x - k
			if ylim < y {
				x, y = ylim+k, ylim
			}
			if fxy < x+y {
				fxy, fx = x+y, x
			}
		}
		bxy, bx := far, 0
		for k := bmax; k >= bmin; k -= 2 {
			x := max(xoff, bd[k+o])
			y := x - k
			if y < yoff {
				x, y = yoff+k, yoff
			}
			if x+y < bxy {
				bxy, bx = x+y, x
			}
		}
		if (xlim+ylim)-bxy < fxy-(xoff+yoff) {
			return fx, fxy - fx
		}
		return bx, bxy - bx
	}
}
