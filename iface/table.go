package iface

import "fmt"

// A type table is how nano stores types (in a bundle's bundle.json): a
// list of types in which each type refers to the types it holds by their
// index in the list, always an earlier one. Each structure appears once,
// however many times the types use it, so that the table grows with the
// distinct types of a WIT, not with its types written out in full, which
// can be exponentially larger; and since a type refers only to earlier
// ones, no table describes a cyclic type.

// A TableType is an entry of a type table.
type TableType struct {
	// Kind is the kind's name in WIT: "u8", "string", "list", "record",
	// "tuple", "variant", "enum", "option", "result", "flags".
	Kind string `json:"kind"`
	// Elem is the index of a list's element type or an option's payload.
	Elem *int `json:"elem,omitempty"`
	// Fields are a record's fields or a tuple's elements (unnamed).
	Fields []TableField `json:"fields,omitempty"`
	// Cases are a variant's cases, or an enum's or flags type's names.
	Cases []TableCase `json:"cases,omitempty"`
	// Ok and Err are the indexes of a result's payloads, when present.
	Ok  *int `json:"ok,omitempty"`
	Err *int `json:"err,omitempty"`
}

// A TableField is a field, a tuple element or a parameter: its name and
// the index of its type.
type TableField struct {
	Name string `json:"name,omitempty"`
	Type int    `json:"type"`
}

// A TableCase is a case, or a name of an enum or flags type, with the
// index of its payload's type when it has one.
type TableCase struct {
	Name string `json:"name"`
	Type *int   `json:"type,omitempty"`
}

// A TableFunc is a Func whose types are indexes in a type table.
type TableFunc struct {
	Interface string       `json:"interface,omitempty"`
	Name      string       `json:"name"`
	Params    []TableField `json:"params,omitempty"`
	Results   []int        `json:"results,omitempty"`
}

// A TypeTable builds a type table from the functions added to it. The
// zero TypeTable is empty and ready to use.
type TypeTable struct {
	// Types is the table.
	Types []TableType
	in    interner
}

// Func adds f's types to the table, and returns f with its types as
// indexes in it. It fails for a type that Check reports as malformed.
func (tt *TypeTable) Func(f *Func) (*TableFunc, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	out := &TableFunc{Interface: f.Interface, Name: f.Name}
	for _, p := range f.Params {
		n, err := tt.add(p.Type)
		if err != nil {
			return nil, err
		}
		out.Params = append(out.Params, TableField{Name: p.Name, Type: n})
	}
	for _, r := range f.Results {
		n, err := tt.add(r)
		if err != nil {
			return nil, err
		}
		out.Results = append(out.Results, n)
	}
	return out, nil
}

// add adds t, and the types it holds, to the table, and returns its index.
// The interner numbers structures from 0 in the order it meets them, the
// types a type holds first: its numbers are the indexes in the table.
func (tt *TypeTable) add(t *Type) (int, error) {
	n, err := tt.in.id(t, 0)
	if err != nil {
		return 0, err
	}
	for len(tt.Types) < len(tt.in.defs) {
		tt.Types = append(tt.Types, tt.entry(tt.in.defs[len(tt.Types)]))
	}
	return n, nil
}

// entry encodes d, whose types the interner has numbered.
func (tt *TypeTable) entry(d *Type) TableType {
	ref := func(t *Type) *int {
		if t == nil {
			return nil
		}
		n := tt.in.ids[t]
		return &n
	}
	e := TableType{Kind: kindName(d.Kind), Elem: ref(d.Elem), Ok: ref(d.Ok), Err: ref(d.Err)}
	for _, f := range d.Fields {
		e.Fields = append(e.Fields, TableField{Name: f.Name, Type: *ref(f.Type)})
	}
	for _, c := range d.Cases {
		e.Cases = append(e.Cases, TableCase{Name: c.Name, Type: ref(c.Type)})
	}
	return e
}

var compoundNames = [...]string{List: "list", Record: "record", Tuple: "tuple", Variant: "variant", Enum: "enum", Option: "option", Result: "result", Flags: "flags"}

