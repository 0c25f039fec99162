package commands

// suggest returns the known verb closest to a mistyped one, or "" when none is close.
func suggest(verb string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := distance(verb, k); d < bestDist || (d == bestDist && best == "" && d <= len(k)/3) {
			best, bestDist = k, d
		}
	}
	if best != "" && bestDist > max(1, len(best)/3) {
		return ""
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
