package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// A Flow is the outcome of handing keys down one dependency edge (SPEC
// section 2, rules of the key flow).
type Flow struct {
	// Handed is what the child holds through this edge: each of its declared
	// keys, fs keys with the granting package's source ("fs:out=data/uploads:rw").
	Handed Set
	// Missing lists the child's declared keys that no grant covers (rule 4).
	Missing []Key
	// Unheld lists grant keys the parent does not hold itself (rule 2).
	Unheld []Key
	// Unused lists grant keys the child does not declare (rule 3). They are
	// never handed over.
	Unused []Key
}

// OK reports whether the edge links: nothing missing, nothing unheld.
func (f *Flow) OK() bool { return len(f.Missing) == 0 && len(f.Unheld) == 0 }

// CheckFlow checks one edge: parent holds the keys parent, grants grant, and
// the child declares child.
func CheckFlow(parent Set, grant []Key, child Set) *Flow {
	f := new(Flow)
	if len(grant) == 0 && len(child) == 0 {
		return f // most edges: nothing declared, nothing granted
	}
	used := make([]bool, len(grant))
	handed := make([]Key, 0, len(child))
	for _, c := range child {
		i := -1
		if c.Kind == FS {
			for j, g := range grant {
				if g.Kind == FS && g.Name == c.Name {
					i = j
					break
				}
			}
			if i >= 0 && !gives(grant[i], c) {
				used[i] = true // the grant for this slot, too narrow: missing, not unused
				i = -1
			}
		} else {
			for j, g := range grant {
				if g.Covers(c) {
					i = j
					used[j] = true
				}
			}
		}
		if i < 0 {
			f.Missing = append(f.Missing, c)
			continue
		}
		used[i] = true
		if c.Kind == FS {
			c.Source = grant[i].Source
		}
		handed = append(handed, c)
	}
	if len(handed) > 0 { // else nil, as NewSet() is
		// NewSet(handed...), without copying handed again.
		slices.SortFunc(handed, compare)
		f.Handed = slices.Compact(Set(handed))
	}
	for j, g := range grant {
		if !used[j] {
			f.Unused = append(f.Unused, g)
		}
		if !holds(parent, g, child) {
			f.Unheld = append(f.Unheld, g)
		}
	}
	return f
}

// holds reports whether parent holds grant key g. A grant that leaves the fs
// access to the child needs the access the child declares, or ro.
func holds(parent Set, g Key, child Set) bool {
	if g.Kind != FS {
		// Most grants hand down a key the parent holds as it is: found
		// by binary search, as a key other than fs covers itself.
		return parent.Contains(g) || parent.Covers(g)
	}
	p, ok := parent.FS(g.SourceSlot())
	return ok && p.Access >= access(g, child)
}

// gives reports whether fs grant key g, for the slot of c, gives at least
// c's access: a grant without an access gives the child's declared one.
func gives(g, c Key) bool {
	return g.Access == AsDeclared || g.Access >= c.Access
}

// access returns the access an fs grant key g gives a child declaring
// child: its own, or else the child's declared access for the slot, or ro
// for a slot the child does not declare.
func access(g Key, child Set) Access {
	if g.Access != AsDeclared {
		return g.Access
	}
	if c, ok := child.FS(g.Name); ok {
		return c.Access
	}
	return RO
}

// GrantHint returns the nano.toml lines that would hand the missing keys from
// parent to child. When the parent does not hold a key itself, the hint also
// shows the [capabilities] lines it needs, which its own parent must grant in
// turn.
func GrantHint(child string, parent Set, missing []Key) string {
	var grant, caps []Key
	for _, k := range missing {
		if k.Kind == FS {
			src, ok := parent.FS(k.Name)
			if !ok && len(fsSlots(parent)) == 1 {
				src, ok = fsSlots(parent)[0], true
			}
			if !ok || src.Access < k.Access {
				caps = append(caps, Key{Kind: FS, Name: k.Name, Access: k.Access})
				src = Key{Name: k.Name}
			}
			grant = append(grant, Key{Kind: FS, Name: k.Name, Source: src.Name})
			continue
		}
		grant = append(grant, k)
		if !parent.Covers(k) {
			caps = append(caps, k)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[dependencies.%q.grant]\n", child)
	writeTOML(&b, grant)
	if len(caps) > 0 {
		b.WriteString("[capabilities]\n")
		writeTOML(&b, caps)
	}
	return b.String()
}

func fsSlots(s Set) []Key {
	var out []Key
	for _, k := range s {
		if k.Kind == FS && k.Source == "" {
			out = append(out, k)
		}
	}
	return out
}

// writeTOML writes keys as manifest lines, as in [capabilities] or a grant.
func writeTOML(b *strings.Builder, keys []Key) {
	lists := map[Kind][]string{}
	var order []Kind
	for _, k := range NewSet(keys...) {
		switch k.Kind {
		case FS:
			v := k.Access.String()
			if k.Source != "" {
				v = k.Source
				if k.Access != AsDeclared {
					v += ":" + k.Access.String()
				}
			}
			fmt.Fprintf(b, "fs.%s = %q\n", k.Name, v)
		case Clock, Random:
			fmt.Fprintf(b, "%s = true\n", k.Kind)
		default:
			if lists[k.Kind] == nil {
				order = append(order, k.Kind)
			}
			v := k.Name
			if k.Kind == Net {
				v += ":" + k.Port
			}
			lists[k.Kind] = append(lists[k.Kind], strconv.Quote(v))
		}
	}
	for _, kind := range order {
		fmt.Fprintf(b, "%s = [%s]\n", kind, strings.Join(lists[kind], ", "))
	}
}
