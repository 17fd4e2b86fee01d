package linker

import (
	"errors"
	"fmt"
	"slices"

	"github.com/tetratelabs/wazero"

	"github.com/nanoproc/nano/iface"
)

// CheckLinks checks every nanoprocess's imports against the children
// bound to it, with the checks Build makes (SPEC section 7): a bundle is
// hostile input, and its bundle.json may bind any module to any other. The
// runtime calls it before anything runs.
//
// compile compiles the module of inst, whose bytes are wasm, as the
// runtime runs it (see Instance.RunBytes); CheckLinks calls it once per
// distinct module, for the first instance that runs it, so that each
// module is compiled once whoever checks and runs it. An error of compile
// is returned as it is; any other names the nanoprocess.
func (b *Bundle) CheckLinks(compile func(inst *Instance, wasm []byte) (wazero.CompiledModule, error)) error {
	mods := map[string]*Module{} // by digest
	for _, inst := range b.Instances {
		if mods[inst.Module] != nil {
			continue
		}
		wasm, err := b.Module(inst.Module)
		if err != nil {
			return fmt.Errorf("%s: %w", inst.Path, err)
		}
		raw, err := readImports(wasm)
		if err != nil {
			return fmt.Errorf("%s: %w", inst.Path, err)
		}
		cm, err := compile(inst, wasm)
		if err != nil {
			return err
		}
		if mods[inst.Module], err = describeCompiled(raw, cm); err != nil {
			return fmt.Errorf("%s: %w", inst.Path, err)
		}
	}
	var errs []error
	for _, inst := range b.Instances {
		wits := childWITs(inst)
		id := inst.Path + " " + inst.Version
		typed, es := checkImports(id, inst.Package, mods[inst.Module], func(name string) (linkDep, bool) {
			j, ok := inst.Imports[name]
			if !ok {
				return linkDep{}, false
			}
			child := b.Instances[j]
			return linkDep{id: child.Package + " " + child.Version, mod: mods[child.Module], wit: wits[name]}, true
		})
		errs = append(errs, es...)
		if msg := typedDiff(typed, inst.Typed); len(es) == 0 && msg != "" {
			errs = append(errs, &LinkError{Package: id, Err: msg})
		}
	}
	return errors.Join(errs...)
}

// childWITs returns, by child, the WIT functions an instance's typed
// imports say its children serve: all a bundle keeps of their WIT.
func childWITs(inst *Instance) map[string]*iface.Package {
	wits := map[string]*iface.Package{}
	for _, t := range inst.Typed {
		w := wits[t.Child]
		if w == nil {
			w = &iface.Package{}
			wits[t.Child] = w
		}
		w.Funcs = append(w.Funcs, t.Func)
		if i := t.Func.Interface; i != "" && !slices.Contains(w.Interfaces, i) {
			w.Interfaces = append(w.Interfaces, i)
		}
	}
	return wits
}

// typedDiff compares the typed imports the link checks found with those
// the bundle lists, and describes the first difference, "" if none.
func typedDiff(found, listed []*TypedImport) string {
	desc := func(t *TypedImport) string {
		how := "through an adapter"
		if t.Direct {
			how = "directly"
		}
		return fmt.Sprintf("import[%q.%q] to %s export %q %s", t.Module, t.Name, t.Child, t.Export, how)
	}
	for i := range max(len(found), len(listed)) {
		switch {
		case i >= len(found):
			return "bundle.json links " + desc(listed[i]) + ", which the module does not import so"
		case i >= len(listed):
			return "bundle.json does not link " + desc(found[i])
		case desc(found[i]) != desc(listed[i]) || found[i].Func != listed[i].Func:
			return "bundle.json links " + desc(listed[i]) + ", where the module and its child's WIT link " + desc(found[i])
		}
	}
	return ""
}

// typedRenames returns the renames of the typed imports of a module of
// digest digest, and the key of its compiled code: the digest, and the
// renames if there are any.
func typedRenames(digest string, typed []*TypedImport) (map[importName]importName, string) {
	key := digest
	renames := map[importName]importName{}
	for _, t := range typed {
		to := t.rename()
		renames[importName{t.Module, t.Name}] = to
		key += "\n" + t.Module + "\x00" + t.Name + "\x00" + to.Module + "\x00" + to.Name
	}
	return renames, key
}

// CompileKey returns the key of the code the runtime compiles for inst:
// its module's digest, and the renames of its typed imports if it has
// any. Instances of equal keys run the same compiled code.
func (inst *Instance) CompileKey() string {
	_, key := typedRenames(inst.Module, inst.Typed)
	return key
}

// RunBytes returns the bytes the runtime compiles for inst, whose module's
// bytes are wasm: its typed imports renamed to what they bind to (the
// child's export, or AdapterModule), and its name section replaced by one
// naming its module's digest, so that a stack trace names the module of
// every frame and nothing a guest chose.
func (inst *Instance) RunBytes(wasm []byte) ([]byte, error) {
	renames, _ := typedRenames(inst.Module, inst.Typed)
	return runBytes(wasm, inst.Module, renames)
}
