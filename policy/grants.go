package policy

import "slices"

// Grants reports whether grant hands child every key it declares: whether
// CheckFlow(parent, grant, child).Missing is empty, for any parent, without
// building the Flow. A resolver asks it of every candidate version.
func Grants(grant []Key, child Set) bool {
	for _, c := range child {
		if c.Kind != FS {
			if !slices.ContainsFunc(grant, func(g Key) bool { return g.Covers(c) }) {
				return false
			}
			continue
		}
		i := slices.IndexFunc(grant, func(g Key) bool { return g.Kind == FS && g.Name == c.Name })
		if i < 0 || !gives(grant[i], c) {
			return false
		}
	}
	return true
}
