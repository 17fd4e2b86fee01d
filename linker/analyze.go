// Package linker is nano's view of WebAssembly: what a core module imports
// and exports, and which key each import needs; linking a locked package tree
// into a bundle, reading and checking bundles, and the link checks the
// runtime repeats before it runs one (Bundle.CheckLinks). Package runtime
// runs bundles.
package linker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/policy"
)

// A Module is what a core module imports and exports.
type Module struct {
	// Imports are the imported functions, in module order.
	Imports []Import
	// Exports are the exported functions, sorted by name.
	Exports []Export
	// ImportedNonFuncs describes every imported memory, table and global,
	// in module order: `import["env"."memory"] memory`. Nanoprocesses share
	// none, so no such import ever links. (Exporting a memory is fine.)
	ImportedNonFuncs []string
	// ExportsMemory says whether it exports a memory named "memory", as the
	// canonical ABI needs to copy values in and out.
	ExportsMemory bool
}

// An Import is one imported function.
type Import struct {
	Module, Name    string
	Params, Results []api.ValueType
	Need            Need
}

// String names the import as wazero does: import["module"."name"].
func (im Import) String() string { return fmt.Sprintf("import[%q.%q]", im.Module, im.Name) }

// Signature returns the import's type: (i32,i64) -> (i32).
func (im Import) Signature() string { return Signature(im.Params, im.Results) }

// An Export is one exported function.
type Export struct {
	Name            string
	Params, Results []api.ValueType
}

// String names the export: export["name"].
func (ex Export) String() string { return fmt.Sprintf("export[%q]", ex.Name) }

// Signature returns the export's type: (i32,i64) -> (i32).
func (ex Export) Signature() string { return Signature(ex.Params, ex.Results) }

// Signature formats a function type: (i32,i64) -> (i32), () -> ().
func Signature(params, results []api.ValueType) string {
	var b strings.Builder
	list := func(ts []api.ValueType) {
		b.WriteByte('(')
		for i, t := range ts {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(valueTypeName(t))
		}
		b.WriteByte(')')
	}
	list(params)
	b.WriteString(" -> ")
	list(results)
	return b.String()
}

func valueTypeName(t api.ValueType) string {
	switch t {
	case 0x7b:
		return "v128"
	case 0x70:
		return "funcref"
	}
	if n := api.ValueTypeName(t); n != "unknown" {
		return n
	}
	return fmt.Sprintf("type(%#x)", byte(t))
}

// A NeedKind is what kind of thing an import needs.
type NeedKind uint8

// The kinds of needs.
const (
	// NeedUnknown: nano cannot link the import. Its module is neither WASI
	// nor named like a package, or WASI preview1 has no such function.
	NeedUnknown NeedKind = iota
	// NeedNone: a WASI function that needs no key.
	NeedNone
	// NeedKey: a WASI function that needs a key of kind Need.Key.
	NeedKey
	// NeedDependency: an export of the dependency the module names.
	NeedDependency
)

// A Need says what an import needs: a dependency's export, a key of some
// kind, or nothing. The zero Need is unknown.
type Need struct {
	Kind NeedKind
	Key  policy.Kind // when Kind is NeedKey
}

// String returns "fs", "net", ... for a key; "no key", "dependency" or
// "unknown" otherwise.
func (n Need) String() string {
	switch n.Kind {
	case NeedNone:
		return "no key"
	case NeedKey:
		return n.Key.String()
	case NeedDependency:
		return "dependency"
	}
	return "unknown"
}

// An Analyzer analyzes modules, validating each by compiling it with
// wazero. It is safe for concurrent use.
//
// Without a compilation cache it compiles with wazero's interpreter, which
// compiles fastest but holds an intermediate form of the whole module, some
// 40 bytes for each byte of code. With one it compiles each module of at
// least InterpretBelow bytes with wazero's compiler instead, as nano run
// does and into the cache, exactly as nano run compiles it: nano run then
// finds it compiled, and the peak memory is the compiler's, a few times the
// module's size.
type Analyzer struct {
	compiler       wazero.Runtime // nil without a cache
	interpretBelow int            // the size from which the compiler validates

	mu     sync.Mutex
	interp wazero.Runtime // made on first use
}

