package policy

import (
	"fmt"
	"slices"
	"strings"
)

// A SpawnEdge is an edge along which a parent starts children while it runs
// (SPEC section 8, nano:process): what start checks the keys a parent hands
// against. Keys only narrow: each handed key must be covered by the edge's
// grant and held by the parent at run time, and each key the child declares
// must be covered by what it is handed. A SpawnEdge is only read: one may
// serve concurrent starts.
type SpawnEdge struct {
	// Parent and Child are the package names, for messages.
	Parent, Child string
	// Grant is the edge's grant in nano.lock, in granted form
	// ("fs:tmp=data/jobs:rw": the child's slot, the parent's slot and
	// sub-path).
	Grant []Key
	// Held is what the parent holds at run time, in declared form: its
	// declared keys, less what the operator denies, fs keys ro where the
	// operator's directory is.
	Held Set
	// Declared is what the child declares.
	Declared Set
}

// Hand returns what a child started along e holds when its parent hands it
// keys, each in granted form; no keys hands it the edge's grant. As in
// CheckFlow, the child holds each key it declares, an fs key with the
// Source of the key handed for its slot, and a handed key it does not
// declare is dropped. With no keys, Hand hands exactly what CheckFlow does,
// and refuses exactly the edges CheckFlow does not find OK (for a grant with
// one fs key a slot at most, as every grant has).
//
// The error names the first key that does not narrow: a handed key that the
// grant does not cover (a wider fs sub-path, rw over ro, a wider net host or
// port, a key of a kind or name the grant lacks), that the parent does not
// hold at run time, or two fs keys for one slot; or a declared key of the
// child that no handed key covers.
func (e *SpawnEdge) Hand(keys []Key) (Set, error) {
	if len(keys) == 0 {
		keys = e.Grant
	}
	for i, k := range keys {
		if err := e.check(k); err != nil {
			return nil, err
		}
		if k.Kind == FS && slices.ContainsFunc(keys[:i], func(o Key) bool { return o.Kind == FS && o.Name == k.Name }) {
			return nil, fmt.Errorf("%s: fs slot %q of %s is handed twice", k, k.Name, e.Child)
		}
	}
	if len(e.Declared) == 0 {
		return nil, nil // as NewSet() is
	}
	handed := make(Set, 0, len(e.Declared))
	for _, c := range e.Declared {
		i := slices.IndexFunc(keys, func(k Key) bool {
			if c.Kind == FS {
				return k.Kind == FS && k.Name == c.Name && gives(k, c)
			}
			return k.Covers(c)
		})
		if i < 0 {
			return nil, fmt.Errorf("%s declares %s, which start does not hand it", e.Child, c)
		}
		if c.Kind == FS {
			c.Source = keys[i].Source
		}
		handed = append(handed, c)
	}
	// Declared is sorted and distinct, and a handed key differs from the
	// declared one in its Source only, so sorting keeps them distinct.
	slices.SortFunc(handed, compare)
	return handed, nil
}

// check reports whether k, a key handed along e, narrows the grant and is
// held by the parent.
func (e *SpawnEdge) check(k Key) error {
	if k.Kind < FS || k.Kind > Spawn {
		return fmt.Errorf("%q is not a key", k)
	}
	if k.Kind == FS && k.Source == "" {
		return fmt.Errorf("%s names no slot of %s: an fs key handed to a child is fs:SLOT=SOURCE[/SUB/PATH][:ro|:rw]", k, e.Parent)
	}
	if !slices.ContainsFunc(e.Grant, func(g Key) bool { return e.effective(g).Covers(e.effective(k)) }) {
		var same []string
		for _, g := range e.Grant {
			if g.Kind == k.Kind && (k.Kind != FS || g.Name == k.Name) {
				same = append(same, g.String())
			}
		}
		what := "no such key"
		if len(same) > 0 {
			what = strings.Join(same, ", ")
		}
		return fmt.Errorf("%s is not covered by the grant of %s to %s in nano.lock (%s)", k, e.Parent, e.Child, what)
	}
	if !holds(e.Held, k, e.Declared) {
		need := k
		if k.Kind == FS {
			need = Key{Kind: FS, Name: k.SourceSlot(), Access: access(k, e.Declared)}
		}
		return fmt.Errorf("%s: %s does not hold %s at run time", k, e.Parent, need)
	}
	return nil
}

// effective returns k with the access a grant without one gives the child.
func (e *SpawnEdge) effective(k Key) Key {
	if k.Kind == FS {
		k.Access = access(k, e.Declared)
	}
	return k
}

// ParseGrant parses a key in granted form, as a parent names the keys it
// hands a child it starts: ParseKey's forms, except that an fs key is
// fs:SLOT=SOURCE[/SUB/PATH][:ro|:rw], where SLOT is the child's slot and
// SOURCE the parent's, and without an access gives the child's declared one.
func ParseGrant(s string) (Key, error) {
	rest, ok := strings.CutPrefix(s, "fs:")
	if !ok {
		return ParseKey(s)
	}
	slot, value, ok := strings.Cut(rest, "=")
	if !ok {
		return Key{}, fmt.Errorf("key %q: an fs key in a grant is fs:SLOT=SOURCE[/SUB/PATH][:ro|:rw]", s)
	}
	k, err := ParseGrantFS(slot, value)
	if err != nil {
		return Key{}, fmt.Errorf("key %q: %v", s, err)
	}
	return k, nil
}
