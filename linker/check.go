package linker

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/lockfile"
)

// A Linkable is what the link checks see of one locked package: its
// module, and its WIT, nil if it has none.
type Linkable struct {
	Module *Module
	WIT    *iface.Package
}

// MaxWITExportErrors bounds the errors CheckLock reports for the WIT
// functions of one package that its module does not export: a WIT may
// declare many, and one more error says how many more there are.
const MaxWITExportErrors = 8

// CheckLock makes the link checks of Build (SPEC section 7) on the locked
// tree l, without building anything: every import of every package
// against the dependency its edge binds the import to, and every WIT
// function of every package against its module's exports. Build and nano
// audit both check a lock with it.
//
// pkgs gives what the checks see of each package, by ID. A package
// missing from pkgs, whose module or WIT could not be read, is not
// checked, and neither are the imports from it: whoever read it reports
// why. CheckLock returns the typed imports of each package it checked and
// every problem, each a *LinkError, in the order of the packages' IDs.
func CheckLock(l *lockfile.Lock, pkgs map[string]Linkable) (map[string][]*TypedImport, []error) {
	locked := make(map[string]*lockfile.Package, len(l.Packages))
	for _, p := range l.Packages {
		locked[p.ID()] = p
	}
	edges := map[string][]*lockfile.Edge{}
	for _, e := range l.Edges {
		edges[e.Parent] = append(edges[e.Parent], e)
	}
	for _, es := range edges {
		slices.SortFunc(es, func(a, b *lockfile.Edge) int { return strings.Compare(a.Child, b.Child) })
	}
	var errs []error
	typed := map[string][]*TypedImport{}
	for _, id := range slices.Sorted(maps.Keys(pkgs)) {
		p, ok := locked[id]
		if !ok || pkgs[id].Module == nil {
			continue
		}
		errs = append(errs, checkWITExports(id, pkgs[id].WIT, pkgs[id].Module)...)
		var es []error
		typed[id], es = checkImports(id, p.Name, pkgs[id].Module, func(name string) (linkDep, bool) {
			child := childOf(edges[id], name)
			if child == "" {
				return linkDep{}, false
			}
			d, ok := pkgs[child]
			return linkDep{id: child, mod: d.Module, wit: d.WIT, spawned: spawns(p.Keys, name), unread: !ok || d.Module == nil}, true
		})
		errs = append(errs, es...)
	}
	return typed, errs
}

// childOf returns the ID of the child named name among edges, "" if none.
func childOf(edges []*lockfile.Edge, name string) string {
	for _, e := range edges {
		if idName(e.Child) == name {
			return e.Child
		}
	}
	return ""
}

// checkWITExports checks that the module m of package id exports every
// function of its WIT, wit, as the canonical ABI lifts it: with the core
// signature the function lowers to, and with cabi_realloc when values are
// copied into it.
func checkWITExports(id string, wit *iface.Package, m *Module) []error {
	if wit == nil {
		return nil
	}
	var errs []error
	missing := 0
	for _, f := range wit.Funcs {
		name := exportName(f)
		msg := witExport(f, name, "the module", m)
		if msg == "" {
			continue
		}
		if missing++; missing <= MaxWITExportErrors {
			errs = append(errs, &LinkError{Package: id, Export: name, Err: msg})
		}
	}
	if missing > MaxWITExportErrors {
		errs = append(errs, &LinkError{Package: id, Err: fmt.Sprintf("and %d more WIT functions that the module does not export as its WIT declares", missing-MaxWITExportErrors)})
	}
	return errs
}

// exportName returns the name a module exports WIT function f under:
// "acme:zip/unpack@1.6.2#extract", or the name of a function of the world.
func exportName(f *iface.Func) string {
	if f.Interface != "" {
		return f.Interface + "#" + f.Name
	}
	return f.Name
}

// witExport checks that module m, described as who, exports WIT function f
// under name as the canonical ABI lifts it, and explains why not, "" if it
// does.
func witExport(f *iface.Func, name, who string, m *Module) string {
	exp, ok := export(m, name)
	params, results := f.CoreExport()
	switch {
	case !ok:
		return fmt.Sprintf("%s exports no function %q, which its WIT declares", who, name)
	case !slices.Equal(exp.Params, params) || !slices.Equal(exp.Results, results):
		return fmt.Sprintf("%s exports %q as %s, but WIT %s lifts from %s", who, name, Signature(exp.Params, exp.Results), f.Signature(), Signature(params, results))
	}
	if _, ok := export(m, "cabi_realloc"); !ok && !f.Numeric() {
		return fmt.Sprintf("%s exports no cabi_realloc, which copying values into it needs", who)
	}
	return ""
}
