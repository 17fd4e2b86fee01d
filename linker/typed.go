package linker

import (
	"fmt"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/lockfile"
)

// A Source gives the linker each locked package's module and interface.
type Source interface {
	// Module returns the module's bytes, checked against the lock.
	Module(*lockfile.Package) ([]byte, error)
	// Interface returns the package's WIT interface, or nil if it has none.
	Interface(*lockfile.Package) (*iface.Package, error)
	// Mounts returns the [mounts] of the package's manifest, the one
	// whose digest the lock pins: where its guest filesystem shows each
	// fs slot that is not at /SLOT, by slot.
	Mounts(*lockfile.Package) (map[string]string, error)
}

// A TypedImport is an import of a child's WIT function. A function of
// numbers only is linked straight to the child's export; any other goes
// through an adapter that copies its values between the two memories.
type TypedImport struct {
	Module string      `json:"module"` // as imported: "acme:zip/unpack@1.4.0" or "acme:zip"
	Name   string      `json:"name"`
	Child  string      `json:"child"`  // the dependency that serves it
	Export string      `json:"export"` // the child's export: "acme:zip/unpack@1.6.2#extract"
	Func   *iface.Func `json:"func"`
	Direct bool        `json:"direct,omitempty"`
}

// AdapterModule is the host module the adapters are imported from.
const AdapterModule = "nano:abi"

// rename returns the name the import is bound under at run time.
func (t *TypedImport) rename() importName {
	if t.Direct {
		return importName{t.Child, t.Export}
	}
	return importName{AdapterModule, t.AdapterName()}
}

// AdapterName names the adapter function of the import in AdapterModule:
// one per imported function.
func (t *TypedImport) AdapterName() string { return t.Module + "#" + t.Name }

// sameInterface reports whether a child's interface "ns:pkg/name@V2" serves
// an import of "ns:pkg/name@V1": the same name, and V2 a semver-compatible
// version at least V1.
func sameInterface(imported, exported string) bool {
	in, iv, _ := strings.Cut(imported, "@")
	en, ev, _ := strings.Cut(exported, "@")
	if in != en {
		return false
	}
	if iv == "" || ev == "" {
		return iv == ev || iv == ""
	}
	a, err1 := semver.StrictNewVersion(iv)
	b, err2 := semver.StrictNewVersion(ev)
	if err1 != nil || err2 != nil {
		return iv == ev
	}
	c, err := semver.NewConstraint("^" + iv)
	return err == nil && !b.LessThan(a) && c.Check(b)
}

// typedLink links an import of a child's WIT function, or explains why it
// cannot link. iname is the interface imported, "" for the child's world.
func typedLink(imp Import, child string, iname string, wit *iface.Package, mod *Module) (*TypedImport, string) {
	var f *iface.Func
	for _, fn := range wit.Named(imp.Name) {
		if iname == "" && fn.Interface == "" || iname != "" && fn.Interface != "" && sameInterface(iname, fn.Interface) {
			f = fn
			break
		}
	}
	if f == nil {
		what := "function " + imp.Name
		if iname != "" {
			what = iname + "#" + imp.Name
			if !exportsInterface(wit, iname) {
				return nil, fmt.Sprintf("the WIT of %s exports no interface %s (it exports %s)", child, iname, someOf(wit.Interfaces))
			}
		}
		return nil, fmt.Sprintf("the WIT of %s exports no %s", child, what)
	}
	exportName := exportName(f)
	params, results := f.CoreImport()
	if !slices.Equal(params, imp.Params) || !slices.Equal(results, imp.Results) {
		return nil, fmt.Sprintf("signature mismatch: imported as %s, but WIT %s lowers to %s", Signature(imp.Params, imp.Results), f.Signature(), Signature(params, results))
	}
	if msg := witExport(f, exportName, child, mod); msg != "" {
		return nil, msg
	}
	return &TypedImport{Module: imp.Module, Name: imp.Name, Child: idName(child), Export: exportName, Func: f, Direct: f.Numeric()}, ""
}

// exportsInterface reports whether wit exports an interface that serves an
// import of iname. wit.Interfaces is sorted: the interface named like
// iname, and its versions, are found by binary search rather than by
// comparing every interface for every import.
func exportsInterface(wit *iface.Package, iname string) bool {
	name, _, _ := strings.Cut(iname, "@")
	if _, ok := slices.BinarySearch(wit.Interfaces, name); ok && sameInterface(iname, name) {
		return true
	}
	i, _ := slices.BinarySearch(wit.Interfaces, name+"@")
	for ; i < len(wit.Interfaces) && strings.HasPrefix(wit.Interfaces[i], name+"@"); i++ {
		if sameInterface(iname, wit.Interfaces[i]) {
			return true
		}
	}
	return false
}

// someOf lists names, the first 8 of them and how many more: an error
// for each import names the interfaces a WIT exports, which a hostile one
// could make many.
func someOf(names []string) string {
	const most = 8
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:most], ", "), len(names)-most)
}
