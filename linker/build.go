package linker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero/api"

	"github.com/nanoproc/nano/hostapi"
	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/limits"
	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/policy"
)

// MaxInstances bounds the instances of one bundle: every dependency edge on
// every path from the root is a nanoprocess, and a wide diamond multiplies.
const MaxInstances = 100_000

// A LinkError is a problem with one import of one package, named the way
// wazero names wasm locations.
type LinkError struct {
	Package string // "acme:app 0.3.0"
	Module  string // the import's module
	Name    string // the import's name
	// Export is, for a WIT function of the package that its module does
	// not export as its WIT declares, the function's export name.
	Export string
	// Undeclared marks an import the package does not declare: from a
	// module that is neither a dependency, WASI, nor a nano host API, or
	// of a memory, table or global. The audit reports these as
	// undeclared-import.
	Undeclared bool
	Err        string
}

// Error returns the message of the LinkError.
func (e *LinkError) Error() string {
	if e.Export != "" {
		return fmt.Sprintf("%s: WIT function %s: %s", e.Package, e.Export, e.Err)
	}
	if e.Module == "" {
		return fmt.Sprintf("%s: %s", e.Package, e.Err)
	}
	return fmt.Sprintf("%s: import[%q.%q]: %s", e.Package, e.Module, e.Name, e.Err)
}

// Build links the locked tree rooted at the package with ID root into a
// bundle, reading modules and interfaces from src. Every link problem is
// reported at once, each a *LinkError, joined with errors.Join: the
// problems CheckLock finds, which nano audit reports as link findings. It
// validates modules with wazero's interpreter; see Analyzer.Build.
func Build(ctx context.Context, l *lockfile.Lock, root string, src Source) (*Bundle, error) {
	a := NewAnalyzer(ctx)
	defer a.Close(ctx)
	return a.Build(ctx, l, root, src)
}

// Build links as the function Build does, validating every module with
// the analyzer. A caching analyzer compiles each module of at least
// InterpretBelow bytes into its cache as nano run compiles it, named by its
// digest and with its typed imports renamed, so that running the bundle
// with the same cache compiles none of them again; each distinct module is
// compiled once.
//
// It holds at most one module's bytes at a time, reading each twice: first
// to read what it imports and exports, for the link checks, which decide
// how its typed imports are renamed; then to validate it. An invalid
// module is reported before any link problem.
func (a *Analyzer) Build(ctx context.Context, l *lockfile.Lock, root string, src Source) (*Bundle, error) {
	pkgs := map[string]*lockfile.Package{}
	for _, p := range l.Packages {
		pkgs[p.ID()] = p
	}
	if pkgs[root] == nil {
		return nil, fmt.Errorf("%s is not in the lock", root)
	}
	edges := map[string][]*lockfile.Edge{}
	for _, e := range l.Edges {
		edges[e.Parent] = append(edges[e.Parent], e)
	}
	for _, es := range edges {
		slices.SortFunc(es, func(a, b *lockfile.Edge) int { return strings.Compare(a.Child, b.Child) })
	}
	// Each module is read and its bytes dropped: the bundle reads them
	// again from src, one at a time, when it is validated, and when it is
	// written or run.
	b := &Bundle{Modules: map[string][]byte{}}
	mods := map[string]*Module{} // by package ID
	wits := map[string]*iface.Package{}
	digests := map[string]string{}
	mounts := map[string]map[string]string{} // by package ID
	byDigest := map[string]*lockfile.Package{}
	decoded := map[string]*Module{} // by digest
	sizes := map[string]int{}       // by digest
	for _, id := range slices.Sorted(maps.Keys(pkgs)) {
		p := pkgs[id]
		wasm, err := src.Module(p)
		if err != nil {
			return nil, err
		}
		if wits[id], err = src.Interface(p); err != nil {
			return nil, &LinkError{Package: id, Err: err.Error()}
		}
		if mounts[id], err = src.Mounts(p); err != nil {
			return nil, &LinkError{Package: id, Err: err.Error()}
		}
		d := lockfile.Digest(wasm)
		m := decoded[d]
		if m == nil {
			if m, err = a.decode(ctx, wasm, d); err != nil {
				return nil, &LinkError{Package: id, Err: err.Error()}
			}
			decoded[d], sizes[d] = m, len(wasm)
		}
		b.Modules[d], mods[id], digests[id], byDigest[d] = nil, m, d, p
	}
	b.load = func(d string) ([]byte, error) { return src.Module(byDigest[d]) }
	linkables := make(map[string]Linkable, len(pkgs))
	for id := range pkgs {
		linkables[id] = Linkable{Module: mods[id], WIT: wits[id]}
	}
	typed, errs := CheckLock(l, linkables)
	if err := a.validate(ctx, pkgs, src, digests, sizes, mods, typed); err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	k := &linker{b: b, pkgs: pkgs, edges: edges, digests: digests, typed: typed, mounts: mounts}
	if w := wits[root]; w != nil {
		b.Exports = w.Funcs
	}
	rootKeys := map[string]string{}
	for _, key := range pkgs[root].Keys {
		if key.Kind == policy.FS {
			rootKeys[key.Name] = key.Name
		}
	}
	if _, err := k.add(root, pkgs[root].Name, pkgs[root].Keys, rootKeys, limits.Limits{}); err != nil {
		return nil, err
	}
	return b, nil
}

