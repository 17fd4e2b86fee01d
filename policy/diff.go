package policy

// An Op is how a key changed between two sets.
type Op uint8

// The ways a key can change. Added and Widened escalate; Narrowed and Dropped
// reduce.
const (
	Added Op = iota + 1
	Widened
	Narrowed
	Dropped
)

// String returns the Op's text form.
func (op Op) String() string {
	switch op {
	case Added:
		return "added"
	case Widened:
		return "widened"
	case Narrowed:
		return "narrowed"
	case Dropped:
		return "dropped"
	}
	return ""
}

// A Delta is one change between two key sets.
type Delta struct {
	Op  Op
	Key Key // the new key; for Dropped, the old one
	Old Key // for Widened and Narrowed, the key it replaces
}

// Escalates reports whether the delta gives its holder more than before.
func (d Delta) Escalates() bool { return d.Op == Added || d.Op == Widened }

// String returns the Delta's text form.
func (d Delta) String() string {
	switch d.Op {
	case Widened, Narrowed:
		return d.Old.String() + " -> " + d.Key.String()
	}
	return d.Key.String()
}

// Diff returns how the keys of new differ from those of old: escalations
// first, in key order, then reductions.
//
// A new key that some old key covers is no escalation. A new key that covers
// an old one, or gives an fs slot more access, widens it; any other new key
// is added. An old key that no new key covers was narrowed when some new key
// lies inside it, and dropped otherwise.
func Diff(old, new Set) []Delta {
	var up, down []Delta
	for _, n := range new {
		if old.Covers(n) {
			continue
		}
		if o, ok := related(old, n, func(o Key) bool { return n.Covers(o) }); ok {
			up = append(up, Delta{Op: Widened, Key: n, Old: o})
		} else {
			up = append(up, Delta{Op: Added, Key: n})
		}
	}
	for _, o := range old {
		if new.Covers(o) {
			continue
		}
		if n, ok := related(new, o, func(n Key) bool { return o.Covers(n) }); ok {
			down = append(down, Delta{Op: Narrowed, Key: n, Old: o})
		} else {
			down = append(down, Delta{Op: Dropped, Key: o})
		}
	}
	return append(up, down...)
}

// related finds the key of s that k replaced: one inside or around it as
// inside says, or the same fs slot on a path inside or around its own with
// another access. A slot moved to a sibling path is added and dropped.
func related(s Set, k Key, inside func(Key) bool) (Key, bool) {
	for _, o := range s {
		if inside(o) {
			return o, true
		}
	}
	if k.Kind == FS {
		for _, o := range s {
			if o.Kind == FS && o.Name == k.Name && (Within(o.Source, k.Source) || Within(k.Source, o.Source)) {
				return o, true
			}
		}
	}
	return Key{}, false
}