func kindName(k Kind) string {
	if k <= String {
		return primNames[k]
	}
	if int(k) < len(compoundNames) {
		return compoundNames[k]
	}
	return ""
}

var kindsByName = func() map[string]Kind {
	m := map[string]Kind{}
	for k := Bool; k <= Flags; k++ {
		m[kindName(k)] = k
	}
	return m
}()

// DecodeTypes returns the types a type table describes, by index. Each
// entry may refer only to entries before it, so that no type is cyclic,
// and each is checked as Func.Check checks types, caps included, and
// sealed: the types it holds are shared, never copied, and nothing walks
// them again. The time it takes is linear in the table's length. An error
// names the entry: "types[3]: record without fields".
func DecodeTypes(table []TableType) ([]*Type, error) {
	types := make([]*Type, len(table))
	for i, e := range table {
		t, err := decodeType(e, types[:i])
		if err == nil {
			var info *typeInfo
			if info, err = seal(t); err == nil {
				err = info.caps()
			}
		}
		if err != nil {
			return nil, about(fmt.Sprintf("types[%d]", i), err)
		}
		types[i] = t
	}
	return types, nil
}

// decodeType decodes one entry, whose references are into earlier.
func decodeType(e TableType, earlier []*Type) (*Type, error) {
	k, ok := kindsByName[e.Kind]
	if !ok {
		return nil, fmt.Errorf("unknown kind %q", e.Kind)
	}
	ref := func(n *int) (*Type, error) {
		if n == nil {
			return nil, nil
		}
		if *n < 0 || *n >= len(earlier) {
			return nil, fmt.Errorf("refers to types[%d], not an earlier entry", *n)
		}
		return earlier[*n], nil
	}
	t := &Type{Kind: k}
	var err error
	if t.Elem, err = ref(e.Elem); err != nil {
		return nil, err
	}
	if t.Ok, err = ref(e.Ok); err != nil {
		return nil, err
	}
	if t.Err, err = ref(e.Err); err != nil {
		return nil, err
	}
	if len(e.Fields) > 0 {
		t.Fields = make([]Field, len(e.Fields))
		for i, f := range e.Fields {
			n := f.Type
			if t.Fields[i].Type, err = ref(&n); err != nil {
				return nil, err
			}
			t.Fields[i].Name = f.Name
		}
	}
	if len(e.Cases) > 0 {
		t.Cases = make([]Case, len(e.Cases))
		for i, c := range e.Cases {
			if t.Cases[i].Type, err = ref(c.Type); err != nil {
				return nil, err
			}
			t.Cases[i].Name = c.Name
		}
	}
	// What a kind does not hold (an element type for a record, fields for
	// a list) would be ignored; refuse it, so that a table means one thing.
	if k <= String && (t.Elem != nil || t.Ok != nil || t.Err != nil || t.Fields != nil || t.Cases != nil) ||
		k != List && k != Option && t.Elem != nil ||
		k != Result && (t.Ok != nil || t.Err != nil) ||
		k != Record && k != Tuple && t.Fields != nil ||
		k != Variant && k != Enum && k != Flags && t.Cases != nil {
		return nil, fmt.Errorf("%s with parts it cannot have", e.Kind)
	}
	return t, nil
}

// Decode returns the function f describes, its types taken from types, as
// DecodeTypes returns them; it is then checked with Check.
func (f *TableFunc) Decode(types []*Type) (*Func, error) {
	ref := func(n int) (*Type, error) {
		if n < 0 || n >= len(types) {
			return nil, fmt.Errorf("%s refers to types[%d], past the %d types", f.Name, n, len(types))
		}
		return types[n], nil
	}
	out := &Func{Interface: f.Interface, Name: f.Name}
	for _, p := range f.Params {
		t, err := ref(p.Type)
		if err != nil {
			return nil, err
		}
		out.Params = append(out.Params, Field{Name: p.Name, Type: t})
	}
	for _, r := range f.Results {
		t, err := ref(r)
		if err != nil {
			return nil, err
		}
		out.Results = append(out.Results, t)
	}
	if err := out.Check(); err != nil {
		return nil, err
	}
	return out, nil
}