// InterpretBelow is the size of the smallest module that a caching
// analyzer validates with the compiler; smaller ones it validates with the
// interpreter. Below it, the interpreter's peak memory stays under the
// compiler's on a 30 MiB module (some 170 MB), and it validates a 2 MB Go
// guest in a fifth of a second where the compiler takes more than one:
// nano build and nano audit stay fast on a cold cache, and nano run
// compiles such a module in about the time build would have.
const InterpretBelow = 4 << 20

// NewAnalyzer returns an analyzer that validates with wazero's interpreter
// and keeps nothing. Close it when done.
func NewAnalyzer(ctx context.Context) *Analyzer {
	return NewCachingAnalyzer(ctx, nil)
}

// NewCachingAnalyzer returns an analyzer that validates each module of at
// least InterpretBelow bytes by compiling it into cache with wazero's
// compiler, exactly as nano run compiles it: its module name set to its
// digest (and, in Analyzer.Build, its typed imports renamed), so that a
// later runtime.Start with the same cache finds it compiled. With a nil
// cache it is NewAnalyzer. Close it when done.
func NewCachingAnalyzer(ctx context.Context, cache wazero.CompilationCache) *Analyzer {
	a := &Analyzer{interpretBelow: InterpretBelow}
	if cache != nil {
		a.compiler = wazero.NewRuntimeWithConfig(ctx, RuntimeConfig(cache))
	}
	return a
}

// compiles reports whether a validates a module of size bytes with the
// compiler, into its cache.
func (a *Analyzer) compiles(size int) bool { return a.compiler != nil && size >= a.interpretBelow }

// RuntimeConfig is the configuration of the runtime that runs bundles, and
// of the caching analyzer: the compilation cache keys compiled code by the
// module's bytes alone, so both must compile alike.
func RuntimeConfig(cache wazero.CompilationCache) wazero.RuntimeConfig {
	// Without DWARF, a stack trace has only the frames' names, which nano
	// sets: the runtime traces a trap to its nanoprocess by them.
	rc := wazero.NewRuntimeConfig().WithDebugInfoEnabled(false)
	if cache != nil {
		rc = rc.WithCompilationCache(cache)
	}
	return rc
}

// Close releases the analyzer's runtimes.
func (a *Analyzer) Close(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var err error
	if a.interp != nil {
		err = a.interp.Close(ctx)
	}
	if a.compiler != nil {
		err = errors.Join(err, a.compiler.Close(ctx))
	}
	return err
}

// interpreter returns the analyzer's interpreter. It also validates a
// module the compiler failed on: the compiler writes the cache too, and a
// cache it cannot write (a full disk) is no fault of the module's.
func (a *Analyzer) interpreter(ctx context.Context) wazero.Runtime {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.interp == nil {
		a.interp = wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	}
	return a.interp
}

// Analyze analyzes one core module with a runtime of its own. To analyze
// many, use an Analyzer.
func Analyze(ctx context.Context, wasm []byte) (*Module, error) {
	a := NewAnalyzer(ctx)
	defer a.Close(ctx)
	return a.Analyze(ctx, wasm)
}

// Analyze validates a core module and returns what it imports and exports.
// A module that is not valid is an error naming the problem. A caching
// analyzer compiles it as nano run compiles a module with no typed imports.
func (a *Analyzer) Analyze(ctx context.Context, wasm []byte) (*Module, error) {
	// The import section first: it names a component or a truncated file
	// better than the compiler does, and it has what wazero does not list.
	raw, err := readImports(wasm)
	if err != nil {
		return nil, err
	}
	return a.compile(ctx, wasm, raw, "", nil)
}

// compile validates wasm by compiling it, and returns what it imports and
// exports as describeCompiled says. raw is its import section. A caching
// analyzer compiles the bytes nano run compiles, named by digest
// (lockfile.Digest(wasm) if "") with renames made: the cache keys compiled
// code by them.
func (a *Analyzer) compile(ctx context.Context, wasm []byte, raw []rawImport, digest string, renames map[importName]importName) (*Module, error) {
	var cm wazero.CompiledModule
	err := errors.New("not compiled")
	if a.compiles(len(wasm)) {
		if digest == "" {
			digest = lockfile.Digest(wasm)
		}
		var compiled []byte
		if compiled, err = runBytes(wasm, digest, renames); err != nil {
			return nil, fmt.Errorf("invalid module: %w", err)
		}
		cm, err = a.compiler.CompileModule(ctx, compiled)
	}
	if err != nil {
		// Valid to the interpreter, the module is valid, whatever kept it
		// out of the cache; invalid, it is invalid to both alike.
		cm, err = a.interpreter(ctx).CompileModule(ctx, wasm)
		renames = nil
	}
	if err != nil {
		return nil, fmt.Errorf("invalid module: %w", err)
	}
	defer cm.Close(ctx)
	var rawFuncs []rawImport
	for _, r := range raw {
		if r.kind == kindFunc {
			rawFuncs = append(rawFuncs, r)
		}
	}
	for i, f := range cm.ImportedFunctions() {
		mod, name, _ := f.Import()
		if i >= len(rawFuncs) {
			break // describeCompiled counts them
		}
		want := importName{rawFuncs[i].module, rawFuncs[i].name}
		if to, ok := renames[want]; ok {
			want = to
		}
		if want.Module != mod || want.Name != name {
			return nil, fmt.Errorf("import %d: the import section says %q.%q, wazero %q.%q", i, want.Module, want.Name, mod, name)
		}
	}
	return describeCompiled(raw, cm)
}

