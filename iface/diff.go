package iface

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// A ChangeKind is the kind of a Change.
type ChangeKind uint8

// The kinds of changes.
const (
	Removed ChangeKind = iota + 1
	Added
	Changed
)

// String returns the ChangeKind's text form.
func (k ChangeKind) String() string {
	switch k {
	case Removed:
		return "removed"
	case Added:
		return "added"
	case Changed:
		return "changed"
	}
	return "ChangeKind(" + strconv.Itoa(int(k)) + ")"
}

// A Change is one difference between two versions of a package's interface.
type Change struct {
	Kind ChangeKind
	// What is "interface acme:zip/unpack@1.4.0" (the old version's name
	// when removed, the new one's when added), "func acme:zip/unpack#extract"
	// (the interface named without its version), or "func version" for a
	// function of the world.
	What string
	// Old and New are the function's signatures in WIT syntax,
	// "func(archive: list<u8>) -> result<list<entry>, string>": both for
	// Changed, Old for a removed function and New for an added one; empty
	// for interfaces.
	Old, New string
}

// Breaking reports whether the change breaks callers: Removed and Changed
// do, Added does not.
func (c Change) Breaking() bool { return c.Kind == Removed || c.Kind == Changed }

// String returns the change on one line: "changed func version: func() -> string => func() -> u32".
func (c Change) String() string {
	s := c.Kind.String() + " " + c.What
	switch {
	case c.Old != "" && c.New != "":
		s += ": " + c.Old + " => " + c.New
	case c.Old != "":
		s += ": " + c.Old
	case c.New != "":
		s += ": " + c.New
	}
	return s
}

// unversioned returns an interface's qualified name without its version.
func unversioned(iface string) string {
	name, _, _ := strings.Cut(iface, "@")
	return name
}

// Diff returns the changes from old to new, sorted by interface (the
// world's own functions first) and function, an interface before its
// functions. Interfaces are matched by their name without version,
// functions by interface and name. A removed or added interface is one
// change, not one per function. Parameter names do not matter (callers pass
// values by position); everything else about a function's types does:
// record field names and order, case names and order, and every type.
func Diff(old, new *Package) []Change {
	type key struct{ iface, fn string }
	type keyed struct {
		key
		Change
	}
	var changes []keyed
	add := func(k key, c Change) { changes = append(changes, keyed{k, c}) }
	oldIfaces := map[string]string{} // unversioned name -> name
	newIfaces := map[string]string{}
	for _, i := range old.Interfaces {
		oldIfaces[unversioned(i)] = i
	}
	for _, i := range new.Interfaces {
		newIfaces[unversioned(i)] = i
	}
	for u, i := range oldIfaces {
		if _, ok := newIfaces[u]; !ok {
			add(key{u, ""}, Change{Kind: Removed, What: "interface " + i})
		}
	}
	for u, i := range newIfaces {
		if _, ok := oldIfaces[u]; !ok {
			add(key{u, ""}, Change{Kind: Added, What: "interface " + i})
		}
	}
	funcs := func(p *Package) map[key]*Func {
		m := map[key]*Func{}
		for _, f := range p.Funcs {
			m[key{unversioned(f.Interface), f.Name}] = f
		}
		return m
	}
	oldFuncs, newFuncs := funcs(old), funcs(new)
	what := func(k key) string {
		if k.iface == "" {
			return "func " + k.fn
		}
		return "func " + k.iface + "#" + k.fn
	}
	// bothIfaces reports whether the function's interface is in both
	// versions: otherwise the interface's change covers it.
	bothIfaces := func(k key) bool {
		if k.iface == "" {
			return true
		}
		_, inOld := oldIfaces[k.iface]
		_, inNew := newIfaces[k.iface]
		return inOld && inNew
	}
	for k, f := range oldFuncs {
		if !bothIfaces(k) {
			continue
		}
		g, ok := newFuncs[k]
		switch {
		case !ok:
			add(k, Change{Kind: Removed, What: what(k), Old: f.Signature()})
		case !sameFunc(f, g):
			add(k, Change{Kind: Changed, What: what(k), Old: f.Signature(), New: g.Signature()})
		}
	}
	for k, g := range newFuncs {
		if _, ok := oldFuncs[k]; !ok && bothIfaces(k) {
			add(k, Change{Kind: Added, What: what(k), New: g.Signature()})
		}
	}
	slices.SortFunc(changes, func(a, b keyed) int {
		return cmp.Or(
			strings.Compare(a.iface, b.iface),
			strings.Compare(a.fn, b.fn),
			cmp.Compare(a.Kind, b.Kind),
		)
	})
	out := make([]Change, len(changes))
	for i, c := range changes {
		out[i] = c.Change
	}
	return out
}

