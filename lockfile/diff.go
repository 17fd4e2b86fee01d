package lockfile

import (
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/nanoproc/nano/policy"
)

// Changes is the difference between two lockfiles.
type Changes struct {
	Packages []PackageChange
	Edges    []EdgeChange
}

// A PackageChange is a package whose version, source, keys or content
// changed, or that was added or removed.
type PackageChange struct {
	Name     string
	Old, New *Package // Old is nil for a new package, New for a removed one
	// Content reports that a digest changed at the same version.
	Content bool
	// Keys is policy.Diff of the old and new keys: every key Added for a
	// new package, every key Dropped for a removed one.
	Keys []policy.Delta
}

// Major reports whether the version change crosses a Cargo compatibility
// class: the majors differ, or for 0.x the minors, or for 0.0.x the patches.
// It is false for a new or removed package.
func (c PackageChange) Major() bool {
	return c.Old != nil && c.New != nil && class(c.Old.Version) != class(c.New.Version)
}

// An EdgeChange is an edge whose grant or limits changed, or that was
// added or removed.
type EdgeChange struct {
	// Parent and Child are package names, not IDs, so that an edge matches
	// across version changes of either side.
	Parent, Child string
	Old, New      *Edge // nil when absent on that side
	// Grant is policy.Diff of the old and new grants.
	Grant []policy.Delta
}

// compat is a Cargo compatibility class: versions in one class are
// compatible with each other.
type compat struct{ major, minor, patch uint64 }

func class(v *semver.Version) compat {
	switch {
	case v.Major() > 0:
		return compat{major: v.Major()}
	case v.Minor() > 0:
		return compat{minor: v.Minor()}
	}
	return compat{patch: v.Patch()}
}

// Diff returns the changes from old to new, sorted by name.
//
// Packages match by name; when a name has several versions on a side, they
// match by compatibility class first, then the rest in version order.
// Edges match by parent and child name, and then the same way by the
// classes of their parent's and child's versions. A nil Lock is empty.
func Diff(old, new *Lock) *Changes {
	if old == nil {
		old = &Lock{}
	}
	if new == nil {
		new = &Lock{}
	}
	c := &Changes{}
	if identical(old, new) {
		return c // the common case of a lock checked against the tree
	}
	for _, pair := range matchPackages(old.Packages, new.Packages) {
		o, n := pair[0], pair[1]
		ch := PackageChange{Old: o, New: n}
		var oldKeys, newKeys policy.Set
		if o != nil {
			ch.Name, oldKeys = o.Name, o.Keys
		}
		if n != nil {
			ch.Name, newKeys = n.Name, n.Keys
		}
		if o != nil && n != nil {
			// The same version text: equal, with the same build metadata.
			same := o.Version.Equal(n.Version) && o.Version.Metadata() == n.Version.Metadata()
			ch.Content = same && (o.Manifest != n.Manifest || o.Module != n.Module || o.WIT != n.WIT)
			if same && o.Source == n.Source && slices.Equal(o.Keys, n.Keys) && !ch.Content {
				continue
			}
		}
		ch.Keys = policy.Diff(oldKeys, newKeys)
		c.Packages = append(c.Packages, ch)
	}
	for _, pair := range matchEdges(old.Edges, new.Edges) {
		o, n := pair[0], pair[1]
		ch := EdgeChange{Old: o, New: n}
		var oldGrant, newGrant policy.Set
		if o != nil {
			ch.Parent, ch.Child, oldGrant = name(o.Parent), name(o.Child), o.Grant
		}
		if n != nil {
			ch.Parent, ch.Child, newGrant = name(n.Parent), name(n.Child), n.Grant
		}
		if o != nil && n != nil && slices.Equal(oldGrant, newGrant) && o.Limits == n.Limits {
			continue
		}
		ch.Grant = policy.Diff(oldGrant, newGrant)
		c.Edges = append(c.Edges, ch)
	}
	return c
}

// identical reports whether two locks hold the same packages and edges
// in the same order, which Diff then need not match up.
func identical(a, b *Lock) bool {
	if len(a.Packages) != len(b.Packages) || len(a.Edges) != len(b.Edges) {
		return false
	}
	for i, p := range a.Packages {
		q := b.Packages[i]
		if p.Name != q.Name || !p.Version.Equal(q.Version) || p.Version.Metadata() != q.Version.Metadata() ||
			p.Source != q.Source || p.Manifest != q.Manifest || p.Module != q.Module || p.WIT != q.WIT ||
			!slices.Equal(p.Keys, q.Keys) || !slices.Equal(p.Dependencies, q.Dependencies) {
			return false
		}
	}
	for i, e := range a.Edges {
		f := b.Edges[i]
		if e.Parent != f.Parent || e.Child != f.Child || !slices.Equal(e.Grant, f.Grant) || e.Limits != f.Limits {
			return false
		}
	}
	return true
}

// name returns the name part of a package ID.
func name(id string) string {
	n, _, _ := strings.Cut(id, " ")
	return n
}

// matchPackages pairs old and new packages: [old, new], either nil when
// unmatched. The pairs come sorted by name, then version.
func matchPackages(old, new []*Package) [][2]*Package {
	old, new = sorted(old, comparePackages), sorted(new, comparePackages)
	var pairs [][2]*Package
	for _, g := range group(old, new, func(p *Package) string { return p.Name }, strings.Compare) {
		pairs = append(pairs, pairUp(g[0], g[1], func(o, n *Package) bool {
			return class(o.Version) == class(n.Version)
		})...)
	}
	byPackage := func(a, b [2]*Package) int { return comparePackages(either(a), either(b)) }
	if !slices.IsSortedFunc(pairs, byPackage) {
		slices.SortStableFunc(pairs, byPackage)
	}
	return pairs
}

