package linker

import (
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
