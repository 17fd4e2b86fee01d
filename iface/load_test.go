package iface

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// wit.LoadWIT runs wasm-tools in wazero: about a second the first time in
// a process, tens of milliseconds after. Each test package is loaded once
// per test binary.
var loaded sync.Map // path+"\x00"+pkg -> *loadResult

type loadResult struct {
	once sync.Once
	p    *Package
	err  error
}

func cachedLoad(path, pkg string) (*Package, error) {
	v, _ := loaded.LoadOrStore(path+"\x00"+pkg, new(loadResult))
	r := v.(*loadResult)
	r.once.Do(func() { r.p, r.err = Load(path, pkg) })
	return r.p, r.err
}

// formatPackage prints a package one fact a line, functions with their
// signatures.
func formatPackage(p *Package) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package %s", p.Name)
	if p.Version != "" {
		fmt.Fprintf(&b, "@%s", p.Version)
	}
	fmt.Fprintf(&b, " world %s\n", p.World)
	for _, i := range p.Interfaces {
		fmt.Fprintf(&b, "interface %s\n", i)
	}
	for _, f := range p.Funcs {
		if f.Interface == "" {
			fmt.Fprintf(&b, "func %s: %s\n", f.Name, f.Signature())
		} else {
			fmt.Fprintf(&b, "func %s#%s: %s\n", f.Interface, f.Name, f.Signature())
		}
	}
	return b.String()
}

func TestLoad(t *testing.T) {
	tests := []struct {
		path, pkg string
		want      string
	}{{
		// A deps/ folder: an interface exported from a dependency, a type
		// used from another, an import that is not a resource.
		path: "testdata/zip", pkg: "acme:zip",
		want: `package acme:zip@1.4.0 world zip
interface acme:zip/unpack@1.4.0
interface wasi:cli/run@0.2.0
func acme:zip/unpack@1.4.0#count: func(archive: list<u8>) -> u32
func acme:zip/unpack@1.4.0#extract: func(archive: list<u8>) -> result<list<record { name: string, size: u64 }>, string>
func wasi:cli/run@0.2.0#run: func() -> result
`,
	}, {
		// The version in pkg is ignored.
		path: "testdata/zip", pkg: "acme:zip@9.9.9",
		want: `package acme:zip@1.4.0 world zip
interface acme:zip/unpack@1.4.0
interface wasi:cli/run@0.2.0
func acme:zip/unpack@1.4.0#count: func(archive: list<u8>) -> u32
func acme:zip/unpack@1.4.0#extract: func(archive: list<u8>) -> result<list<record { name: string, size: u64 }>, string>
func wasi:cli/run@0.2.0#run: func() -> result
`,
	}, {
		// World-level functions, an inline interface, no version, and the
		// world named like the package among two.
		path: "testdata/world", pkg: "acme:greet",
		want: `package acme:greet world greet
interface acme:greet/names
interface anon
func hello: func(who: string, times: u8) -> string
func reset: func()
func version: func() -> tuple<u16, u16, u16>
func acme:greet/names#shout: func(n: string) -> string
func anon#ping: func() -> bool
`,
	}, {
		// Every kind of type, loaded from a file rather than a directory.
		path: "testdata/types/types.wit", pkg: "acme:types",
		want: `package acme:types@0.1.0 world types
interface acme:types/all@0.1.0
func acme:types/all@0.1.0#compound: func(p: record { x: f32, y: f64 }, s: variant { none, circle(f32), poly(list<record { x: f32, y: f64 }>) }, c: enum { red, green, blue }, f: flags { read, write, exec }) -> tuple<record { x: f32, y: f64 }, enum { red, green, blue }>
func acme:types/all@0.1.0#floats: func(a: f32, b: f64) -> f64
func acme:types/all@0.1.0#ints: func(a: s8, b: u8, c: s16, d: u16, e: s32, f: u32, g: s64, h: u64) -> u32
func acme:types/all@0.1.0#nothing: func()
func acme:types/all@0.1.0#options: func(a: option<u32>, b: option<option<string>>) -> list<list<u8>>
func acme:types/all@0.1.0#results: func(a: result, b: result<u32>, c: result<_, string>, d: result<u32, string>)
func acme:types/all@0.1.0#texts: func(c: char, s: string) -> bool
`,
	}}
	for _, tt := range tests {
		t.Run(tt.path+"/"+tt.pkg, func(t *testing.T) {
			p, err := cachedLoad(tt.path, tt.pkg)
			if err != nil {
				t.Fatal(err)
			}
			if got := formatPackage(p); got != tt.want {
				t.Errorf("Load(%q, %q):\n%s\nwant:\n%s", tt.path, tt.pkg, got, tt.want)
			}
		})
	}
}