// decode reads what a module of digest d imports and exports, without
// validating it. A module it cannot read is compiled, for wazero's word on
// what is wrong with it.
func (a *Analyzer) decode(ctx context.Context, wasm []byte, d string) (*Module, error) {
	raw, err := readImports(wasm)
	if err != nil {
		return nil, err
	}
	m, err := decodeModule(wasm, raw)
	if err != nil {
		if _, cerr := a.compile(ctx, wasm, raw, d, nil); cerr != nil {
			return nil, cerr
		}
		return nil, fmt.Errorf("invalid module: %w", err)
	}
	return m, nil
}

// validate validates the module of every package, each distinct one once,
// in the order of the packages' IDs, and checks that wazero reads what
// decode read. The compiler compiles each as nano run will, with the typed
// imports of its package renamed; the interpreter compiles each module
// once whatever its renames, which change nothing it checks.
func (a *Analyzer) validate(ctx context.Context, pkgs map[string]*lockfile.Package, src Source, digests map[string]string, sizes map[string]int, mods map[string]*Module, typed map[string][]*TypedImport) error {
	done := map[string]bool{}
	for _, id := range slices.Sorted(maps.Keys(pkgs)) {
		d := digests[id]
		renames, key := typedRenames(d, typed[id])
		if !a.compiles(sizes[d]) {
			renames, key = nil, d
		}
		if done[key] {
			continue
		}
		done[key] = true
		wasm, err := src.Module(pkgs[id]) // checked against the lock, as the first time
		if err != nil {
			return err
		}
		raw, err := readImports(wasm)
		if err == nil {
			var m *Module
			if m, err = a.compile(ctx, wasm, raw, d, renames); err == nil && !sameModule(m, mods[id]) {
				err = errors.New("wazero reads the module's imports or exports otherwise than nano does")
			}
		}
		if err != nil {
			return &LinkError{Package: id, Err: err.Error()}
		}
	}
	return nil
}

// A linkDep is what checkImports sees of one dependency: its package ID,
// its module and its WIT, nil if it has none, and whether it is spawned:
// a command started as child nanoprocesses, never linked.
type linkDep struct {
	id      string
	mod     *Module
	wit     *iface.Package
	spawned bool
	unread  bool // its module or WIT could not be read: imports of it are not judged
}

// checkImports checks every import of one module against the
// dependencies dep finds by name, and returns its typed imports. id names
// the importer in errors, name is its package's name. Build checks each
// package of the lock with it, and Bundle.CheckLinks each nanoprocess of
// a bundle.
func checkImports(id, name string, m *Module, dep func(name string) (linkDep, bool)) ([]*TypedImport, []error) {
	var errs []error
	var typed []*TypedImport
	for _, s := range m.ImportedNonFuncs {
		errs = append(errs, &LinkError{Package: id, Err: s + ": nanoprocesses share no memory, table or global", Undeclared: true})
	}
	for _, imp := range m.Imports {
		fail := func(format string, args ...any) {
			errs = append(errs, &LinkError{Package: id, Module: imp.Module, Name: imp.Name, Err: fmt.Sprintf(format, args...)})
		}
		undeclared := func(format string, args ...any) {
			fail(format, args...)
			errs[len(errs)-1].(*LinkError).Undeclared = true
		}
		host := strings.HasPrefix(imp.Module, hostapi.Prefix)
		switch {
		case host:
			checkHostImport(imp, m, fail, undeclared)
			continue
		case imp.Need.Kind == NeedKey || imp.Need.Kind == NeedNone:
			continue
		case imp.Need.Kind == NeedUnknown:
			if imp.Module == WASI {
				undeclared("not a WASI preview1 function")
			} else {
				undeclared("%s is neither a declared dependency, WASI, nor a nano host API", imp.Module)
			}
			continue
		}
		depName, iname := imp.Dependency(), ""
		if depName != imp.Module {
			iname = imp.Module // a WIT interface of the dependency
		}
		d, ok := dep(depName)
		if !ok {
			undeclared("%s is not a dependency of %s", depName, name)
			continue
		}
		child := d.id
		if d.unread {
			continue
		}
		if d.spawned {
			fail("%s is a spawn key of %s: a command started with nano:process, which cannot also be imported from", depName, name)
			continue
		}
		if wit := d.wit; wit != nil && (iname != "" || slices.ContainsFunc(wit.Named(imp.Name), func(f *iface.Func) bool { return f.Interface == "" })) {
			t, msg := typedLink(imp, child, iname, wit, d.mod)
			if msg != "" {
				fail("%s", msg)
			} else {
				typed = append(typed, t)
			}
			continue
		}
		if iname != "" {
			fail("%s has no WIT to serve %s", child, iname)
			continue
		}
		exp, ok := export(d.mod, imp.Name)
		switch {
		case !ok:
			fail("%s exports no function %q", child, imp.Name)
		case !slices.Equal(exp.Params, imp.Params) || !slices.Equal(exp.Results, imp.Results):
			fail("signature mismatch: imported as %s, %s exports %s", Signature(imp.Params, imp.Results), child, Signature(exp.Params, exp.Results))
		}
	}
	return typed, errs
}