// runBytes returns the bytes nano run compiles for a module of digest
// digest whose typed imports are renamed so: its imports renamed, and its
// name section replaced by one naming the digest.
func runBytes(wasm []byte, digest string, renames map[importName]importName) ([]byte, error) {
	wasm, err := renameImports(wasm, renames)
	if err != nil {
		return nil, err
	}
	return nameModule(wasm, digest)
}

// describeCompiled returns what a compiled module imports and exports: the names
// of its imports as raw, read from its bytes, says, their types as wazero
// has them. The module may have been compiled with some imports renamed
// (the runtime compiles typed imports so), but never reordered.
func describeCompiled(raw []rawImport, cm wazero.CompiledModule) (*Module, error) {
	m := new(Module)
	funcs := cm.ImportedFunctions()
	for _, r := range raw {
		if r.kind != kindFunc {
			m.ImportedNonFuncs = append(m.ImportedNonFuncs, fmt.Sprintf("import[%q.%q] %s", r.module, r.name, r.kind))
			continue
		}
		i := len(m.Imports)
		if i >= len(funcs) {
			break
		}
		m.Imports = append(m.Imports, Import{
			Module:  r.module,
			Name:    r.name,
			Params:  funcs[i].ParamTypes(),
			Results: funcs[i].ResultTypes(),
			Need:    ImportNeed(r.module, r.name),
		})
	}
	if len(m.Imports) != len(funcs) {
		return nil, fmt.Errorf("the import section has %d function imports, wazero %d", len(m.Imports), len(funcs))
	}
	for name, f := range cm.ExportedFunctions() {
		m.Exports = append(m.Exports, Export{Name: name, Params: f.ParamTypes(), Results: f.ResultTypes()})
	}
	_, m.ExportsMemory = cm.ExportedMemories()["memory"]
	slices.SortFunc(m.Exports, func(a, b Export) int { return strings.Compare(a.Name, b.Name) })
	return m, nil
}

// The kinds of imports in the import section.
type importKind byte

const (
	kindFunc importKind = iota
	kindTable
	kindMemory
	kindGlobal
)

func (k importKind) String() string {
	switch k {
	case kindFunc:
		return "func"
	case kindTable:
		return "table"
	case kindMemory:
		return "memory"
	case kindGlobal:
		return "global"
	}
	return fmt.Sprintf("kind(%#x)", byte(k))
}

// A rawImport is one entry of the import section.
type rawImport struct {
	module, name string
	kind         importKind
	typ          uint32 // a function's type index
}

var (
	magic      = []byte("\x00asm")
	coreV1     = []byte("\x01\x00\x00\x00")
	importSect = byte(2)
)

// readImports reads the import section of a core module: wazero lists
// neither imported tables nor globals. It reads no further than the import
// section and checks only what it reads.
func readImports(wasm []byte) ([]rawImport, error) {
	if !bytes.HasPrefix(wasm, magic) {
		return nil, errors.New("not a wasm module: no \\0asm magic number")
	}
	if len(wasm) < 8 {
		return nil, errors.New("not a wasm module: truncated header")
	}
	if v := wasm[4:8]; !bytes.Equal(v, coreV1) {
		if v[2] != 0 || v[3] != 0 { // the component model's layer 1
			return nil, errors.New("a WebAssembly component, not a core module")
		}
		return nil, fmt.Errorf("wasm binary version %d, want 1", uint32(v[0])|uint32(v[1])<<8)
	}
	r := &reader{b: wasm, off: 8}
	for r.off < len(r.b) {
		start := r.off
		id := r.byte()
		body := r.bytes(r.u32())
		if r.err != nil {
			return nil, fmt.Errorf("section %d at byte %d: %v", id, start, r.err)
		}
		switch id {
		case 0, 1: // custom and type sections come first
		case importSect:
			return readImportSection(body)
		default: // the import section comes before any other
			return nil, nil
		}
	}
	return nil, nil
}