func TestLoadTypes(t *testing.T) {
	p, err := cachedLoad("testdata/types/types.wit", "acme:types")
	if err != nil {
		t.Fatal(err)
	}
	var compound *Func
	for _, f := range p.Funcs {
		if f.Name == "compound" {
			compound = f
		}
	}
	if compound == nil {
		t.Fatal("no func compound")
	}
	// The structure behind the signature.
	s := compound.Params[1].Type
	if s.Kind != Variant || len(s.Cases) != 3 || s.Cases[0].Type != nil ||
		s.Cases[1].Type.Kind != F32 || s.Cases[2].Type.Kind != List ||
		s.Cases[2].Type.Elem.Kind != Record || s.Cases[2].Type.Elem.Fields[1].Name != "y" {
		t.Errorf("shape = %s", s)
	}
	tup := compound.Results[0]
	if tup.Kind != Tuple || len(tup.Fields) != 2 || tup.Fields[0].Name != "" || tup.Fields[1].Type.Kind != Enum {
		t.Errorf("result = %s", tup)
	}
	if f := compound.Params[3].Type; f.Kind != Flags || len(f.Cases) != 3 || f.Cases[2].Name != "exec" {
		t.Errorf("perms = %s", f)
	}
}

func TestLoadErrors(t *testing.T) {
	abs, err := filepath.Abs("testdata/malformed")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, pkg string
		want      string
	}{
		{"testdata/malformed", "acme:zip", "testdata/malformed/zip.wit:5:39: name `strin` is not defined"},
		{"./testdata/malformed", "acme:zip", "testdata/malformed/zip.wit:5:39: name `strin` is not defined"},
		{"testdata/malformed/zip.wit", "acme:zip", "testdata/malformed/zip.wit:5:39: name `strin` is not defined"},
		{abs, "acme:zip", abs + "/zip.wit:5:39: name `strin` is not defined"},
		{"testdata/missing", "acme:zip", `testdata/missing: failed to read "testdata/missing": No such file or directory (os error 44)`},
		{"testdata/zip", "acme:unzip", "testdata/zip: WIT package is acme:zip, not acme:unzip"},
		{"testdata/worlds", "acme:zip", "testdata/worlds: package acme:zip@1.4.0 has 2 worlds (a, b) and none is named zip"},
		{"testdata/resource", "acme:zip", "testdata/resource: acme:zip/unpack@1.4.0#archive.entries: resources are not supported"},
		{"testdata/unsupported/method", "acme:zip", "testdata/unsupported/method: acme:zip/unpack@1.4.0#archive: resources are not supported"},
		{"testdata/unsupported/import", "acme:zip", "testdata/unsupported/import: acme:zip/files@1.4.0#file: resources are not supported (imported by world acme:zip/zip@1.4.0)"},
		{"testdata/unsupported/async", "acme:zip", "testdata/unsupported/async: acme:zip/unpack@1.4.0#extract: async functions are not supported"},
		{"testdata/unsupported/fixed", "acme:zip", "testdata/unsupported/fixed: acme:zip/unpack@1.4.0#extract: fixed-size lists are not supported"},
		{"testdata/unsupported/future", "acme:zip", "testdata/unsupported/future: acme:zip/unpack@1.4.0#extract: futures are not supported"},
		{"testdata/unsupported/stream", "acme:zip", "testdata/unsupported/stream: acme:zip/unpack@1.4.0#extract: streams are not supported"},
		{"testdata/unsupported/errctx", "acme:zip", "testdata/unsupported/errctx: acme:zip/unpack@1.4.0#extract: error-context is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := cachedLoad(tt.path, tt.pkg)
			if err == nil {
				t.Fatalf("Load(%q, %q): no error", tt.path, tt.pkg)
			}
			if err.Error() != tt.want {
				t.Errorf("Load(%q, %q):\n got %s\nwant %s", tt.path, tt.pkg, err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("Load(%q, %q): %T, not an *Error", tt.path, tt.pkg, err)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	for _, tt := range []struct {
		e    Error
		want string
	}{
		{Error{"wit/zip.wit", 3, 14, "bad"}, "wit/zip.wit:3:14: bad"},
		{Error{"wit/zip.wit", 3, 0, "bad"}, "wit/zip.wit:3: bad"},
		{Error{"wit", 0, 0, "bad"}, "wit: bad"},
	} {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("%#v.Error() = %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestLoadErrorParse(t *testing.T) {
	// wasm-tools' messages, as wit.LoadWIT returns them.
	for _, tt := range []struct {
		out  string
		want string
	}{{
		"error: failed to parse dependency directory: /abs/wit/deps\n\nCaused by:\n    0: failed to parse package: /abs/wit/deps/cli\n    1: name `strin` is not defined\n            --> /abs/wit/deps/cli/run.wit:2:42\n             |\n           2 | interface run { run: func() -> result<_, strin>; }\n             |                                          ^----\n",
		"wit/deps/cli/run.wit:2:42: name `strin` is not defined",
	}, {
		"error: package 'wasi:cli@0.2.0' not found. known packages:\n    acme:app@0.1.0\n\n     --> /abs/wit/app.wit:2:20\n      |\n    2 | world app { export wasi:cli/run@0.2.0; }\n      |                    ^-------\n",
		"wit/app.wit:2:20: package 'wasi:cli@0.2.0' not found. known packages: acme:app@0.1.0",
	}, {
		"error: failed to read \"/abs/wit\"\n\nCaused by:\n    0: No such file or directory (os error 44)\n",
		`wit: failed to read "wit": No such file or directory (os error 44)`,
	}, {
		"something else entirely",
		"wit: something else entirely",
	}} {
		err := loadError("wit", "/abs/wit", errors.New("wasm-tools: "+tt.out))
		if err.Error() != tt.want {
			t.Errorf("loadError(%q):\n got %s\nwant %s", tt.out, err, tt.want)
		}
	}
}
