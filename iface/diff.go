package iface

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
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
	var in interner
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
		case !sameFunc(&in, f, g):
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
// parameter names aside. in numbers the types of both.
func sameFunc(in *interner, f, g *Func) bool {
	if len(f.Params) != len(g.Params) || len(f.Results) != len(g.Results) {
		return false
	}
	for i := range f.Params {
		if !in.same(f.Params[i].Type, g.Params[i].Type) {
			return false
		}
	}
	for i := range f.Results {
		if !in.same(f.Results[i], g.Results[i]) {
			return false
		}
	}
	return true
}

// sameType reports whether two types have the same structure, names of
// record fields and cases included.
func sameType(a, b *Type) bool { return new(interner).same(a, b) }

// An interner numbers types by structure: two types get the same number
// exactly when they have the same structure, names of fields and cases
// included. A type is numbered from the numbers of the types it holds, and
// each *Type once, so that numbering takes time linear in the distinct
// *Types, where comparing them as trees could take exponential time.
type interner struct {
	ids  map[*Type]int
	keys map[string]int
	// defs holds, by number, the first type numbered so: the types it
	// holds have smaller numbers.
	defs []*Type
	key  []byte
}

// same reports whether a and b have the same structure. A type the
// interner cannot number (cyclic, or nested too deeply) is only the same
// as itself.
func (in *interner) same(a, b *Type) bool {
	if a == b {
		return true
	}
	x, err1 := in.id(a, 0)
	y, err2 := in.id(b, 0)
	return err1 == nil && err2 == nil && x == y
}

// id returns t's number, -1 for nil.
func (in *interner) id(t *Type, depth int) (int, error) {
	if t == nil {
		return -1, nil
	}
	if n, ok := in.ids[t]; ok {
		return n, nil
	}
	if depth > maxDepth {
		return 0, fmt.Errorf("types nest deeper than %d", maxDepth)
	}
	// The key holds numbers, not types: build it from the numbers of the
	// types t holds, numbered first.
	var elem, ok, errT int
	var err error
	if elem, err = in.id(t.Elem, depth+1); err != nil {
		return 0, err
	}
	if ok, err = in.id(t.Ok, depth+1); err != nil {
		return 0, err
	}
	if errT, err = in.id(t.Err, depth+1); err != nil {
		return 0, err
	}
	fields := make([]int, len(t.Fields))
	for i, f := range t.Fields {
		if fields[i], err = in.id(f.Type, depth+1); err != nil {
			return 0, err
		}
	}
	cases := make([]int, len(t.Cases))
	for i, c := range t.Cases {
		if cases[i], err = in.id(c.Type, depth+1); err != nil {
			return 0, err
		}
	}
	k := append(in.key[:0], byte(t.Kind))
	k = binary.AppendVarint(k, int64(elem))
	k = binary.AppendVarint(k, int64(ok))
	k = binary.AppendVarint(k, int64(errT))
	k = binary.AppendUvarint(k, uint64(len(t.Fields)))
	for i, f := range t.Fields {
		k = binary.AppendUvarint(k, uint64(len(f.Name)))
		k = append(k, f.Name...)
		k = binary.AppendVarint(k, int64(fields[i]))
	}
	k = binary.AppendUvarint(k, uint64(len(t.Cases)))
	for i, c := range t.Cases {
		k = binary.AppendUvarint(k, uint64(len(c.Name)))
		k = append(k, c.Name...)
		k = binary.AppendVarint(k, int64(cases[i]))
	}
	in.key = k
	n, found := in.keys[string(k)]
	if !found {
		if in.keys == nil {
			in.keys, in.ids = map[string]int{}, map[*Type]int{}
		}
		n = len(in.defs)
		in.keys[string(k)] = n
		in.defs = append(in.defs, t)
	}
	in.ids[t] = n
	return n, nil
}

var primNames = [...]string{
	Bool: "bool", S8: "s8", U8: "u8", S16: "s16", U16: "u16", S32: "s32", U32: "u32",
	S64: "s64", U64: "u64", F32: "f32", F64: "f64", Char: "char", String: "string",
}