// readImportSection reads the body of an import section.
func readImportSection(s *reader) ([]rawImport, error) {
	n := s.u32()
	out := make([]rawImport, 0, min(int(n), len(s.b)/4))
	for i := 0; i < int(n) && s.err == nil; i++ {
		start := s.off
		im := rawImport{module: s.name(), name: s.name(), kind: importKind(s.byte())}
		switch im.kind {
		case kindFunc:
			im.typ = s.u32()
		case kindTable:
			s.byte() // reference type
			s.limits()
		case kindMemory:
			s.limits()
		case kindGlobal:
			s.byte() // value type
			s.byte() // mutability
		default:
			if s.err == nil {
				return nil, fmt.Errorf("import section: import %d at byte %d: import[%q.%q] has unknown kind %#x", i, start, im.module, im.name, byte(im.kind))
			}
		}
		if s.err != nil {
			return nil, fmt.Errorf("import section: import %d at byte %d: %v", i, start, s.err)
		}
		out = append(out, im)
	}
	if s.err == nil && s.off < len(s.b) {
		return nil, fmt.Errorf("import section: %d trailing bytes at byte %d", len(s.b)-s.off, s.off)
	}
	if s.err != nil {
		return nil, fmt.Errorf("import section: %v", s.err)
	}
	return out, nil
}

