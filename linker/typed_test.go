package linker

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero/api"

	"github.com/nanoproc/nano/iface"
)

func TestSameInterface(t *testing.T) {
	for _, tt := range []struct {
		imported, exported string
		want               bool
	}{
		{"acme:zip/unpack@1.4.0", "acme:zip/unpack@1.4.0", true},
		{"acme:zip/unpack@1.4.0", "acme:zip/unpack@1.6.2", true},  // built against 1.4, runs with 1.6
		{"acme:zip/unpack@1.6.2", "acme:zip/unpack@1.4.0", false}, // older than built against
		{"acme:zip/unpack@1.4.0", "acme:zip/unpack@2.0.0", false}, // another major
		{"acme:zip/unpack@0.3.0", "acme:zip/unpack@0.4.0", false}, // 0.x minors are majors
		{"acme:zip/unpack@0.3.0", "acme:zip/unpack@0.3.5", true},
		{"acme:zip/unpack", "acme:zip/unpack@1.0.0", true},
		{"acme:zip/unpack@1.0.0", "acme:zip/unpack", false},
		{"acme:zip/unpack@1.4.0", "acme:zip/pack@1.4.0", false},
		{"acme:zip/unpack@1.4.0", "acme:tar/unpack@1.4.0", false},
	} {
		if got := sameInterface(tt.imported, tt.exported); got != tt.want {
			t.Errorf("sameInterface(%q, %q) = %v, want %v", tt.imported, tt.exported, got, tt.want)
		}
	}
}

func TestTypedLink(t *testing.T) {
	str := &iface.Type{Kind: iface.String}
	u32 := &iface.Type{Kind: iface.U32}
	wit := &iface.Package{
		Name:       "acme:zip",
		Interfaces: []string{"acme:zip/unpack@1.6.2"},
		Funcs: []*iface.Func{
			{Name: "version", Results: []*iface.Type{str}},
			{Name: "double", Params: []iface.Field{{Name: "x", Type: u32}}, Results: []*iface.Type{u32}},
			{Interface: "acme:zip/unpack@1.6.2", Name: "count", Params: []iface.Field{{Name: "a", Type: u32}}, Results: []*iface.Type{u32}},
		},
	}
	i32 := api.ValueTypeI32
	child := &Module{Exports: []Export{
		{Name: "acme:zip/unpack@1.6.2#count", Params: []api.ValueType{i32}, Results: []api.ValueType{i32}},
		{Name: "cabi_realloc", Params: []api.ValueType{i32, i32, i32, i32}, Results: []api.ValueType{i32}},
		{Name: "double", Params: []api.ValueType{i32}, Results: []api.ValueType{i32}},
		{Name: "version", Results: []api.ValueType{i32}},
	}}
	for _, tt := range []struct {
		imp   Import
		iname string
		want  string // the link, or the error
	}{
		// A world-level function with a string result goes through an
		// adapter; with numbers only it links directly.
		{Import{Module: "acme:zip", Name: "version", Params: []api.ValueType{i32}}, "", "nano:abi.acme:zip#version"},
		{Import{Module: "acme:zip", Name: "double", Params: []api.ValueType{i32}, Results: []api.ValueType{i32}}, "", "acme:zip.double"},
		// An interface built against 1.4.0 links to the child's 1.6.2.
		{Import{Module: "acme:zip/unpack@1.4.0", Name: "count", Params: []api.ValueType{i32}, Results: []api.ValueType{i32}}, "acme:zip/unpack@1.4.0",
			"acme:zip.acme:zip/unpack@1.6.2#count"},
		{Import{Module: "acme:zip/unpack@2.0.0", Name: "count", Params: []api.ValueType{i32}, Results: []api.ValueType{i32}}, "acme:zip/unpack@2.0.0",
			"the WIT of acme:zip 1.6.2 exports no interface acme:zip/unpack@2.0.0 (it exports acme:zip/unpack@1.6.2)"},
		{Import{Module: "acme:zip/unpack@1.4.0", Name: "nope"}, "acme:zip/unpack@1.4.0",
			"the WIT of acme:zip 1.6.2 exports no acme:zip/unpack@1.4.0#nope"},
		{Import{Module: "acme:zip", Name: "version", Results: []api.ValueType{i32}}, "",
			"signature mismatch: imported as () -> (i32), but WIT func() -> string lowers to (i32) -> ()"},
	} {
		ti, msg := typedLink(tt.imp, "acme:zip 1.6.2", tt.iname, wit, child)
		got := msg
		if ti != nil {
			r := ti.rename()
			got = r.Module + "." + r.Name
		}
		if got != tt.want {
			t.Errorf("typedLink(%s) = %q, want %q", tt.imp, got, tt.want)
		}
	}
	// A child whose module lacks the export its WIT declares.
	_, msg := typedLink(Import{Module: "acme:zip/unpack@1.4.0", Name: "count", Params: []api.ValueType{i32}, Results: []api.ValueType{i32}},
		"acme:zip 1.6.2", "acme:zip/unpack@1.4.0", wit, &Module{})
	if !strings.Contains(msg, `acme:zip 1.6.2 exports no function "acme:zip/unpack@1.6.2#count", which its WIT declares`) {
		t.Errorf("typedLink(missing export) = %q", msg)
	}
}

// TestExportsInterface: an import finds the child's interface by binary
// search among many, and an error lists a few of them, not all.
func TestExportsInterface(t *testing.T) {
	wit := &iface.Package{Name: "acme:zip"}
	for i := range 1000 {
		wit.Interfaces = append(wit.Interfaces, fmt.Sprintf("acme:zip/unpack-%04d@1.6.2", i))
	}
	wit.Interfaces = append(wit.Interfaces, "acme:zip/unpack.v@1.0.0", "acme:zip/unpack@1.6.2", "acme:zip/unpackx")
	slices.Sort(wit.Interfaces)
	for _, tt := range []struct {
		iname string
		want  bool
	}{
		{"acme:zip/unpack@1.4.0", true},
		{"acme:zip/unpack@1.6.2", true},
		{"acme:zip/unpack@1.7.0", false},
		{"acme:zip/unpack@2.0.0", false},
		{"acme:zip/unpack", true}, // an import without version takes any
		{"acme:zip/unpack-0999@1.0.0", true},
		{"acme:zip/unpack.v@1.0.0", true},
		{"acme:zip/unpackx", true},
		{"acme:zip/unpackx@1.0.0", false},
		{"acme:zip/unpac@1.0.0", false},
	} {
		if got := exportsInterface(wit, tt.iname); got != tt.want {
			t.Errorf("exportsInterface(%s) = %v", tt.iname, got)
		}
	}
	_, msg := typedLink(Import{Module: "acme:zip/nope@1.0.0", Name: "f"}, "acme:zip 1.6.2", "acme:zip/nope@1.0.0", wit, &Module{})
	want := "the WIT of acme:zip 1.6.2 exports no interface acme:zip/nope@1.0.0 (it exports acme:zip/unpack-0000@1.6.2, " +
		"acme:zip/unpack-0001@1.6.2, acme:zip/unpack-0002@1.6.2, acme:zip/unpack-0003@1.6.2, acme:zip/unpack-0004@1.6.2, " +
		"acme:zip/unpack-0005@1.6.2, acme:zip/unpack-0006@1.6.2, acme:zip/unpack-0007@1.6.2 and 995 more)"
	if msg != want {
		t.Errorf("typedLink = %s", msg)
	}
}