// sameFunc reports whether callers see f and g as the same function:
// parameter names aside.
func sameFunc(f, g *Func) bool {
	if len(f.Params) != len(g.Params) || len(f.Results) != len(g.Results) {
		return false
	}
	for i := range f.Params {
		if !sameType(f.Params[i].Type, g.Params[i].Type) {
			return false
		}
	}
	for i := range f.Results {
		if !sameType(f.Results[i], g.Results[i]) {
			return false
		}
	}
	return true
}

// sameType reports whether two types have the same structure, names of
// record fields and cases included.
func sameType(a, b *Type) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil || a.Kind != b.Kind ||
		len(a.Fields) != len(b.Fields) || len(a.Cases) != len(b.Cases) {
		return false
	}
	for i := range a.Fields {
		if a.Fields[i].Name != b.Fields[i].Name || !sameType(a.Fields[i].Type, b.Fields[i].Type) {
			return false
		}
	}
	for i := range a.Cases {
		if a.Cases[i].Name != b.Cases[i].Name || !sameType(a.Cases[i].Type, b.Cases[i].Type) {
			return false
		}
	}
	return sameType(a.Elem, b.Elem) && sameType(a.Ok, b.Ok) && sameType(a.Err, b.Err)
}

var primNames = [...]string{
	Bool: "bool", S8: "s8", U8: "u8", S16: "s16", U16: "u16", S32: "s32", U32: "u32",
	S64: "s64", U64: "u64", F32: "f32", F64: "f64", Char: "char", String: "string",
}

// String returns the type in WIT syntax, with records, variants, enums and
// flags written structurally: "record { name: string, size: u64 }",
// "variant { none, some(u32) }", "enum { a, b }", "flags { r, w }".
func (t *Type) String() string {
	var b strings.Builder
	writeType(&b, t)
	return b.String()
}

func writeType(b *strings.Builder, t *Type) {
	if t == nil {
		b.WriteString("_")
		return
	}
	switch t.Kind {
	case List, Option:
		if t.Kind == List {
			b.WriteString("list<")
		} else {
			b.WriteString("option<")
		}
		writeType(b, t.Elem)
		b.WriteString(">")
	case Tuple:
		b.WriteString("tuple<")
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			writeType(b, f.Type)
		}
		b.WriteString(">")
	case Result:
		b.WriteString("result")
		switch {
		case t.Ok != nil && t.Err != nil:
			b.WriteString("<")
			writeType(b, t.Ok)
			b.WriteString(", ")
			writeType(b, t.Err)
			b.WriteString(">")
		case t.Ok != nil:
			b.WriteString("<")
			writeType(b, t.Ok)
			b.WriteString(">")
		case t.Err != nil:
			b.WriteString("<_, ")
			writeType(b, t.Err)
			b.WriteString(">")
		}
	case Record:
		b.WriteString("record {")
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(" ")
			b.WriteString(f.Name)
			b.WriteString(": ")
			writeType(b, f.Type)
		}
		b.WriteString(" }")
	case Variant, Enum, Flags:
		switch t.Kind {
		case Variant:
			b.WriteString("variant {")
		case Enum:
			b.WriteString("enum {")
		default:
			b.WriteString("flags {")
		}
		for i, c := range t.Cases {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(" ")
			b.WriteString(c.Name)
			if c.Type != nil {
				b.WriteString("(")
				writeType(b, c.Type)
				b.WriteString(")")
			}
		}
		b.WriteString(" }")
	default:
		if int(t.Kind) < len(primNames) && primNames[t.Kind] != "" {
			b.WriteString(primNames[t.Kind])
		} else {
			b.WriteString("kind" + strconv.Itoa(int(t.Kind)))
		}
	}
}

// Signature returns the function's type in WIT syntax:
// "func(a: u32, b: string) -> string".
func (f *Func) Signature() string {
	var b strings.Builder
	b.WriteString("func(")
	for i, p := range f.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Name)
		b.WriteString(": ")
		writeType(&b, p.Type)
	}
	b.WriteString(")")
	for i, r := range f.Results {
		if i == 0 {
			b.WriteString(" -> ")
		} else {
			b.WriteString(", ")
		}
		writeType(&b, r)
	}
	return b.String()
}
