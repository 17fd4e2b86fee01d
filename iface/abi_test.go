package iface

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero/api"

	"github.com/nanoproc/nano/internal/wasmtest"
)

// abiType parses a type in the syntax Type.String writes: "u8",
// "list<T>", "option<T>", "tuple<A, B>", "result", "result<O>",
// "result<_, E>", "result<O, E>", "record { a: T, b: U }",
// "variant { a, b(T) }", "enum { a, b }", "flags { a, b }".
func abiType(s string) *Type {
	p := &typeParser{s: s}
	t := p.typ()
	p.space()
	if p.i != len(p.s) {
		panic(fmt.Sprintf("abiType(%q): junk at %d", s, p.i))
	}
	return t
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) space() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *typeParser) word() string {
	p.space()
	j := p.i
	for j < len(p.s) && (isNameByte(p.s[j]) || p.s[j] == '_') {
		j++
	}
	w := p.s[p.i:j]
	p.i = j
	return w
}

func (p *typeParser) eat(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *typeParser) must(c byte) {
	if !p.eat(c) {
		panic(fmt.Sprintf("abiType(%q): want %q at %d", p.s, c, p.i))
	}
}

func (p *typeParser) typ() *Type {
	w := p.word()
	for k, n := range primNames {
		if n != "" && n == w {
			return &Type{Kind: Kind(k)}
		}
	}
	switch w {
	case "_":
		return nil
	case "list", "option":
		p.must('<')
		e := p.typ()
		p.must('>')
		if w == "list" {
			return &Type{Kind: List, Elem: e}
		}
		return &Type{Kind: Option, Elem: e}
	case "tuple":
		t := &Type{Kind: Tuple}
		p.must('<')
		for !p.eat('>') {
			t.Fields = append(t.Fields, Field{Type: p.typ()})
			p.eat(',')
		}
		return t
	case "result":
		t := &Type{Kind: Result}
		if p.eat('<') {
			t.Ok = p.typ()
			if p.eat(',') {
				t.Err = p.typ()
			}
			p.must('>')
		}
		return t
	case "record":
		t := &Type{Kind: Record}
		p.must('{')
		for !p.eat('}') {
			n := p.word()
			p.must(':')
			t.Fields = append(t.Fields, Field{Name: n, Type: p.typ()})
			p.eat(',')
		}
		return t
	case "variant", "enum", "flags":
		t := &Type{Kind: map[string]Kind{"variant": Variant, "enum": Enum, "flags": Flags}[w]}
		p.must('{')
		for !p.eat('}') {
			c := Case{Name: p.word()}
			if p.eat('(') {
				c.Type = p.typ()
				p.must(')')
			}
			t.Cases = append(t.Cases, c)
			p.eat(',')
		}
		return t
	}
	panic(fmt.Sprintf("abiType(%q): unknown type %q at %d", p.s, w, p.i))
}

// abiFunc parses "func(a: T, b: U) -> R".
func abiFunc(s string) *Func {
	p := &typeParser{s: s}
	if p.word() != "func" {
		panic("abiFunc: want func")
	}
	f := &Func{}
	p.must('(')
	for !p.eat(')') {
		n := p.word()
		p.must(':')
		f.Params = append(f.Params, Field{Name: n, Type: p.typ()})
		p.eat(',')
	}
	if p.eat('-') {
		p.must('>')
		f.Results = append(f.Results, p.typ())
	}
	p.space()
	if p.i != len(p.s) {
		panic(fmt.Sprintf("abiFunc(%q): junk at %d", s, p.i))
	}
	return f
}

// flagsOf returns a flags type of n names f0, f1, ...
func flagsOf(n int) *Type {
	t := &Type{Kind: Flags}
	for i := range n {
		t.Cases = append(t.Cases, Case{Name: "f" + strconv.Itoa(i)})
	}
	return t
}

// enumOf returns an enum of n names c0, c1, ...
func enumOf(n int) *Type {
	t := &Type{Kind: Enum}
	for i := range n {
		t.Cases = append(t.Cases, Case{Name: "c" + strconv.Itoa(i)})
	}
	return t
}

