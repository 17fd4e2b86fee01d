// Package iface is nano's model of the typed interfaces between
// nanoprocesses: WIT packages and the functions their worlds export, the
// Component Model canonical ABI that lays their values out in a core
// module's memory, and the adapter that copies values from one
// nanoprocess's memory into another's.
package iface

import "fmt"

// A Kind is the kind of a WIT type.
type Kind uint8

// The kinds of WIT types nano supports. Resources, futures and streams are
// not supported.
const (
	Bool Kind = iota + 1
	S8
	U8
	S16
	U16
	S32
	U32
	S64
	U64
	F32
	F64
	Char
	String
	List
	Record
	Tuple
	Variant
	Enum
	Option
	Result
	Flags
)

// A Type is a WIT type, with its definition inlined: nano compares and
// copies values by structure, not by name.
type Type struct {
	Kind Kind
	// Elem is the element type of a list or the payload of an option.
	Elem *Type
	// Fields are a record's fields, or a tuple's elements (unnamed).
	Fields []Field
	// Cases are a variant's cases (Type nil when a case has no payload),
	// or an enum's or a flags type's names (Type always nil).
	Cases []Case
	// Ok and Err are a result's payloads, nil when absent.
	Ok, Err *Type
}

// A Field is a record field or a tuple element.
type Field struct {
	Name string
	Type *Type
}

// A Case is a variant case, or an enum or flags name.
type Case struct {
	Name string
	Type *Type
}

// A Func is a function a package exports: from an interface, or at the
// level of its world.
type Func struct {
	// Interface is the qualified name of the interface,
	// "acme:zip/unpack@1.4.0", or "" for a function of the world.
	Interface string
	Name      string
	Params    []Field
	Results   []*Type // none or one
}

// maxDepth bounds how deeply types nest.
const maxDepth = 100

// Check reports whether f and its types are well formed: every type has
// what its kind needs. Types read from a bundle are untrusted.
func (f *Func) Check() error {
	if len(f.Results) > 1 {
		return fmt.Errorf("%s has %d results, want at most 1", f.Name, len(f.Results))
	}
	for _, p := range f.Params {
		if err := p.Type.check(0); err != nil {
			return fmt.Errorf("%s: parameter %s: %v", f.Name, p.Name, err)
		}
	}
	for _, r := range f.Results {
		if err := r.check(0); err != nil {
			return fmt.Errorf("%s: result: %v", f.Name, err)
		}
	}
	return nil
}

func (t *Type) check(depth int) error {
	switch {
	case t == nil:
		return fmt.Errorf("a type is missing")
	case depth > maxDepth:
		return fmt.Errorf("types nest deeper than %d", maxDepth)
	}
	sub := func(u *Type) error {
		if u == nil {
			return nil
		}
		return u.check(depth + 1)
	}
	switch t.Kind {
	case Bool, S8, U8, S16, U16, S32, U32, S64, U64, F32, F64, Char, String:
		return nil
	case List, Option:
		if t.Elem == nil {
			return fmt.Errorf("%s without an element type", kindNames[t.Kind])
		}
		return t.Elem.check(depth + 1)
	case Record, Tuple:
		if len(t.Fields) == 0 {
			return fmt.Errorf("%s without fields", kindNames[t.Kind])
		}
		for _, f := range t.Fields {
			if err := f.Type.check(depth + 1); err != nil {
				return err
			}
		}
		return nil
	case Variant, Enum, Flags:
		if len(t.Cases) == 0 {
			return fmt.Errorf("%s without cases", kindNames[t.Kind])
		}
		for _, c := range t.Cases {
			if c.Type != nil && t.Kind != Variant {
				return fmt.Errorf("%s case %s with a payload", kindNames[t.Kind], c.Name)
			}
			if err := sub(c.Type); err != nil {
				return err
			}
		}
		return nil
	case Result:
		if err := sub(t.Ok); err != nil {
			return err
		}
		return sub(t.Err)
	}
	return fmt.Errorf("unknown type kind %d", t.Kind)
}

var kindNames = [...]string{List: "list", Option: "option", Record: "record", Tuple: "tuple", Variant: "variant", Enum: "enum", Flags: "flags"}
