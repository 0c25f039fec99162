package commands

// suggest returns the known verb closest to a mistyped one, or "" when none is close enough:
// at most one edit for short verbs, a third of the verb's length for longer ones.
func suggest(verb string, known []string) string {
	best, bestDist := "", -1
	for _, k := range known {
		if d := distance(verb, k); bestDist < 0 || d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" || bestDist > max(1, len([]rune(best))/3) {
		return ""
	}
	return best
}

// distance is the optimal-string-alignment edit distance: insertions, deletions,
// substitutions and swaps of two neighbours ("snyc" → "sync") each count one.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