func coreTypes(ts []api.ValueType) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = api.ValueTypeName(t)
	}
	return "[" + strings.Join(names, " ") + "]"
}

// TestLayout checks Size, Align and Flat of every kind against the
// definitions of CanonicalABI.md (alignment, elem_size, flatten_type),
// worked out by hand.
func TestLayout(t *testing.T) {
	entry := "record { name: string, size: u64 }"
	for _, c := range []struct {
		typ         string
		t           *Type
		size, align uint32
		flat        string
	}{
		{typ: "bool", size: 1, align: 1, flat: "[i32]"},
		{typ: "s8", size: 1, align: 1, flat: "[i32]"},
		{typ: "u8", size: 1, align: 1, flat: "[i32]"},
		{typ: "s16", size: 2, align: 2, flat: "[i32]"},
		{typ: "u16", size: 2, align: 2, flat: "[i32]"},
		{typ: "s32", size: 4, align: 4, flat: "[i32]"},
		{typ: "u32", size: 4, align: 4, flat: "[i32]"},
		{typ: "s64", size: 8, align: 8, flat: "[i64]"},
		{typ: "u64", size: 8, align: 8, flat: "[i64]"},
		{typ: "f32", size: 4, align: 4, flat: "[f32]"},
		{typ: "f64", size: 8, align: 8, flat: "[f64]"},
		{typ: "char", size: 4, align: 4, flat: "[i32]"},
		{typ: "string", size: 8, align: 4, flat: "[i32 i32]"},
		{typ: "list<u8>", size: 8, align: 4, flat: "[i32 i32]"},
		{typ: "list<u64>", size: 8, align: 4, flat: "[i32 i32]"},
		{typ: "list<list<string>>", size: 8, align: 4, flat: "[i32 i32]"},
		// records: fields aligned in order, the size rounded up to the alignment
		{typ: "record { a: u8, b: u32 }", size: 8, align: 4, flat: "[i32 i32]"},
		{typ: "record { a: u8, b: u64, c: u8 }", size: 24, align: 8, flat: "[i32 i64 i32]"},
		{typ: "record { a: u32, b: u64, c: f64, d: s32, e: u8, f: u16, g: f32, h: s64 }", size: 48, align: 8, flat: "[i32 i64 f64 i32 i32 i32 f32 i64]"},
		{typ: entry, size: 16, align: 8, flat: "[i32 i32 i64]"},
		{typ: "tuple<u8, u16, u8>", size: 6, align: 2, flat: "[i32 i32 i32]"},
		{typ: "tuple<>", size: 0, align: 1, flat: "[]"},
		{typ: "tuple<string, f32, record { x: f64 }>", size: 24, align: 8, flat: "[i32 i32 f32 f64]"},
		// variants: the smallest discriminant, the payload at the largest
		// case alignment, payloads joined slot by slot
		{typ: "enum { a, b }", size: 1, align: 1, flat: "[i32]"},
		{typ: "enum-256", t: enumOf(256), size: 1, align: 1, flat: "[i32]"},
		{typ: "enum-257", t: enumOf(257), size: 2, align: 2, flat: "[i32]"},
		{typ: "enum-65536", t: enumOf(65536), size: 2, align: 2, flat: "[i32]"},
		{typ: "enum-65537", t: enumOf(65537), size: 4, align: 4, flat: "[i32]"},
		{typ: "option<u8>", size: 2, align: 1, flat: "[i32 i32]"},
		{typ: "option<u64>", size: 16, align: 8, flat: "[i32 i64]"},
		{typ: "option<string>", size: 12, align: 4, flat: "[i32 i32 i32]"},
		{typ: "option<option<u16>>", size: 6, align: 2, flat: "[i32 i32 i32]"},
		{typ: "option<tuple<>>", size: 1, align: 1, flat: "[i32]"},
		{typ: "result", size: 1, align: 1, flat: "[i32]"},
		{typ: "result<u32>", size: 8, align: 4, flat: "[i32 i32]"},
		{typ: "result<_, string>", size: 12, align: 4, flat: "[i32 i32 i32]"},
		{typ: "result<u32, f32>", size: 8, align: 4, flat: "[i32 i32]"},
		{typ: "result<f32, f32>", size: 8, align: 4, flat: "[i32 f32]"},
		{typ: "result<f32, u64>", size: 16, align: 8, flat: "[i32 i64]"},
		{typ: "result<f64, f32>", size: 16, align: 8, flat: "[i32 i64]"},
		{typ: "result<string, f64>", size: 16, align: 8, flat: "[i32 i64 i32]"},
		{typ: "result<list<" + entry + ">, string>", size: 12, align: 4, flat: "[i32 i32 i32]"},
		{typ: "variant { a(u32), b(f32), c(u64), d(string) }", size: 16, align: 8, flat: "[i32 i64 i32]"},
		{typ: "variant { a, b(u8) }", size: 2, align: 1, flat: "[i32 i32]"},
		{typ: "variant { a(s8), b(u16), c }", size: 4, align: 2, flat: "[i32 i32]"},
		{typ: "variant { a(tuple<f32, f32>), b(tuple<u32, f64>) }", size: 24, align: 8, flat: "[i32 i32 i64]"},
		// flags: packed bits, then i32s
		{typ: "flags {}", size: 0, align: 1, flat: "[]"},
		{typ: "flags-1", t: flagsOf(1), size: 1, align: 1, flat: "[i32]"},
		{typ: "flags-8", t: flagsOf(8), size: 1, align: 1, flat: "[i32]"},
		{typ: "flags-9", t: flagsOf(9), size: 2, align: 2, flat: "[i32]"},
		{typ: "flags-16", t: flagsOf(16), size: 2, align: 2, flat: "[i32]"},
		{typ: "flags-17", t: flagsOf(17), size: 4, align: 4, flat: "[i32]"},
		{typ: "flags-32", t: flagsOf(32), size: 4, align: 4, flat: "[i32]"},
		{typ: "flags-33", t: flagsOf(33), size: 8, align: 4, flat: "[i32 i32]"},
		{typ: "flags-65", t: flagsOf(65), size: 12, align: 4, flat: "[i32 i32 i32]"},
		{typ: "record { f: flags { a, b }, g: u16 }", size: 4, align: 2, flat: "[i32 i32]"},
	} {
		typ := c.t
		if typ == nil {
			typ = abiType(c.typ)
		}
		if got := typ.Size(); got != c.size {
			t.Errorf("%s: Size() = %d, want %d", c.typ, got, c.size)
		}
		if got := typ.Align(); got != c.align {
			t.Errorf("%s: Align() = %d, want %d", c.typ, got, c.align)
		}
		if got := coreTypes(typ.Flat()); got != c.flat {
			t.Errorf("%s: Flat() = %s, want %s", c.typ, got, c.flat)
		}
		if n := typ.flatCount(); n != len(typ.Flat()) {
			t.Errorf("%s: flatCount() = %d, want %d", c.typ, n, len(typ.Flat()))
		}
	}
}

