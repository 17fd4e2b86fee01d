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
//
// Types are directed acyclic graphs: a WIT type used twice (an alias, a
// named record, the element type of a tuple of eight) is one *Type,
// reachable from several places. nano never walks such a graph as the tree
// it stands for, which can be exponentially larger than the WIT text:
// every walk is memoized, or bounded by the caps below.
//
// A Type returned by Load or DecodeTypes has its layout computed once, and
// must not be modified.
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

	info *typeInfo // set by seal: what measure computes, once
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

// The caps on types, checked by Load, DecodeTypes and Func.Check, so that
// no WIT and no bundle can make nano's work or memory grow faster than
// their text.
const (
	// MaxTypeSize is the largest size in bytes of a type in linear memory
	// (the canonical ABI's elem_size), and of a function's parameters or
	// results taken together. A type flattens to at most as many core
	// values as it has bytes, so this caps its flattened size too.
	MaxTypeSize = 1 << 16
	// MaxTypeNodes is the most types a type may hold, counted with every
	// alias and every repeated type written out in full, itself included
	// (tuple<u8, u8> counts 3), and the most a function's parameters and
	// results may hold together: what a walk over its values may visit.
	MaxTypeNodes = 10_000
	// MaxTypeDepth is how deeply types may nest: list<list<u8>> nests 2
	// deep.
	MaxTypeDepth = 100
	// maxAliasDepth bounds the chains of type definitions and aliases
	// that Load follows to reach a type.
	maxAliasDepth = 1000
)

// maxDepth bounds how deeply types nest.
const maxDepth = MaxTypeDepth

// Check reports whether f and its types are well formed: every type has
// what its kind needs, no type is cyclic, and the types stay within
// MaxTypeDepth, MaxTypeSize and MaxTypeNodes. Types read from a bundle are
// untrusted. A type shared within f is checked once, and a type from Load
// or DecodeTypes, checked when it was made, is not walked again.
func (f *Func) Check() error {
	if len(f.Results) > 1 {
		return fmt.Errorf("%s has %d results, want at most 1", f.Name, len(f.Results))
	}
	m := newMeasurer()
	for _, p := range f.Params {
		if _, err := m.checked(p.Type); err != nil {
			return fmt.Errorf("%s: %v", f.Name, about("parameter "+p.Name, err))
		}
	}
	for _, r := range f.Results {
		if _, err := m.checked(r); err != nil {
			return fmt.Errorf("%s: %v", f.Name, about("result", err))
		}
	}
	if err := m.funcCaps(f); err != nil {
		return fmt.Errorf("%s: %v", f.Name, err)
	}
	return nil
}

var kindNames = [...]string{List: "list", Option: "option", Record: "record", Tuple: "tuple", Variant: "variant", Enum: "enum", Flags: "flags"}