// maxTypeText bounds the text of a type or a signature: a type written
// out in full, every alias expanded, can be exponentially longer than the
// WIT that declares it. Past it the text ends with "…".
const maxTypeText = 4096

// String returns the type in WIT syntax, with records, variants, enums and
// flags written structurally: "record { name: string, size: u64 }",
// "variant { none, some(u32) }", "enum { a, b }", "flags { r, w }". Past
// 4096 bytes it is cut short and ends with "…".
func (t *Type) String() string {
	w := typeWriter{}
	w.typ(t)
	return w.String()
}

// A typeWriter writes types in WIT syntax, up to maxTypeText bytes: each
// type it visits writes at least a byte, so that writing stops after
// visiting at most that many.
type typeWriter struct {
	b    strings.Builder
	full bool
}

func (w *typeWriter) WriteString(s string) {
	if w.full {
		return
	}
	if w.b.Len()+len(s) > maxTypeText {
		// Cut at a character boundary.
		n := maxTypeText - w.b.Len()
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		w.b.WriteString(s[:n])
		w.b.WriteString("…")
		w.full = true
		return
	}
	w.b.WriteString(s)
}

func (w *typeWriter) String() string { return w.b.String() }

func (w *typeWriter) typ(t *Type) {
	if w.full {
		return
	}
	if t == nil {
		w.WriteString("_")
		return
	}
	switch t.Kind {
	case List, Option:
		if t.Kind == List {
			w.WriteString("list<")
		} else {
			w.WriteString("option<")
		}
		w.typ(t.Elem)
		w.WriteString(">")
	case Tuple:
		w.WriteString("tuple<")
		for i, f := range t.Fields {
			if i > 0 {
				w.WriteString(", ")
			}
			w.typ(f.Type)
		}
		w.WriteString(">")
	case Result:
		w.WriteString("result")
		switch {
		case t.Ok != nil && t.Err != nil:
			w.WriteString("<")
			w.typ(t.Ok)
			w.WriteString(", ")
			w.typ(t.Err)
			w.WriteString(">")
		case t.Ok != nil:
			w.WriteString("<")
			w.typ(t.Ok)
			w.WriteString(">")
		case t.Err != nil:
			w.WriteString("<_, ")
			w.typ(t.Err)
			w.WriteString(">")
		}
	case Record:
		w.WriteString("record {")
		for i, f := range t.Fields {
			if i > 0 {
				w.WriteString(",")
			}
			w.WriteString(" ")
			w.WriteString(f.Name)
			w.WriteString(": ")
			w.typ(f.Type)
		}
		w.WriteString(" }")
	case Variant, Enum, Flags:
		switch t.Kind {
		case Variant:
			w.WriteString("variant {")
		case Enum:
			w.WriteString("enum {")
		default:
			w.WriteString("flags {")
		}
		for i, c := range t.Cases {
			if i > 0 {
				w.WriteString(",")
			}
			w.WriteString(" ")
			w.WriteString(c.Name)
			if c.Type != nil {
				w.WriteString("(")
				w.typ(c.Type)
				w.WriteString(")")
			}
		}
		w.WriteString(" }")
	default:
		if int(t.Kind) < len(primNames) && primNames[t.Kind] != "" {
			w.WriteString(primNames[t.Kind])
		} else {
			w.WriteString("kind" + strconv.Itoa(int(t.Kind)))
		}
	}
}

// Signature returns the function's type in WIT syntax:
// "func(a: u32, b: string) -> string". Past 4096 bytes it is cut short and
// ends with "…".
func (f *Func) Signature() string {
	w := typeWriter{}
	w.WriteString("func(")
	for i, p := range f.Params {
		if i > 0 {
			w.WriteString(", ")
		}
		w.WriteString(p.Name)
		w.WriteString(": ")
		w.typ(p.Type)
	}
	w.WriteString(")")
	for i, r := range f.Results {
		if i == 0 {
			w.WriteString(" -> ")
		} else {
			w.WriteString(", ")
		}
		w.typ(r)
	}
	return w.String()
}
