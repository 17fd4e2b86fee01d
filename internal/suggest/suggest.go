// Package suggest finds the word a user most likely meant: the "did you
// mean" of an unknown manifest key or package name.
package suggest

// Closest returns the candidate nearest to word by edit distance (one
// insertion, deletion, substitution or swap of neighbours each), or "" if
// none is near enough to be a typo: at most 2 edits, and fewer than half
// of word's letters. An exact match is not a suggestion. Ties go to the
// first candidate.
func Closest(word string, candidates []string) string {
	best, bestD := "", 0
	for _, c := range candidates {
		if c == word {
			continue
		}
		d := Distance(word, c)
		if d > 2 || 2*d >= len([]rune(word)) {
			continue
		}
		if best == "" || d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// Distance returns the optimal string alignment distance between a and b:
// the number of insertions, deletions, substitutions and transpositions of
// adjacent letters that turn one into the other.
func Distance(a, b string) int {
	x, y := []rune(a), []rune(b)
	// Three rows of the table: two back, one back and this one.
	prev2 := make([]int, len(y)+1)
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(y)]
}
