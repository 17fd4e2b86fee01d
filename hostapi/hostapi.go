// Package hostapi is the contract of nano's own host APIs: the WIT
// packages every module may import with the Component Model conventions
// (SPEC section 7), the same functions as iface types, and the key each
// needs. linker checks imports of them; runtime/process and
// runtime/nethost serve them; nano wit prints them. It holds no behaviour.
package hostapi

import (
	"embed"
	"fmt"
	"slices"
	"strings"

	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/policy"
)

//go:embed wit/*.wit
var witFiles embed.FS

// An Interface is one interface of a host API, imported under its
// qualified name.
type Interface struct {
	// Module is the name modules import it by: "nano:process/spawn@0.1.0".
	Module string
	// Key is the kind of key its calls need; importing needs none.
	Key policy.Kind
	// Funcs are its functions, sorted by name.
	Funcs []*iface.Func
	// File is its WIT file, under wit/.
	File string
}

// Func returns the interface's function called name, or nil.
func (i *Interface) Func(name string) *iface.Func {
	n, ok := slices.BinarySearchFunc(i.Funcs, name, func(f *iface.Func, name string) int { return strings.Compare(f.Name, name) })
	if !ok {
		return nil
	}
	return i.Funcs[n]
}

// Interfaces lists every host API interface, sorted by module name.
func Interfaces() []*Interface { return interfaces }

var interfaces = []*Interface{HTTP, TCP, Spawn}

// Prefix begins the name of every host API module: a module imported from
// under it is nano's, never a dependency's (package names cannot take it:
// the namespace "nano" is reserved).
const Prefix = "nano:"

// Lookup returns the host API interface a module imports by name module,
// and the function name in it. An error says what is wrong: an unknown
// interface or version, or a function the interface does not have.
func Lookup(module, name string) (*Interface, *iface.Func, error) {
	for _, i := range interfaces {
		if i.Module == module {
			if f := i.Func(name); f != nil {
				return i, f, nil
			}
			return nil, nil, fmt.Errorf("%s has no function %q", module, name)
		}
	}
	unversioned, _, _ := strings.Cut(module, "@")
	for _, i := range interfaces {
		if u, _, _ := strings.Cut(i.Module, "@"); u == unversioned {
			return nil, nil, fmt.Errorf("nano serves %s, not %s", i.Module, module)
		}
	}
	return nil, nil, fmt.Errorf("%s is not a host API of nano", module)
}

// A File is one WIT file of nano's host APIs.
type File struct {
	Name string // "process.wit"
	Text string
}

// WIT returns the WIT files of every host API, in the order of Interfaces.
func WIT() []File {
	var out []File
	for _, i := range interfaces {
		text, err := witFiles.ReadFile("wit/" + i.File)
		if err != nil {
			panic(err) // embedded: cannot happen
		}
		if !slices.ContainsFunc(out, func(f File) bool { return f.Name == i.File }) {
			out = append(out, File{i.File, string(text)})
		}
	}
	return out
}

// Type constructors for hand-built WIT types. Each is sealed by define.
func prim(k iface.Kind) *iface.Type { return &iface.Type{Kind: k} }

func list(t *iface.Type) *iface.Type { return &iface.Type{Kind: iface.List, Elem: t} }

func tuple(ts ...*iface.Type) *iface.Type {
	t := &iface.Type{Kind: iface.Tuple}
	for _, e := range ts {
		t.Fields = append(t.Fields, iface.Field{Type: e})
	}
	return t
}

func result(ok, err *iface.Type) *iface.Type {
	return &iface.Type{Kind: iface.Result, Ok: ok, Err: err}
}

func enum(names ...string) *iface.Type {
	t := &iface.Type{Kind: iface.Enum}
	for _, n := range names {
		t.Cases = append(t.Cases, iface.Case{Name: n})
	}
	return t
}

func field(name string, t *iface.Type) iface.Field { return iface.Field{Name: name, Type: t} }

// define seals a function's types, inside out, and returns it.
func define(module, name string, params []iface.Field, result *iface.Type) *iface.Func {
	f := &iface.Func{Interface: module, Name: name, Params: params}
	if result != nil {
		f.Results = []*iface.Type{result}
	}
	var seal func(t *iface.Type)
	seal = func(t *iface.Type) {
		if t == nil {
			return
		}
		seal(t.Elem)
		seal(t.Ok)
		seal(t.Err)
		for _, f := range t.Fields {
			seal(f.Type)
		}
		for _, c := range t.Cases {
			seal(c.Type)
		}
		if err := iface.Seal(t); err != nil {
			panic(fmt.Sprintf("hostapi: %s.%s: %v", module, name, err))
		}
	}
	for _, p := range params {
		seal(p.Type)
	}
	seal(result)
	if err := f.Check(); err != nil {
		panic(fmt.Sprintf("hostapi: %v", err))
	}
	return f
}