// A reader reads a wasm binary. The first error sticks; reads after it
// return zero values.
type reader struct {
	b   []byte // the whole binary, or a section; read up to off
	off int    // offset in the binary of the next byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}

func (r *reader) byte() byte {
	if r.err != nil || r.off >= len(r.b) {
		r.fail("unexpected end at byte %d", r.off)
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

// bytes returns a reader of the next n bytes, which it skips.
func (r *reader) bytes(n uint32) *reader {
	if r.err == nil && uint64(n) > uint64(len(r.b)-r.off) {
		r.fail("%d bytes at byte %d run past the end at byte %d", n, r.off, len(r.b))
	}
	if r.err != nil {
		return &reader{err: r.err}
	}
	s := &reader{b: r.b[:r.off+int(n)], off: r.off}
	r.off += int(n)
	return s
}

// leb reads an unsigned LEB128 number of at most bits bits.
func (r *reader) leb(bits int) uint64 {
	start := r.off
	var v uint64
	for shift := 0; ; shift += 7 {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		if shift+7 > bits && c>>(bits-shift) != 0 {
			r.fail("LEB128 at byte %d overflows %d bits", start, bits)
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
}

func (r *reader) u32() uint32 { return uint32(r.leb(32)) }

func (r *reader) name() string {
	s := r.bytes(r.u32())
	if r.err != nil {
		return ""
	}
	return string(s.b[s.off:])
}

// limits reads the limits of a memory or table: flags, min and maybe max,
// 64-bit for memory64.
func (r *reader) limits() {
	flags := r.byte()
	r.leb(64)
	if flags&1 != 0 {
		r.leb(64)
	}
}

// decodeModule reads what a core module imports and exports from its type,
// import, function and export sections, and nothing else: it neither
// validates the module nor reads its code. raw is its import section, as
// readImports read it. Analyzer.Build checks what it reads against what
// wazero reads when it validates the module.
func decodeModule(wasm []byte, raw []rawImport) (*Module, error) {
	type funcType struct{ params, results []api.ValueType }
	var types []funcType
	var funcs []uint32 // the type of every function: imported, then defined
	for _, r := range raw {
		if r.kind == kindFunc {
			funcs = append(funcs, r.typ)
		}
	}
	type funcExport struct {
		name  string
		index uint32
	}
	var exports []funcExport
	exportsMemory := false
	r := &reader{b: wasm, off: 8}
	valueTypes := func(s *reader) []api.ValueType {
		n := s.u32()
		if s.err == nil && uint64(n) > uint64(len(s.b)-s.off) {
			s.fail("%d value types at byte %d run past the end", n, s.off)
		}
		if s.err != nil {
			return nil
		}
		out := make([]api.ValueType, n)
		for i := range out {
			out[i] = s.byte()
		}
		return out
	}
	for r.off < len(r.b) && r.err == nil {
		start := r.off
		id := r.byte()
		s := r.bytes(r.u32())
		if r.err != nil {
			return nil, fmt.Errorf("section %d at byte %d: %v", id, start, r.err)
		}
		switch id {
		case 1: // types
			n := s.u32()
			for i := uint32(0); i < n && s.err == nil; i++ {
				if form := s.byte(); form != 0x60 && s.err == nil {
					s.fail("type %d at byte %d: form %#x, want a function type", i, s.off-1, form)
				}
				params := valueTypes(s)
				types = append(types, funcType{params, valueTypes(s)})
			}
		case 3: // functions
			n := s.u32()
			if s.err == nil && uint64(n) > uint64(len(s.b)-s.off) {
				s.fail("%d functions run past the end", n)
			}
			for i := uint32(0); i < n && s.err == nil; i++ {
				funcs = append(funcs, s.u32())
			}
		case 7: // exports
			n := s.u32()
			for i := uint32(0); i < n && s.err == nil; i++ {
				name, kind, index := s.name(), s.byte(), s.u32()
				if kind == 2 && name == "memory" {
					exportsMemory = true
				}
				if kind == 0 && s.err == nil {
					if uint64(index) >= uint64(len(funcs)) {
						s.fail("export %q at byte %d: function %d of %d", name, s.off, index, len(funcs))
						break
					}
					exports = append(exports, funcExport{name, index})
				}
			}
		default:
			continue
		}
		if s.err == nil && s.off < len(s.b) {
			s.fail("%d trailing bytes", len(s.b)-s.off)
		}
		if s.err != nil {
			return nil, fmt.Errorf("section %d at byte %d: %v", id, start, s.err)
		}
		if id == 7 {
			break // nothing after the exports says what the module imports or exports
		}
	}
	typeOf := func(what string, t uint32) (funcType, error) {
		if uint64(t) >= uint64(len(types)) {
			return funcType{}, fmt.Errorf("%s has type %d of %d", what, t, len(types))
		}
		return types[t], nil
	}
	m := new(Module)
	for _, im := range raw {
		if im.kind != kindFunc {
			m.ImportedNonFuncs = append(m.ImportedNonFuncs, fmt.Sprintf("import[%q.%q] %s", im.module, im.name, im.kind))
			continue
		}
		t, err := typeOf(fmt.Sprintf("import[%q.%q]", im.module, im.name), im.typ)
		if err != nil {
			return nil, err
		}
		m.Imports = append(m.Imports, Import{Module: im.module, Name: im.name, Params: t.params, Results: t.results, Need: ImportNeed(im.module, im.name)})
	}
	m.ExportsMemory = exportsMemory
	for _, ex := range exports {
		t, err := typeOf(Export{Name: ex.name}.String(), funcs[ex.index])
		if err != nil {
			return nil, err
		}
		m.Exports = append(m.Exports, Export{Name: ex.name, Params: t.params, Results: t.results})
	}
	slices.SortFunc(m.Exports, func(a, b Export) int { return strings.Compare(a.Name, b.Name) })
	return m, nil
}

// sameModule reports whether two descriptions of a module agree.
func sameModule(a, b *Module) bool {
	return slices.Equal(a.ImportedNonFuncs, b.ImportedNonFuncs) && a.ExportsMemory == b.ExportsMemory &&
		slices.EqualFunc(a.Imports, b.Imports, func(x, y Import) bool {
			return x.Module == y.Module && x.Name == y.Name && x.Need == y.Need &&
				slices.Equal(x.Params, y.Params) && slices.Equal(x.Results, y.Results)
		}) &&
		slices.EqualFunc(a.Exports, b.Exports, func(x, y Export) bool {
			return x.Name == y.Name && slices.Equal(x.Params, y.Params) && slices.Equal(x.Results, y.Results)
		})
}

// ImportsFunc reports whether a core module imports the function
// module.name. It reads no further than the import section and validates
// nothing else: Analyze does.
func ImportsFunc(wasm []byte, module, name string) (bool, error) {
	raw, err := readImports(wasm)
	if err != nil {
		return false, err
	}
	for _, r := range raw {
		if r.kind == kindFunc && r.module == module && r.name == name {
			return true, nil
		}
	}
	return false, nil
}
