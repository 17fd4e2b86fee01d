package iface

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.bytecodealliance.org/wit"
)

// A Package is a WIT package as nano sees it: its name and the functions
// its world exports.
type Package struct {
	Name    string // "acme:zip" (namespace:name, no version)
	Version string // "1.4.0", or "" when the WIT package has none
	World   string // the world's name
	// Funcs are every exported function: each function of each exported
	// interface, and the world's own (Interface ""), sorted by
	// (Interface, Name), so the world's own come first.
	Funcs []*Func
	// Interfaces are the exported interfaces' qualified names,
	// "acme:zip/unpack@1.4.0", sorted.
	Interfaces []string

	byName map[string][]*Func // Funcs by name, made by Load
}

// Named returns the functions named name, of every interface and of the
// world, in the order of Funcs: in constant time for a Package from Load,
// so that linking each of a module's imports takes no time proportional to
// the WIT.
func (p *Package) Named(name string) []*Func {
	if p.byName != nil {
		return p.byName[name]
	}
	var fs []*Func
	for _, f := range p.Funcs {
		if f.Name == name {
			fs = append(fs, f)
		}
	}
	return fs
}

// An Error is an error in a WIT package. Line and Col are 1-based, and 0
// when unknown.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

// Error returns "FILE:LINE:COL: MSG", or "FILE: MSG" without a position.
func (e *Error) Error() string {
	switch {
	case e.Line <= 0:
		return e.File + ": " + e.Msg
	case e.Col <= 0:
		return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
	}
	return e.File + ":" + strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Col) + ": " + e.Msg
}

