package policy

import (
	"fmt"
	"slices"
)

// Keys take three forms along the tree of nanoprocesses:
//
//   - declared, as in [capabilities]: an fs key has no Source ("fs:data:rw");
//   - granted, on an edge: an fs key names the child's slot, and in Source
//     the parent's slot and a sub-path in it ("fs:out=data/uploads:rw");
//   - rooted, as a bundle records them: an fs key names the holder's slot,
//     and in Source the root's slot and a sub-path in it, so that the
//     operator's directories map straight to every nanoprocess's.
//
// Covers, CheckFlow and SpawnEdge compare declared and granted keys; this
// file holds the functions that walk keys along a path of edges and between
// granted and rooted forms. All of them nest fs paths with Within.

// HoldsRooted reports whether a nanoprocess holding s may hold k, both in
// rooted form: for fs, when a key of s has a Source that k's is Within, with
// at least k's access, whatever the two slots are called; any other key when
// s covers it. An fs key with no Source is not in rooted form and is never
// held.
func (s Set) HoldsRooted(k Key) bool {
	if k.Kind != FS {
		return s.Covers(k)
	}
	return k.Source != "" && slices.ContainsFunc(s, func(p Key) bool {
		return p.Kind == FS && p.Source != "" && p.Access >= k.Access && Within(k.Source, p.Source)
	})
}

// Rebase returns the fs key k, granted by a parent, with the parent's slot
// in its Source replaced by base, the place of that slot in other terms:
// "fs:tmp=data/jobs/7:rw" on base "data/uploads" is
// "fs:tmp=data/uploads/jobs/7:rw". Its Source is always Within base.
func Rebase(k Key, base string) Key {
	sub := k.SubPath()
	k.Source = base
	if sub != "" {
		k.Source += "/" + sub
	}
	return k
}

// Rooted returns k, a key handed down by a nanoprocess holding s, in rooted
// form. s is in rooted form and k in granted form: an fs key names, in its
// Source, a slot of s and a sub-path in it, and is rebased onto the root's
// path of that slot. The result is one that s HoldsRooted; it is an error if
// s holds no such slot with at least k's access. Other keys are returned as
// they are, if s covers them.
func (s Set) Rooted(k Key) (Key, error) {
	if k.Kind != FS {
		if !s.Covers(k) {
			return Key{}, fmt.Errorf("%s is not a key of its parent", k)
		}
		return k, nil
	}
	slot := k.SourceSlot()
	i := slices.IndexFunc(s, func(p Key) bool { return p.Kind == FS && p.Name == slot && p.Source != "" })
	if i < 0 {
		return Key{}, fmt.Errorf("%s: its parent holds no fs slot %q", k, slot)
	}
	if s[i].Access < k.Access {
		return Key{}, fmt.Errorf("%s: its parent holds %s", k, s[i])
	}
	return Rebase(k, s[i].Source), nil
}

// HandsDown reports whether a package holding k hands it, or part of it,
// down one of grants, keys in granted form: an fs key when a grant names
// its slot as the source, any other key when it covers a grant key.
func HandsDown(k Key, grants []Key) bool {
	return slices.ContainsFunc(grants, func(g Key) bool {
		if k.Kind == FS {
			return g.Kind == FS && g.SourceSlot() == k.Name
		}
		return k.Covers(g)
	})
}

// Trace follows key from the package at the end of a path of edges back to
// the root, the way it was handed down. root is what the root declares, and
// grants[i] what the i-th edge from the root hands down, as nano.lock records
// it: keys in granted form, each declared by the child. key is in declared
// form; an fs key with AsDeclared access stands for its slot at any access.
//
// Trace returns the root's key that key comes from and, for each edge, the
// grant key that hands it on; on each edge the parent must hold what it
// hands. ok is false if the package does not hold key along this path. With
// no edges, it reports whether the root holds key.
func Trace(root Set, grants [][]Key, key Key) (from Key, via []Key, ok bool) {
	via = make([]Key, len(grants))
	want := key
	for i := len(grants) - 1; i >= 0; i-- {
		j := slices.IndexFunc(grants[i], func(g Key) bool { return has(g, want) })
		if j < 0 {
			return Key{}, nil, false
		}
		g := grants[i][j]
		via[i] = g
		want = g
		if g.Kind == FS { // the parent's slot that g hands a part of
			want = Key{Kind: FS, Name: g.SourceSlot(), Access: g.Access}
		}
	}
	j := slices.IndexFunc(root, func(r Key) bool { return has(r, want) })
	if j < 0 {
		return Key{}, nil, false
	}
	return root[j], via, true
}

// has reports whether a holder of k holds want, both keys of the holder's
// own slots: for fs, k is of want's slot with at least its access (any, when
// want's is AsDeclared), whatever their Sources; otherwise k covers want.
func has(k, want Key) bool {
	if want.Kind == FS {
		return k.Kind == FS && k.Name == want.Name && (want.Access == AsDeclared || k.Access >= want.Access)
	}
	return k.Covers(want)
}