// either returns the old package of a pair, or else the new one.
func either(p [2]*Package) *Package {
	if p[0] != nil {
		return p[0]
	}
	return p[1]
}

// matchEdges pairs old and new edges by parent and child name, and then as
// packages pair: [old, new], either nil when unmatched. The pairs come sorted
// by parent and child name.
func matchEdges(old, new []*Edge) [][2]*Edge {
	old, new = sorted(old, compareEdges), sorted(new, compareEdges)
	var pairs [][2]*Edge
	type names struct{ parent, child string }
	key := func(e *Edge) names { return names{name(e.Parent), name(e.Child)} }
	byNames := func(a, b names) int {
		if c := strings.Compare(a.parent, b.parent); c != 0 {
			return c
		}
		return strings.Compare(a.child, b.child)
	}
	for _, g := range group(old, new, key, byNames) {
		pairs = append(pairs, pairUp(g[0], g[1], func(o, n *Edge) bool {
			return sameClass(o.Parent, n.Parent) && sameClass(o.Child, n.Child)
		})...)
	}
	return pairs
}

// sameClass reports whether two package IDs have versions in the same
// compatibility class.
func sameClass(a, b string) bool {
	_, av, _ := strings.Cut(a, " ")
	_, bv, _ := strings.Cut(b, " ")
	va, erra := semver.StrictNewVersion(av)
	vb, errb := semver.StrictNewVersion(bv)
	return erra == nil && errb == nil && class(va) == class(vb)
}

// pairUp pairs each old element with the first unpaired compatible new one,
// then the rest in order; the longer list's remainder pairs with nil.
func pairUp[T any](old, new []T, compatible func(o, n T) bool) [][2]T {
	if len(old) <= 1 && len(new) <= 1 {
		// One on each side at most, the common case: classes decide nothing.
		var p [2]T
		if len(old) == 1 {
			p[0] = old[0]
		}
		if len(new) == 1 {
			p[1] = new[0]
		}
		return [][2]T{p}
	}
	var pairs [][2]T
	used := make([]bool, len(new))
	var restOld, restNew []T
Old:
	for _, o := range old {
		for i, n := range new {
			if !used[i] && compatible(o, n) {
				used[i] = true
				pairs = append(pairs, [2]T{o, n})
				continue Old
			}
		}
		restOld = append(restOld, o)
	}
	for i, n := range new {
		if !used[i] {
			restNew = append(restNew, n)
		}
	}
	for i := range max(len(restOld), len(restNew)) {
		var p [2]T
		if i < len(restOld) {
			p[0] = restOld[i]
		}
		if i < len(restNew) {
			p[1] = restNew[i]
		}
		pairs = append(pairs, p)
	}
	return pairs
}

// sorted returns s sorted stably: s itself if it is sorted already, as
// locks are, or else a sorted copy.
func sorted[T any](s []T, cmp func(a, b T) int) []T {
	if slices.IsSortedFunc(s, cmp) {
		return s
	}
	s = slices.Clone(s)
	slices.SortStableFunc(s, cmp)
	return s
}

// group splits two lists by key, in key order: for each key, its
// elements in old and in new, in their order.
func group[T any, K comparable](old, new []T, key func(T) K, cmp func(a, b K) int) [][2][]T {
	ko, kn := keysOf(old, key), keysOf(new, key)
	if slices.IsSortedFunc(ko, cmp) && slices.IsSortedFunc(kn, cmp) {
		return mergeGroups(old, new, ko, kn, cmp)
	}
	return mapGroups(old, new, key, cmp)
}

// keysOf returns the key of each element of s.
func keysOf[T any, K any](s []T, key func(T) K) []K {
	out := make([]K, len(s))
	for i, x := range s {
		out[i] = key(x)
	}
	return out
}

// mapGroups is group of lists in any order.
func mapGroups[T any, K comparable](old, new []T, key func(T) K, cmp func(a, b K) int) [][2][]T {
	index := make(map[K]int, len(old)+len(new))
	var keys []K
	var out [][2][]T
	for side, s := range [2][]T{old, new} {
		for _, x := range s {
			k := key(x)
			i, ok := index[k]
			if !ok {
				i = len(out)
				index[k] = i
				keys = append(keys, k)
				out = append(out, [2][]T{})
			}
			out[i][side] = append(out[i][side], x)
		}
	}
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp(keys[a], keys[b]) })
	sorted := make([][2][]T, len(out))
	for i, j := range order {
		sorted[i] = out[j]
	}
	return sorted
}

// mergeGroups is group of two lists already sorted by key, as the lists of
// a lock mostly are: one merge, and no map. ko and kn are the keys of old
// and new.
func mergeGroups[T any, K any](old, new []T, ko, kn []K, cmp func(a, b K) int) [][2][]T {
	out := make([][2][]T, 0, max(len(old), len(new)))
	for len(old) > 0 || len(new) > 0 {
		var k K
		switch {
		case len(old) == 0:
			k = kn[0]
		case len(new) == 0:
			k = ko[0]
		case cmp(kn[0], ko[0]) < 0:
			k = kn[0]
		default:
			k = ko[0]
		}
		var g [2][]T
		i := 0
		for i < len(old) && cmp(ko[i], k) == 0 {
			i++
		}
		if i > 0 {
			g[0], old, ko = old[:i:i], old[i:], ko[i:]
		}
		i = 0
		for i < len(new) && cmp(kn[i], k) == 0 {
			i++
		}
		if i > 0 {
			g[1], new, kn = new[:i:i], new[i:], kn[i:]
		}
		out = append(out, g)
	}
	return out
}