// Load loads the WIT file or directory at path (with its deps/ folder, as
// wit.LoadWIT does) and returns the package named pkg ("acme:zip"; a
// version suffix is ignored) and the world it exports through: the
// package's only world, or else its world named like the package's name
// part ("zip").
//
// Every error is an *Error whose File is path, or, for malformed WIT, the
// file (spelled relative to path as given) and position wasm-tools
// reports.
func Load(path, pkg string) (*Package, error) {
	want, _, _ := strings.Cut(pkg, "@")
	fail := func(format string, args ...any) error {
		return &Error{File: path, Msg: fmt.Sprintf(format, args...)}
	}
	if path == "" {
		return nil, fail("no WIT path")
	}
	// wit.LoadWIT mounts the parent directory of path in the guest under
	// the same name; an absolute path works from any working directory
	// (a relative path such as "../.." would not), and errors are mapped
	// back to path below.
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fail("%v", err)
	}
	loadMu.Lock()
	res, err := wit.LoadWIT(abs)
	loadMu.Unlock()
	if err != nil {
		return nil, loadError(path, abs, err)
	}
	if len(res.Packages) == 0 {
		return nil, fail("no WIT package")
	}
	// wasm-tools orders packages so that dependencies come first: the
	// package at path is the last one.
	wp := res.Packages[len(res.Packages)-1]
	name := wp.Name.Namespace + ":" + wp.Name.Package
	if name != want {
		return nil, fail("WIT package is %s, not %s", name, want)
	}
	w, err := pickWorld(wp)
	if err != nil {
		return nil, fail("%v", err)
	}
	p := &Package{Name: name, World: w.Name}
	if wp.Name.Version != nil {
		p.Version = wp.Name.Version.String()
	}
	c := &converter{types: map[*wit.TypeDef]*Type{}, roots: map[*wit.TypeDef]*wit.TypeDef{}}
	if err := c.world(p, w); err != nil {
		return nil, fail("%v", err)
	}
	slices.SortStableFunc(p.Funcs, func(a, b *Func) int {
		if c := strings.Compare(a.Interface, b.Interface); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	slices.Sort(p.Interfaces)
	p.byName = map[string][]*Func{}
	for _, f := range p.Funcs {
		p.byName[f.Name] = append(p.byName[f.Name], f)
	}
	return p, nil
}

// loadMu serializes calls of wit.LoadWIT: each compiles wasm-tools
// (about 1 s of CPU and 90 MB when the on-disk compilation cache is cold),
// so that concurrent first calls would each compile it; once the cache is
// warm a call takes about 40 ms, and little is lost.
var loadMu sync.Mutex

// pickWorld returns the package's only world, or its world named like
// the package's name part.
func pickWorld(wp *wit.Package) (*wit.World, error) {
	var names []string
	var only, named *wit.World
	wp.Worlds.All()(func(n string, w *wit.World) bool {
		names = append(names, n)
		only = w
		if n == wp.Name.Package {
			named = w
		}
		return true
	})
	switch {
	case len(names) == 1:
		return only, nil
	case named != nil:
		return named, nil
	case len(names) == 0:
		return nil, fmt.Errorf("package %s has no world", witName(wp.Name, ""))
	}
	return nil, fmt.Errorf("package %s has %d worlds (%s) and none is named %s",
		witName(wp.Name, ""), len(names), strings.Join(names, ", "), wp.Name.Package)
}

// witName is the qualified name of an item of a package,
// "ns:pkg/item@version" (or of the package itself when item is "").
// Unlike wit.Ident.String, it never escapes keywords with '%'.
func witName(id wit.Ident, item string) string {
	s := id.Namespace + ":" + id.Package
	if item != "" {
		s += "/" + item
	}
	if id.Version != nil {
		s += "@" + id.Version.String()
	}
	return s
}

// interfaceKey matches the keys wasm-tools gives to world items that
// refer to an interface by its ID (rather than by a plain name); plain
// names cannot have a part starting with a digit.
var interfaceKey = regexp.MustCompile(`^interface-[0-9]+$`)

// A converter converts WIT types into Types, each type definition once:
// a definition used many times (an alias, a type of a tuple of eight)
// becomes one *Type, shared. Every Type it makes is sealed, its layout
// computed from those of the types it holds, and checked against the caps.
type converter struct {
	types map[*wit.TypeDef]*Type
	roots map[*wit.TypeDef]*wit.TypeDef // resource: what aliases resolve to
}

// world adds the world's exports to p, and checks its imports.
func (c *converter) world(p *Package, w *wit.World) error {
	wname := witName(w.Package.Name, w.Name)
	var err error
	w.Exports.All()(func(key string, item wit.WorldItem) bool {
		switch item := item.(type) {
		case *wit.InterfaceRef:
			err = c.iface(p, key, item.Interface)
		case *wit.Function:
			var f *Func
			f, err = c.function(wname, item)
			if err == nil {
				p.Funcs = append(p.Funcs, f)
			}
		case *wit.TypeDef:
			err = c.typeDef(wname, item)
		default:
			err = fmt.Errorf("%s: export %s: unsupported world item %T", wname, key, item)
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	// Imports only matter for what nano cannot provide: resources.
	w.Imports.All()(func(key string, item wit.WorldItem) bool {
		switch item := item.(type) {
		case *wit.InterfaceRef:
			owner := ifaceName(key, item.Interface)
			item.Interface.TypeDefs.All()(func(_ string, t *wit.TypeDef) bool {
				err = c.resource(owner, t)
				return err == nil
			})
		case *wit.TypeDef:
			err = c.resource(wname, item)
		}
		if err != nil {
			err = fmt.Errorf("%w (imported by world %s)", err, wname)
		}
		return err == nil
	})
	return err
}

// ifaceName is the name under which an interface is exported: its
// qualified name, or the plain name of an inline interface.
func ifaceName(key string, i *wit.Interface) string {
	if i.Name == nil || !interfaceKey.MatchString(key) {
		return key
	}
	return witName(i.Package.Name, *i.Name)
}

func (c *converter) iface(p *Package, key string, i *wit.Interface) error {
	name := ifaceName(key, i)
	p.Interfaces = append(p.Interfaces, name)
	var err error
	i.Functions.All()(func(_ string, wf *wit.Function) bool {
		var f *Func
		f, err = c.function(name, wf)
		if err == nil {
			f.Interface = name
			p.Funcs = append(p.Funcs, f)
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	// Types that no function uses still cannot be resources.
	i.TypeDefs.All()(func(_ string, t *wit.TypeDef) bool {
		err = c.typeDef(name, t)
		return err == nil
	})
	return err
}

// funcName is a function's name without wasm-tools' "[method]"-style
// prefix: "open", "file.read".
func funcName(f *wit.Function) string {
	name := f.Name
	if strings.HasPrefix(name, "[") {
		if _, after, ok := strings.Cut(name, "]"); ok {
			name = after
		}
	}
	return name
}

// function converts a freestanding function; owner names its interface
// or world in errors.
func (c *converter) function(owner string, wf *wit.Function) (*Func, error) {
	name := funcName(wf)
	fail := func(msg string) error {
		return fmt.Errorf("%s#%s: %s", owner, name, msg)
	}
	switch wf.Kind.(type) {
	case *wit.Freestanding:
	case *wit.Method, *wit.Static, *wit.Constructor:
		return nil, fail("resources are not supported")
	default:
		// The decoder leaves Kind nil for kinds it does not know:
		// wasm-tools names async functions "[async]f", "[async method]r.f".
		if strings.HasPrefix(wf.Name, "[async") {
			return nil, fail("async functions are not supported")
		}
		return nil, fail("unsupported kind of function")
	}
	if strings.HasPrefix(wf.Name, "[") {
		return nil, fail("unsupported kind of function")
	}
	if len(wf.Results) > 1 {
		return nil, fail("several named results are not supported")
	}
	f := &Func{Name: name}
	m := newMeasurer()
	// conv converts a parameter's or result's type; a cap error not
	// named by a type is named by what.
	conv := func(what string, wt wit.Type) (*Type, error) {
		t, err := c.typ(wt, 0)
		if err == nil {
			_, err = m.checked(t)
		}
		var ce *capError
		if errors.As(err, &ce) {
			err = about(what, err)
		}
		return t, err
	}
	for _, p := range wf.Params {
		t, err := conv("parameter "+p.Name, p.Type)
		if err != nil {
			return nil, fail(err.Error())
		}
		f.Params = append(f.Params, Field{Name: p.Name, Type: t})
	}
	for _, r := range wf.Results {
		t, err := conv("the result", r.Type)
		if err != nil {
			return nil, fail(err.Error())
		}
		f.Results = append(f.Results, t)
	}
	if err := m.funcCaps(f); err != nil {
		return nil, fail(err.Error())
	}
	return f, nil
}

// typeDef checks a type defined in an exported interface or world.
func (c *converter) typeDef(owner string, t *wit.TypeDef) error {
	if _, err := c.typ(t, 0); err != nil {
		return fmt.Errorf("%s#%s: %v", owner, t.TypeName(), err)
	}
	return nil
}

// resource reports an error for a resource type (or an alias of one).
func (c *converter) resource(owner string, t *wit.TypeDef) error {
	if _, ok := c.root(t).Kind.(*wit.Resource); ok {
		return fmt.Errorf("%s#%s: %v", owner, t.TypeName(), errResource)
	}
	return nil
}

// root is t.Root(), what a chain of aliases resolves to, remembered for
// every definition on the chain: following each alias of a long chain to
// its end would take time quadratic in its length.
func (c *converter) root(t *wit.TypeDef) *wit.TypeDef {
	var chain []*wit.TypeDef
	r := t
	for {
		if known, ok := c.roots[r]; ok {
			r = known
			break
		}
		next, ok := r.Kind.(*wit.TypeDef)
		if !ok || len(chain) > 1<<20 {
			break
		}
		chain = append(chain, r)
		r = next
	}
	for _, d := range chain {
		c.roots[d] = r
	}
	return r
}

var errResource = errors.New("resources are not supported")

// typ converts a WIT type, inlining every type definition. Converted
// definitions are shared, and sealed. depth counts the definitions and
// aliases being converted, which lead to t.
func (c *converter) typ(t wit.Type, depth int) (*Type, error) {
	prim := func(k Kind) (*Type, error) { return &Type{Kind: k, info: primInfo(k)}, nil }
	switch t := t.(type) {
	case wit.Bool:
		return prim(Bool)
	case wit.S8:
		return prim(S8)
	case wit.U8:
		return prim(U8)
	case wit.S16:
		return prim(S16)
	case wit.U16:
		return prim(U16)
	case wit.S32:
		return prim(S32)
	case wit.U32:
		return prim(U32)
	case wit.S64:
		return prim(S64)
	case wit.U64:
		return prim(U64)
	case wit.F32:
		return prim(F32)
	case wit.F64:
		return prim(F64)
	case wit.Char:
		return prim(Char)
	case wit.String:
		return prim(String)
	case wit.ErrorContext:
		return nil, errors.New("error-context is not supported")
	case *wit.TypeDef:
		if r, ok := c.types[t]; ok {
			return r, nil
		}
		if depth > maxAliasDepth {
			return nil, fmt.Errorf("type definitions and aliases nest deeper than %d", maxAliasDepth)
		}
		r, err := c.kind(t.Kind, depth+1)
		if err == nil {
			var i *typeInfo
			if i, err = seal(r); err == nil {
				err = i.caps()
			}
		}
		if err != nil {
			// A type past a cap is named by the innermost named type
			// that holds it.
			var ce *capError
			if t.Name != nil && errors.As(err, &ce) {
				return nil, about("type "+*t.Name, err)
			}
			return nil, err
		}
		c.types[t] = r
		return r, nil
	case nil:
		return nil, errors.New("missing type")
	}
	return nil, fmt.Errorf("unsupported type %T", t)
}

func (c *converter) kind(k wit.TypeDefKind, depth int) (*Type, error) {
	var err error
	// opt converts an optional type (nil stays nil).
	opt := func(t wit.Type) *Type {
		if t == nil || err != nil {
			return nil
		}
		var r *Type
		r, err = c.typ(t, depth)
		return r
	}
	switch k := k.(type) {
	case wit.Type: // an alias, of a definition or of a primitive type
		return c.typ(k, depth)
	case *wit.Record:
		r := &Type{Kind: Record, Fields: make([]Field, len(k.Fields))}
		for i, f := range k.Fields {
			r.Fields[i] = Field{Name: f.Name, Type: opt(f.Type)}
		}
		return r, err
	case *wit.Tuple:
		r := &Type{Kind: Tuple, Fields: make([]Field, len(k.Types))}
		for i, t := range k.Types {
			r.Fields[i] = Field{Type: opt(t)}
		}
		return r, err
	case *wit.Variant:
		r := &Type{Kind: Variant, Cases: make([]Case, len(k.Cases))}
		for i, cs := range k.Cases {
			r.Cases[i] = Case{Name: cs.Name, Type: opt(cs.Type)}
		}
		return r, err
	case *wit.Enum:
		r := &Type{Kind: Enum, Cases: make([]Case, len(k.Cases))}
		for i, cs := range k.Cases {
			r.Cases[i] = Case{Name: cs.Name}
		}
		return r, nil
	case *wit.Flags:
		r := &Type{Kind: Flags, Cases: make([]Case, len(k.Flags))}
		for i, f := range k.Flags {
			r.Cases[i] = Case{Name: f.Name}
		}
		return r, nil
	case *wit.Option:
		r := &Type{Kind: Option, Elem: opt(k.Type)}
		return r, err
	case *wit.Result:
		r := &Type{Kind: Result, Ok: opt(k.OK), Err: opt(k.Err)}
		return r, err
	case *wit.List:
		r := &Type{Kind: List, Elem: opt(k.Type)}
		return r, err
	case *wit.Resource, *wit.Own, *wit.Borrow:
		return nil, errResource
	case *wit.Future:
		return nil, errors.New("futures are not supported")
	case *wit.Stream:
		return nil, errors.New("streams are not supported")
	case nil:
		// The decoder leaves Kind nil for kinds it does not know; with
		// wasm-tools 1.230 that is a fixed-size list, list<T, N>.
		return nil, errors.New("fixed-size lists are not supported")
	}
	return nil, fmt.Errorf("unsupported type %T", k)
}

// The location line of a wasm-tools (Rust miette-style) diagnostic.
var arrowLine = regexp.MustCompile(`^\s*--> (.+):([0-9]+):([0-9]+)\s*$`)

// A message line of wasm-tools' error chain: "error: msg" or "N: msg".
var causeLine = regexp.MustCompile(`^\s*(?:wasm-tools: )?(?:error: |[0-9]+: )(.*)$`)

// loadError turns a wit.LoadWIT error into an *Error. wasm-tools reports
//
//	wasm-tools: error: failed to parse package: DIR
//
//	Caused by:
//	    0: name `strin` is not defined
//	            --> DIR/file.wit:3:14
//	             |
//	           3 |   f: func(a: strin);
//
// which becomes "DIR/file.wit:3:14: name `strin` is not defined", the file
// spelled from path; abs is what wasm-tools was given.
func loadError(path, abs string, err error) error {
	text := err.Error()
	lines := strings.Split(text, "\n")
	var msg []string // the lines of the current message
	var chain []string
	flush := func() {
		if len(msg) > 0 {
			chain = append(chain, strings.Join(msg, " "))
			msg = nil
		}
	}
	for _, l := range lines {
		if m := arrowLine.FindStringSubmatch(l); m != nil {
			line, _ := strconv.Atoi(m[2])
			col, _ := strconv.Atoi(m[3])
			return &Error{File: relFile(path, abs, m[1]), Line: line, Col: col, Msg: strings.Join(msg, " ")}
		}
		if m := causeLine.FindStringSubmatch(l); m != nil {
			flush()
			msg = append(msg, strings.TrimSpace(m[1]))
			continue
		}
		l = strings.TrimSpace(l)
		switch {
		case l == "Caused by:":
			flush()
		case l != "" && len(msg) > 0:
			msg = append(msg, l)
		}
	}
	flush()
	if len(chain) == 0 {
		return &Error{File: path, Msg: strings.TrimSpace(strings.TrimPrefix(text, "wasm-tools: "))}
	}
	// No location: the whole chain, with abs spelled as path.
	s := strings.Join(chain, ": ")
	s = strings.ReplaceAll(s, abs, path)
	return &Error{File: path, Msg: s}
}

// relFile spells file, a path wasm-tools reported under abs, from path.
func relFile(path, abs, file string) string {
	if file == abs {
		return path
	}
	rel, err := filepath.Rel(abs, file)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return file
	}
	return filepath.Join(path, rel)
}