// checkHostImport checks an import from nano's host APIs: a function the
// API has, with the core signature its WIT lowers to, imported by a module
// that exports the memory and cabi_realloc its values go through. A
// function the API does not have is reported with undeclared.
func checkHostImport(imp Import, m *Module, fail, undeclared func(format string, args ...any)) {
	_, f, err := hostapi.Lookup(imp.Module, imp.Name)
	if err != nil {
		undeclared("%v", err)
		return
	}
	params, results := f.CoreImport()
	if !slices.Equal(params, imp.Params) || !slices.Equal(results, imp.Results) {
		fail("signature mismatch: imported as %s, its WIT %s lowers to %s", Signature(imp.Params, imp.Results), f.Signature(), Signature(params, results))
		return
	}
	if !m.ExportsMemory {
		fail("a module that imports nano's host APIs must export its memory")
	}
	realloc, ok := export(m, "cabi_realloc")
	if !ok || !slices.Equal(realloc.Params, []api.ValueType{api.ValueTypeI32, api.ValueTypeI32, api.ValueTypeI32, api.ValueTypeI32}) || !slices.Equal(realloc.Results, []api.ValueType{api.ValueTypeI32}) {
		fail("a module that imports nano's host APIs must export cabi_realloc (func (param i32 i32 i32 i32) (result i32))")
	}
}

// export finds the export of m called name: m.Exports is sorted by name.
func export(m *Module, name string) (Export, bool) {
	i, ok := slices.BinarySearchFunc(m.Exports, name, func(e Export, name string) int { return strings.Compare(e.Name, name) })
	if !ok {
		return Export{}, false
	}
	return m.Exports[i], true
}

// linker expands the locked graph into the instance tree.
type linker struct {
	b       *Bundle
	pkgs    map[string]*lockfile.Package
	edges   map[string][]*lockfile.Edge
	digests map[string]string
	typed   map[string][]*TypedImport // by package ID
	mounts  map[string]map[string]string
}

// add appends the instance of package id reached along the path at, holding keys,
// after its children, and returns its index. slots maps each of its fs
// slots to the root's slot and sub-path; lim are the ceilings it runs
// under.
func (k *linker) add(id, at string, keys policy.Set, slots map[string]string, lim limits.Limits) (int, error) {
	p := k.pkgs[id]
	inst := &Instance{Path: at, Package: p.Name, Version: p.Version.String(), Module: k.digests[id], Typed: k.typed[id], Limits: lim}
	for _, key := range keys {
		if key.Kind == policy.FS {
			key.Source = slots[key.Name]
			if at, ok := k.mounts[id][key.Name]; ok {
				if inst.Mounts == nil {
					inst.Mounts = map[string]string{}
				}
				inst.Mounts[key.Name] = at
			}
		}
		inst.Keys = append(inst.Keys, key.String())
	}
	for _, e := range k.edges[id] {
		spawned := spawns(p.Keys, idName(e.Child))
		childSlots := map[string]string{}
		for _, g := range e.Grant {
			if g.Kind == policy.FS {
				childSlots[g.Name] = policy.Rebase(g, slots[g.SourceSlot()]).Source
			}
		}
		i, err := k.add(e.Child, at+" > "+idName(e.Child), e.Grant, childSlots, limits.Min(lim, e.Limits))
		if err != nil {
			return 0, err
		}
		links := &inst.Imports
		if spawned {
			links = &inst.Spawns
		}
		if *links == nil {
			*links = map[string]int{}
		}
		(*links)[idName(e.Child)] = i
		k.b.Instances[i].Grant = e.Grant.Strings()
	}
	if len(k.b.Instances) >= MaxInstances {
		return 0, fmt.Errorf("more than %d nanoprocesses: the graph is too wide to expand", MaxInstances)
	}
	k.b.Instances = append(k.b.Instances, inst)
	return len(k.b.Instances) - 1, nil
}

// spawns reports whether a package holding keys spawns its dependency
// name: a command started as child nanoprocesses, never linked into it.
func spawns(keys policy.Set, name string) bool {
	return keys.Contains(policy.Key{Kind: policy.Spawn, Name: name})
}

// idName returns the name in a package ID, "name version".
func idName(id string) string {
	name, _, _ := strings.Cut(id, " ")
	return name
}
