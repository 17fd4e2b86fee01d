// Package iface is nano's model of the typed interfaces between
// nanoprocesses: WIT packages and the functions their worlds export, the
// Component Model canonical ABI that lays their values out in a core
// module's memory, and the adapter that copies values from one
// nanoprocess's memory into another's.
package iface

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