// TestCoreSignatures checks CoreImport and CoreExport
// (flatten_functype's 'lower' and 'lift') and Numeric.
func TestCoreSignatures(t *testing.T) {
	u32s := func(n int) string {
		var ps []string
		for i := range n {
			ps = append(ps, fmt.Sprintf("p%d: u32", i))
		}
		return strings.Join(ps, ", ")
	}
	i32s := func(n int) string { return strings.TrimSuffix(strings.Repeat("i32 ", n), " ") }
	for _, c := range []struct {
		fn                 string
		imports, exports   string
		numeric            bool
		paramsMem, results bool
	}{
		{fn: "func()", imports: "[] -> []", exports: "[] -> []", numeric: true},
		{fn: "func(a: u32, b: u32) -> u32", imports: "[i32 i32] -> [i32]", exports: "[i32 i32] -> [i32]", numeric: true},
		{fn: "func(a: s8, b: u16, c: s64, d: f32, e: f64) -> u64", imports: "[i32 i32 i64 f32 f64] -> [i64]", exports: "[i32 i32 i64 f32 f64] -> [i64]", numeric: true},
		{fn: "func(a: bool) -> u32", imports: "[i32] -> [i32]", exports: "[i32] -> [i32]"},
		{fn: "func(a: u32) -> char", imports: "[i32] -> [i32]", exports: "[i32] -> [i32]"},
		{fn: "func(e: enum { a, b }) -> u32", imports: "[i32] -> [i32]", exports: "[i32] -> [i32]"},
		{fn: "func(s: string) -> u32", imports: "[i32 i32] -> [i32]", exports: "[i32 i32] -> [i32]"},
		// results past MaxFlatResults: a return pointer parameter when
		// lowered, a pointer result when lifted
		{fn: "func(s: string) -> string", imports: "[i32 i32 i32] -> []", exports: "[i32 i32] -> [i32]", results: true},
		{fn: "func() -> u64", imports: "[] -> [i64]", exports: "[] -> [i64]", numeric: true},
		{fn: "func() -> option<f32>", imports: "[i32] -> []", exports: "[] -> [i32]", results: true},
		{fn: "func() -> tuple<>", imports: "[] -> []", exports: "[] -> []"},
		{fn: "func(archive: list<u8>, dest: string) -> result<list<record { name: string, size: u64 }>, string>",
			imports: "[i32 i32 i32 i32 i32] -> []", exports: "[i32 i32 i32 i32] -> [i32]", results: true},
		// parameters past MaxFlatParams: one pointer
		{fn: "func(" + u32s(16) + ") -> u32", imports: "[" + i32s(16) + "] -> [i32]", exports: "[" + i32s(16) + "] -> [i32]", numeric: true},
		{fn: "func(" + u32s(17) + ") -> u32", imports: "[i32] -> [i32]", exports: "[i32] -> [i32]", paramsMem: true},
		{fn: "func(" + u32s(16) + ") -> string", imports: "[" + i32s(17) + "] -> []", exports: "[" + i32s(16) + "] -> [i32]", results: true},
		{fn: "func(" + u32s(17) + ") -> string", imports: "[i32 i32] -> []", exports: "[i32] -> [i32]", paramsMem: true, results: true},
		{fn: "func(s: string, t: tuple<u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64>) -> string",
			imports: "[i32 i32] -> []", exports: "[i32] -> [i32]", paramsMem: true, results: true},
		{fn: "func(v: variant { a(u32), b(f32), c(u64), d(string) }) -> u64", imports: "[i32 i64 i32] -> [i64]", exports: "[i32 i64 i32] -> [i64]"},
		{fn: "func(f: flags { a, b }) -> flags { c }", imports: "[i32] -> [i32]", exports: "[i32] -> [i32]"},
	} {
		f := abiFunc(c.fn)
		ip, ir := f.CoreImport()
		ep, er := f.CoreExport()
		if got := coreTypes(ip) + " -> " + coreTypes(ir); got != c.imports {
			t.Errorf("%s: CoreImport() = %s, want %s", c.fn, got, c.imports)
		}
		if got := coreTypes(ep) + " -> " + coreTypes(er); got != c.exports {
			t.Errorf("%s: CoreExport() = %s, want %s", c.fn, got, c.exports)
		}
		if got := f.Numeric(); got != c.numeric {
			t.Errorf("%s: Numeric() = %v, want %v", c.fn, got, c.numeric)
		}
		if f.paramsInMemory() != c.paramsMem || f.resultsInMemory() != c.results {
			t.Errorf("%s: in memory: params %v, results %v; want %v, %v", c.fn, f.paramsInMemory(), f.resultsInMemory(), c.paramsMem, c.results)
		}
	}
}

// TestAbiType checks the test's type parser against Type.String.
func TestAbiType(t *testing.T) {
	for _, s := range []string{
		"u8", "list<option<string>>", "tuple<u8, f64>", "result", "result<u32>", "result<_, string>",
		"result<list<record { name: string, size: u64 }>, string>", "variant { a, b(u8) }",
		"enum { x, y }", "flags { read, write }",
	} {
		if got := abiType(s).String(); got != s {
			t.Errorf("abiType(%q).String() = %q", s, got)
		}
	}
}

// TestABIFixtures checks that every .wasm in testdata/abi is what wat2wasm
// makes of its .wat.
func TestABIFixtures(t *testing.T) { wasmtest.CheckFixtures(t, "testdata/abi/*.wat", nil) }
