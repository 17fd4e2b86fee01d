package linker

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
	"github.com/tetratelabs/wazero/api"

	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/lockfile"
)

// TestCheckLock checks the link checks of a lock without a build: each
// import against the export of the dependency its edge binds it to, each
// WIT function against its module's exports, and nothing judged about a
// dependency that could not be read.
func TestCheckLock(t *testing.T) {
	i32 := api.ValueTypeI32
	pkg := func(name, version string, deps ...string) *lockfile.Package {
		return &lockfile.Package{Name: name, Version: semver.MustParse(version), Dependencies: deps}
	}
	l := &lockfile.Lock{
		Packages: []*lockfile.Package{pkg("acme:app", "1.0.0", "acme:dep 1.1.0", "acme:gone 1.0.0"), pkg("acme:dep", "1.1.0"), pkg("acme:gone", "1.0.0")},
		Edges:    []*lockfile.Edge{{Parent: "acme:app 1.0.0", Child: "acme:dep 1.1.0"}, {Parent: "acme:app 1.0.0", Child: "acme:gone 1.0.0"}},
	}
	u32 := &iface.Type{Kind: iface.U32}
	str := &iface.Type{Kind: iface.String}
	pkgs := map[string]Linkable{
		"acme:app 1.0.0": {Module: &Module{Imports: []Import{
			{Module: "acme:dep", Name: "greet", Need: Need{Kind: NeedDependency}},
			{Module: "acme:dep", Name: "count", Need: Need{Kind: NeedDependency}},
			{Module: "acme:dep", Name: "ok", Need: Need{Kind: NeedDependency}},
			{Module: "acme:gone", Name: "anything", Need: Need{Kind: NeedDependency}},
			{Module: "acme:other", Name: "f", Need: Need{Kind: NeedDependency}},
		}}},
		"acme:dep 1.1.0": {
			Module: &Module{Exports: []Export{
				{Name: "count", Params: []api.ValueType{i32}},
				{Name: "ok"},
				{Name: "size", Params: []api.ValueType{i32}, Results: []api.ValueType{i32}},
			}},
			WIT: &iface.Package{Name: "acme:dep", Funcs: []*iface.Func{
				{Name: "size", Results: []*iface.Type{u32}}, // exported with a parameter too many
				{Name: "stats", Results: []*iface.Type{u32}},
				{Name: "name", Results: []*iface.Type{str}},
			}},
		},
		// acme:gone could not be read: imports of it are not judged.
	}
	_, errs := CheckLock(l, pkgs)
	var got []string
	for _, err := range errs {
		var le *LinkError
		if !errors.As(err, &le) {
			t.Fatalf("%v is not a *LinkError", err)
		}
		got = append(got, fmt.Sprintf("%s undeclared=%v", le, le.Undeclared))
	}
	want := []string{
		`acme:app 1.0.0: import["acme:dep"."greet"]: acme:dep 1.1.0 exports no function "greet" undeclared=false`,
		`acme:app 1.0.0: import["acme:dep"."count"]: signature mismatch: imported as () -> (), acme:dep 1.1.0 exports (i32) -> () undeclared=false`,
		`acme:app 1.0.0: import["acme:other"."f"]: acme:other is not a dependency of acme:app undeclared=true`,
		`acme:dep 1.1.0: WIT function size: the module exports "size" as (i32) -> (i32), but WIT func() -> u32 lifts from () -> (i32) undeclared=false`,
		`acme:dep 1.1.0: WIT function stats: the module exports no function "stats", which its WIT declares undeclared=false`,
		`acme:dep 1.1.0: WIT function name: the module exports no function "name", which its WIT declares undeclared=false`,
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("CheckLock:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A WIT function with strings needs cabi_realloc; exported, it links.
	dep := pkgs["acme:dep 1.1.0"]
	dep.Module = &Module{Exports: []Export{
		{Name: "name", Results: []api.ValueType{i32}},
		{Name: "size", Results: []api.ValueType{i32}},
		{Name: "stats", Results: []api.ValueType{i32}},
	}}
	if errs := checkWITExports("acme:dep 1.1.0", dep.WIT, dep.Module); len(errs) != 1 ||
		errs[0].Error() != "acme:dep 1.1.0: WIT function name: the module exports no cabi_realloc, which copying values into it needs" {
		t.Errorf("without cabi_realloc: %v", errs)
	}
	dep.Module.Exports = append([]Export{{Name: "cabi_realloc", Params: []api.ValueType{i32, i32, i32, i32}, Results: []api.ValueType{i32}}}, dep.Module.Exports...)
	if errs := checkWITExports("acme:dep 1.1.0", dep.WIT, dep.Module); len(errs) != 0 {
		t.Errorf("with every export: %v", errs)
	}
}

// TestCheckWITExportsBounded checks that a WIT of many functions its module
// does not export gets a bounded number of errors, the last counting the
// rest.
func TestCheckWITExportsBounded(t *testing.T) {
	w := &iface.Package{Name: "acme:big"}
	for i := range 10_000 {
		w.Funcs = append(w.Funcs, &iface.Func{Name: fmt.Sprintf("f%d", i)})
	}
	errs := checkWITExports("acme:big 1.0.0", w, &Module{})
	if len(errs) != MaxWITExportErrors+1 {
		t.Fatalf("%d errors, want %d", len(errs), MaxWITExportErrors+1)
	}
	if got, want := errs[len(errs)-1].Error(), fmt.Sprintf("acme:big 1.0.0: and %d more WIT functions that the module does not export as its WIT declares", 10_000-MaxWITExportErrors); got != want {
		t.Errorf("last error %q, want %q", got, want)
	}
}
