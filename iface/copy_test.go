package iface

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// compiled keeps the compiled fixtures across tests.
var compiled = wazero.NewCompilationCache()

func newRuntime(tb testing.TB) wazero.Runtime {
	tb.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(compiled))
	tb.Cleanup(func() { rt.Close(ctx) })
	return rt
}

func instantiate(tb testing.TB, rt wazero.Runtime, file, name string) api.Module {
	tb.Helper()
	wasm, err := os.ReadFile("testdata/abi/" + file)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := rt.InstantiateWithConfig(context.Background(), wasm, wazero.NewModuleConfig().WithName(name))
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

const zipIface = "acme:zip/unpack@1.4.0"

// zipFuncs are the functions of zip.wat and hostile.wat.
var zipFuncs = map[string]*Func{
	"extract": abiFunc("func(archive: list<u8>, dest: string) -> result<list<record { name: string, size: u64 }>, string>"),
	"count":   abiFunc("func(a: u32, b: u32) -> u32"),
	"big":     abiFunc("func(s: string, t: tuple<u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64>) -> string"),
	"pick":    abiFunc("func(v: variant { a(u32), b(f32), c(u64), d(string) }) -> u64"),
	"probe":   abiFunc("func(c: char) -> bool"),
}

func init() {
	for _, f := range zipFuncs {
		f.Interface = zipIface
	}
}

// link instantiates child (zip.wasm or hostile.wasm) and app.wasm, the
// parent's imports bound to adapters through a host module named like the
// interface.
func link(tb testing.TB, child string) (parent, callee api.Module) {
	tb.Helper()
	rt := newRuntime(tb)
	callee = instantiate(tb, rt, child, "child")
	parent = wireAdapters(tb, rt, zipIface, zipFuncs, callee, "app.wasm", "parent")
	return parent, callee
}

// wireAdapters instantiates a host module named iface whose functions
// call adapters into callee, then the caller module file that imports
// them, binds the adapters, and returns the caller.
func wireAdapters(tb testing.TB, rt wazero.Runtime, iface string, funcs map[string]*Func, callee api.Module, file, name string) api.Module {
	tb.Helper()
	ctx := context.Background()
	bound := map[string]**Adapter{} // what each host function calls
	hb := rt.NewHostModuleBuilder(iface)
	for fname, f := range funcs {
		params, results := f.CoreImport()
		a := new(*Adapter)
		bound[fname] = a
		hb.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, _ api.Module, stack []uint64) {
			if err := (*a).Call(ctx, stack); err != nil {
				panic(err)
			}
		}), params, results).Export(fname)
	}
	if _, err := hb.Instantiate(ctx); err != nil {
		tb.Fatal(err)
	}
	caller := instantiate(tb, rt, file, name)
	for fname, f := range funcs {
		a, err := NewAdapter(f, caller, callee, iface+"#"+fname)
		if err != nil {
			tb.Fatal(err)
		}
		*bound[fname] = a
	}
	return caller
}

func call(tb testing.TB, m api.Module, name string, params ...uint64) ([]uint64, error) {
	tb.Helper()
	return m.ExportedFunction(name).Call(context.Background(), params...)
}

func mustCall(tb testing.TB, m api.Module, name string, params ...uint64) []uint64 {
	tb.Helper()
	res, err := call(tb, m, name, params...)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return res
}

func write(tb testing.TB, m api.Module, p uint32, b []byte) {
	tb.Helper()
	if !m.Memory().Write(p, b) {
		tb.Fatalf("write at 0x%x out of bounds", p)
	}
}

func read(tb testing.TB, m api.Module, p, n uint32) []byte {
	tb.Helper()
	b, ok := m.Memory().Read(p, n)
	if !ok {
		tb.Fatalf("read of %d bytes at 0x%x out of bounds", n, p)
	}
	return b
}

func u32at(tb testing.TB, m api.Module, p uint32) uint32 {
	return binary.LittleEndian.Uint32(read(tb, m, p, 4))
}

// TestExtract calls extract from the parent's code through the adapter
// and checks, in the parent's memory, every value the child returned.
func TestExtract(t *testing.T) {
	for _, n := range []int{0, 1, 5, 10000} {
		parent, child := link(t, "zip.wasm")
		archive := make([]byte, n)
		for i := range archive {
			archive[i] = byte(i*7 + 3)
		}
		dest := "out/dir"
		write(t, parent, 0x200, []byte(dest))
		write(t, parent, 0x300, archive)
		heap := uint32(mustCall(t, parent, "heap")[0])
		mustCall(t, parent, "extract", 0x300, uint64(n), 0x200, uint64(len(dest)), 0x100)

		if d := read(t, parent, 0x100, 1)[0]; d != 0 {
			t.Fatalf("n=%d: discriminant %d, want ok", n, d)
		}
		list, length := u32at(t, parent, 0x104), u32at(t, parent, 0x108)
		if length != uint32(n) || list%8 != 0 || list < heap {
			t.Fatalf("n=%d: list at 0x%x of %d, want %d entries, aligned, allocated above 0x%x", n, list, length, n, heap)
		}
		var total uint64
		for i := range uint32(n) {
			e := list + 16*i
			name := string(read(t, parent, u32at(t, parent, e), u32at(t, parent, e+4)))
			size := binary.LittleEndian.Uint64(read(t, parent, e+8, 8))
			wantSize := uint64(archive[i])<<32 | uint64(i)
			if name != dest[:int(i)%len(dest)+1] || size != wantSize {
				t.Fatalf("n=%d: entry %d = {%q, %#x}, want {%q, %#x}", n, i, name, size, dest[:int(i)%len(dest)+1], wantSize)
			}
			total += size
		}
		if got := mustCall(t, child, "posts")[0]; got != 1 {
			t.Errorf("n=%d: cabi_post called %d times, want 1", n, got)
		}
		if got := mustCall(t, parent, "total", 0x300, uint64(n), 0x200, uint64(len(dest)))[0]; got != total {
			t.Errorf("n=%d: total = %d, want %d", n, got, total)
		}
	}
}

func TestExtractError(t *testing.T) {
	parent, _ := link(t, "zip.wasm")
	write(t, parent, 0x300, []byte{1, 2, 3})
	mustCall(t, parent, "extract", 0x300, 3, 0x200, 0, 0x100)
	if d := read(t, parent, 0x100, 1)[0]; d != 1 {
		t.Fatalf("discriminant %d, want err", d)
	}
	if got := string(read(t, parent, u32at(t, parent, 0x104), u32at(t, parent, 0x108))); got != "dest is empty" {
		t.Errorf("err(%q), want err(\"dest is empty\")", got)
	}
	if got := mustCall(t, parent, "total", 0x300, 3, 0x200, 0)[0]; got != math.MaxUint64 {
		t.Errorf("total = %d, want -1", got)
	}
}

func TestCount(t *testing.T) {
	parent, _ := link(t, "zip.wasm")
	if got := mustCall(t, parent, "count", 40, 2)[0]; uint32(got) != 42 {
		t.Errorf("count(40, 2) = %d", got)
	}
	if got := mustCall(t, parent, "count", math.MaxUint32, 2)[0]; uint32(got) != 1 {
		t.Errorf("count(max, 2) = %d", got)
	}
}

// TestBig passes 17 flat parameters, in memory, and a string result.
func TestBig(t *testing.T) {
	for _, c := range []struct {
		base uint64
		want string
	}{{1, "ello"}, {2, "bad sum"}} {
		parent, _ := link(t, "zip.wasm")
		write(t, parent, 0x300, []byte("hello"))
		args := make([]byte, 128)
		binary.LittleEndian.PutUint32(args, 0x300)
		binary.LittleEndian.PutUint32(args[4:], 5)
		for i := range 15 {
			binary.LittleEndian.PutUint64(args[8+8*i:], c.base+uint64(i)) // 1..15 sums to 120
		}
		write(t, parent, 0x400, args)
		mustCall(t, parent, "big", 0x400, 0x180)
		if got := string(read(t, parent, u32at(t, parent, 0x180), u32at(t, parent, 0x184))); got != c.want {
			t.Errorf("big = %q, want %q", got, c.want)
		}
	}
}

// TestPick passes a variant whose payloads join to i64: the adapter wraps
// an i32 payload's slot, zero-extends it and zeroes unused slots.
func TestPick(t *testing.T) {
	parent, _ := link(t, "zip.wasm")
	write(t, parent, 0x300, []byte("xyz"))
	for _, c := range []struct {
		d, x, n uint64
		want    uint64
	}{
		{0, 0xFFFFFFFF_00000005, 99, 5},
		{1, 0xAB_00000000 | uint64(math.Float32bits(1.5)), 7, 1<<56 | uint64(math.Float32bits(1.5))},
		{2, 0x123456789, 0, 2<<56 | 0x123456789},
		{3, 0x300, 3, 3*1000 + 'x'},
	} {
		if got := mustCall(t, parent, "pick", c.d, c.x, c.n)[0]; got != c.want {
			t.Errorf("pick(%d, %#x, %d) = %#x, want %#x", c.d, c.x, c.n, got, c.want)
		}
	}
	_, err := call(t, parent, "pick", 4, 0, 0)
	wantError(t, err, zipIface+"#pick: argument v: invalid discriminant 4 for variant { a(u32), b(f32), c(u64), d(string) }")
}

func TestProbe(t *testing.T) {
	parent, _ := link(t, "zip.wasm")
	if got := mustCall(t, parent, "probe", 'x')[0]; got != 1 {
		t.Errorf("probe('x') = %d", got)
	}
	if got := mustCall(t, parent, "probe", 'y')[0]; got != 0 {
		t.Errorf("probe('y') = %d", got)
	}
	_, err := call(t, parent, "probe", 0xD800)
	wantError(t, err, zipIface+"#probe: argument c: invalid char 0xd800")
	_, err = call(t, parent, "probe", 0x110000)
	wantError(t, err, zipIface+"#probe: argument c: invalid char 0x110000")
}

// wantError checks that err is a *CallError (through wazero's wrapping)
// whose text starts with want.
func wantError(t *testing.T, err error, want string) {
	t.Helper()
	var ce *CallError
	switch {
	case err == nil:
		t.Errorf("no error, want %q", want)
	case !errors.As(err, &ce):
		t.Errorf("error %q (%T) is not a *CallError, want %q", err, err, want)
	case !strings.HasPrefix(ce.Error(), want):
		t.Errorf("error\n\t%s\nwant\n\t%s", ce.Error(), want)
	}
}

// snapshot is a copy of a module's memory.
func snapshot(tb testing.TB, m api.Module) []byte {
	return bytes.Clone(read(tb, m, 0, m.Memory().Size()))
}

// untouched checks that m's memory is as in before, except in the
// regions given as pairs of start and end.
func untouched(t *testing.T, m api.Module, before []byte, except ...uint32) {
	t.Helper()
	after := read(t, m, 0, uint32(len(before)))
	for i := range before {
		skip := false
		for j := 0; j < len(except); j += 2 {
			if uint32(i) >= except[j] && uint32(i) < except[j+1] {
				skip = true
			}
		}
		if !skip && before[i] != after[i] {
			t.Errorf("%s: byte 0x%x changed from %#x to %#x", m.Name(), i, before[i], after[i])
			return
		}
	}
}

// TestHostileCallee calls a callee that breaks the canonical ABI in every
// way hostile.wat knows: each call fails with an error naming the function
// and the problem, and the parent's memory is untouched but for its
// return area and the memory the adapter allocated in it.
func TestHostileCallee(t *testing.T) {
	const x = zipIface + "#extract: "
	entries := "record { name: string, size: u64 }"
	for _, c := range []struct {
		mode int
		fn   string
		want string
	}{
		{0, "extract", ""},
		{1, "extract", x + "result: ok: list of 4 " + entries + " at 0xfffffff0 is out of bounds of the callee's memory (65536 bytes)"},
		{2, "extract", x + "result: ok: list of 2147483647 " + entries + " at 0x200 is out of bounds of the callee's memory (65536 bytes)"},
		{3, "extract", x + "result: err: string of 2 bytes at 0x400 is not valid UTF-8 (at byte 0)"},
		{4, "extract", x + "result: ok: list of 1 " + entries + " at 0x204 is not aligned to 8"},
		{5, "extract", x + "result: invalid discriminant 2 for result<list<" + entries + ">, string> at 0x100"},
		{6, "extract", x + "results at 0xfffffffc returned by the callee is out of bounds of the callee's memory (65536 bytes)"},
		{7, "extract", x + "results at 0x102 returned by the callee is not aligned to 4"},
		{8, "extract", x + "argument archive: the callee's cabi_realloc(0, 0, 1, 3) returned 0xfffffff0, out of bounds of its memory (65536 bytes)"},
		{9, "big", zipIface + "#big: arguments: the callee's cabi_realloc(0, 0, 8, 128) returned 0x1001, not aligned to 8"},
		{10, "extract", x + "result: ok: element 2: field name: string of 2 bytes at 0x400 is not valid UTF-8 (at byte 0)"},
		{11, "extract", x + "argument archive: the callee's cabi_realloc failed: wasm error: unreachable"},
		{12, "extract", x + "result: err: string of 4294967280 bytes at 0x10 is out of bounds of the callee's memory (65536 bytes)"},
		{13, "probe", zipIface + "#probe: result: invalid bool 2"},
		{14, "extract", "trap"},
		{15, "big", zipIface + "#big: result: string of 2 bytes at 0x400 is not valid UTF-8 (at byte 0)"},
		{16, "big", zipIface + "#big: result: string of 32 bytes at 0xfffffff0 is out of bounds of the callee's memory (65536 bytes)"},
		{17, "big", zipIface + "#big: results at 0xfffffffc returned by the callee is out of bounds of the callee's memory (65536 bytes)"},
	} {
		parent, child := link(t, "hostile.wasm")
		mustCall(t, child, "set_mode", uint64(c.mode))
		write(t, parent, 0x300, []byte{1, 2, 3})
		write(t, parent, 0x200, []byte("dir"))
		write(t, parent, 0x400, make([]byte, 128))
		heap := uint32(mustCall(t, parent, "heap")[0])
		before := snapshot(t, parent)
		var err error
		switch c.fn {
		case "extract":
			_, err = call(t, parent, "extract", 0x300, 3, 0x200, 3, 0x100)
		case "big":
			_, err = call(t, parent, "big", 0x400, 0x100)
		case "probe":
			_, err = call(t, parent, "probe", 'x')
		}
		switch c.want {
		case "":
			if err != nil {
				t.Errorf("mode %d: %v", c.mode, err)
			}
		case "trap":
			if err == nil || !strings.Contains(err.Error(), "unreachable") {
				t.Errorf("mode %d: error %v, want the callee's trap", c.mode, err)
			}
		default:
			wantError(t, err, c.want)
		}
		if c.want != "" {
			untouched(t, parent, before, 0x100, 0x10c, heap, uint32(len(before)))
		}
	}
}

// TestHostileCaller checks what a caller can get wrong: out-of-bounds and
// misaligned arguments and return areas, invalid UTF-8, a cabi_realloc
// that returns garbage.
func TestHostileCaller(t *testing.T) {
	const x = zipIface + "#extract: "
	for _, c := range []struct {
		name        string
		reallocMode uint64
		fn          string
		params      []uint64
		want        string
		calleeCalls bool // whether the child ran (and the caller's heap may be used)
	}{
		{"archive out of bounds", 0, "extract", []uint64{0x10, math.MaxUint32, 0x200, 3, 0x100},
			x + "argument archive: list of 4294967295 u8 at 0x10 is out of bounds of the caller's memory (65536 bytes)", false},
		{"archive past the end", 0, "extract", []uint64{0xffff, 2, 0x200, 3, 0x100},
			x + "argument archive: list of 2 u8 at 0xffff is out of bounds of the caller's memory (65536 bytes)", false},
		{"dest out of bounds", 0, "extract", []uint64{0x300, 3, 0xfffffff0, 0x20, 0x100},
			x + "argument dest: string of 32 bytes at 0xfffffff0 is out of bounds of the caller's memory (65536 bytes)", false},
		{"dest invalid UTF-8", 0, "extract", []uint64{0x300, 3, 0x500, 4, 0x100},
			x + "argument dest: string of 4 bytes at 0x500 is not valid UTF-8 (at byte 2)", false},
		{"return area out of bounds", 0, "extract", []uint64{0x300, 3, 0x200, 3, 0xfffffff8},
			x + "return area at 0xfffffff8 given by the caller is out of bounds of the caller's memory (65536 bytes)", true},
		{"return area misaligned", 0, "extract", []uint64{0x300, 3, 0x200, 3, 0x101},
			x + "return area at 0x101 given by the caller is not aligned to 4", true},
		{"realloc out of bounds", 1, "extract", []uint64{0x300, 3, 0x200, 3, 0x100},
			x + "result: ok: the caller's cabi_realloc(0, 0, 8, 48) returned 0xfffffff0, out of bounds of its memory (65536 bytes)", true},
		{"realloc misaligned", 2, "extract", []uint64{0x300, 3, 0x200, 3, 0x100},
			x + "result: ok: the caller's cabi_realloc(0, 0, 8, 48) returned 0x8001, not aligned to 8", true},
		{"realloc traps", 3, "extract", []uint64{0x300, 3, 0x200, 3, 0x100},
			x + "result: ok: the caller's cabi_realloc failed: wasm error: unreachable", true},
		{"realloc re-enters", 4, "extract", []uint64{0x300, 3, 0x200, 3, 0x100},
			x + "result: ok: the caller's cabi_realloc failed: " + x + "re-entered while copying values (a cabi_realloc may not call imports)", true},
		{"arguments out of bounds", 0, "big", []uint64{0xfff8, 0x100},
			zipIface + "#big: arguments at 0xfff8 is out of bounds of the caller's memory (65536 bytes)", false},
		{"arguments misaligned", 0, "big", []uint64{0x404, 0x100},
			zipIface + "#big: arguments at 0x404 is not aligned to 8", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			parent, child := link(t, "zip.wasm")
			write(t, parent, 0x300, []byte{1, 2, 3})
			write(t, parent, 0x200, []byte("dir"))
			write(t, parent, 0x500, []byte{'o', 'k', 0xc3, 0x28})
			write(t, parent, 0x400, make([]byte, 128))
			mustCall(t, parent, "set_realloc_mode", c.reallocMode)
			heap := uint32(mustCall(t, parent, "heap")[0])
			before := snapshot(t, parent)
			_, err := call(t, parent, c.fn, c.params...)
			wantError(t, err, c.want)
			if c.calleeCalls {
				untouched(t, parent, before, 0x100, 0x10c, heap, uint32(len(before)))
			} else {
				untouched(t, parent, before)
				if got := mustCall(t, child, "posts")[0]; got != 0 {
					t.Errorf("the callee ran")
				}
			}
		})
	}
}

func TestNewAdapterErrors(t *testing.T) {
	rt := newRuntime(t)
	child := instantiate(t, rt, "zip.wasm", "child")
	mem := instantiate(t, rt, "mem.wasm", "mem")
	for _, c := range []struct {
		f      *Func
		caller api.Module
		export string
		want   string
	}{
		{zipFuncs["extract"], mem, "nope", `callee exports no function "nope"`},
		{zipFuncs["count"], mem, zipIface + "#extract", "callee's " + zipIface + "#extract has core type (func (param i32 i32 i32 i32) (result i32)), want (func (param i32 i32) (result i32))"},
		{zipFuncs["count"], child, zipIface + "#count", "a module cannot be its own callee through an adapter"},
	} {
		_, err := NewAdapter(c.f, c.caller, child, c.export)
		if err == nil || err.Error() != c.want {
			t.Errorf("NewAdapter(%s): %v, want %s", c.export, err, c.want)
		}
	}
	// results with strings need the caller's cabi_realloc
	rt2 := newRuntime(t)
	child2 := instantiate(t, rt2, "zip.wasm", "child")
	noRealloc, err := rt2.Instantiate(context.Background(), []byte("\x00asm\x01\x00\x00\x00\x05\x03\x01\x00\x01\x07\x0a\x01\x06memory\x02\x00"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewAdapter(zipFuncs["extract"], noRealloc, child2, zipIface+"#extract"); err == nil || err.Error() != "caller exports no cabi_realloc" {
		t.Errorf("NewAdapter without the caller's cabi_realloc: %v", err)
	}
}

// TestFinishRecovers checks that a runtime panic inside Call (a bug) is
// returned as a *CallError and leaves the adapter usable.
func TestFinishRecovers(t *testing.T) {
	a := &Adapter{Name: "f"}
	err := func() (err error) {
		a.busy = true
		defer a.finish(&err)
		var b []byte
		_ = b[len(a.Name)] // out of range
		return nil
	}()
	var ce *CallError
	if !errors.As(err, &ce) || !strings.HasPrefix(ce.Error(), "f: internal error: runtime error: index out of range") {
		t.Errorf("error %v (%T), want a *CallError for the index out of range", err, err)
	}
	if a.busy {
		t.Error("adapter still busy after the panic")
	}
}

// TestEchoLongStrings sends strings long enough for the copy that checks
// UTF-8 in blocks (bench_caller.wat's echo into bench_callee.wat, and
// back): ASCII, other scripts, and invalid bytes at the start, in a
// block, in the tail.
func TestEchoLongStrings(t *testing.T) {
	rt := newRuntime(t)
	callee := instantiate(t, rt, "bench_callee.wasm", "bench:callee")
	caller := wireAdapters(t, rt, "bench:b/api", benchFuncs, callee, "bench_caller.wasm", "caller")
	const p = 0x1000
	long := strings.Repeat("abcdefghijklmnopqrstuvwxyz", 40)[:1000]
	for _, s := range []string{long, "é" + long, long[:500] + "中文🦀" + long[:300], long + "ß", strings.Repeat("€", 333)} {
		write(t, caller, p, []byte(s))
		mustCall(t, caller, "echo", p, uint64(len(s)), 1)
		if got := string(read(t, caller, u32at(t, caller, 0x100), u32at(t, caller, 0x104))); got != s {
			t.Errorf("echo of %d bytes returned %d bytes, not the same", len(s), len(got))
		}
	}
	for _, at := range []int{0, 31, 32, 127, 128, 500, 999} {
		b := []byte(long)
		b[at] = 0xff
		write(t, caller, p, b)
		_, err := call(t, caller, "echo", p, uint64(len(b)), 1)
		wantError(t, err, fmt.Sprintf("bench:b/api#echo: argument s: string of 1000 bytes at 0x1000 is not valid UTF-8 (at byte %d)", at))
	}
	_, err := call(t, caller, "echo", 0xfffff000, 0x2000, 1)
	wantError(t, err, fmt.Sprintf("bench:b/api#echo: argument s: string of 8192 bytes at 0xfffff000 is out of bounds of the caller's memory (%d bytes)", caller.Memory().Size()))
}

// poisonMemory backs each memory with a buffer that moves on every grow:
// the old buffer is filled with 0xEE and kept, as the linker's pool keeps
// a freed buffer for another nanoprocess.
type poisonMemory struct {
	buf []byte
	old *[][]byte
}

func (m *poisonMemory) Reallocate(size uint64) []byte {
	b := make([]byte, size)
	copy(b, m.buf)
	if m.buf != nil {
		for i := range m.buf {
			m.buf[i] = 0xEE
		}
		*m.old = append(*m.old, m.buf)
	}
	m.buf = b
	return b
}

func (m *poisonMemory) Free() {}

// TestNoWriteAfterGrow echoes strings large enough that the callee's
// cabi_realloc grows its memory for the argument and the caller's grows
// its own for the result, on most calls: the adapter must write only to
// the memories as they are after the grow, never to the buffers they
// left, and the echo must come back whole.
func TestNoWriteAfterGrow(t *testing.T) {
	testNoWriteAfterGrow(t, false)
}

// TestNoWriteAfterGrowShared does so with a callee that shares its
// caller's memory (shared_callee.wat), where a call into either module
// grows both sides' memory.
func TestNoWriteAfterGrowShared(t *testing.T) {
	testNoWriteAfterGrow(t, true)
}

func testNoWriteAfterGrow(t *testing.T, shared bool) {
	var old [][]byte
	ctx := experimental.WithMemoryAllocator(context.Background(), experimental.MemoryAllocatorFunc(func(_, _ uint64) experimental.LinearMemory {
		return &poisonMemory{old: &old}
	}))
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	load := func(file, name string) api.Module {
		wasm, err := os.ReadFile("testdata/abi/" + file)
		if err != nil {
			t.Fatal(err)
		}
		m, err := rt.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithName(name))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	var callee api.Module
	if !shared {
		callee = load("bench_callee.wasm", "bench:callee")
	}
	echo := benchFuncs["echo"]
	var a *Adapter
	hb := rt.NewHostModuleBuilder("bench:b/api")
	for name, f := range benchFuncs {
		p, r := f.CoreImport()
		fn := api.GoModuleFunc(func(context.Context, api.Module, []uint64) { panic("not linked") })
		if name == "echo" {
			fn = func(ctx context.Context, _ api.Module, stack []uint64) {
				if err := a.Call(ctx, stack); err != nil {
					panic(err)
				}
			}
		}
		hb.NewFunctionBuilder().WithGoModuleFunction(fn, p, r).Export(name)
	}
	if _, err := hb.Instantiate(ctx); err != nil {
		t.Fatal(err)
	}
	if shared { // bench_caller.wasm's import of bench:callee's add
		if _, err := rt.NewHostModuleBuilder("bench:callee").NewFunctionBuilder().
			WithFunc(func(a, b uint32) uint32 { return a + b }).Export("add").Instantiate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	caller := load("bench_caller.wasm", "caller")
	if shared {
		callee = load("shared_callee.wasm", "callee")
	}
	var err error
	if a, err = NewAdapter(echo, caller, callee, "bench:b/api#echo"); err != nil {
		t.Fatal(err)
	}
	const p = 0x1000
	grows := len(old)
	for i, n := range []int{70_000, 140_000, 300_000, 600_000} {
		s := []byte(strings.Repeat(string(rune('a'+i)), n))
		if !caller.Memory().Write(p, s) {
			if _, ok := caller.Memory().Grow(uint32(n/65536 + 1)); !ok || !caller.Memory().Write(p, s) {
				t.Fatal("cannot write the string")
			}
		}
		if _, err := caller.ExportedFunction("echo").Call(ctx, p, uint64(n), 1); err != nil {
			t.Fatal(err)
		}
		if got := read(t, caller, u32at(t, caller, 0x100), u32at(t, caller, 0x104)); !bytes.Equal(got, s) {
			t.Fatalf("echo of %d bytes came back wrong", n)
		}
	}
	if len(old)-grows < 4 {
		t.Fatalf("%d grows, want a grow on most calls", len(old)-grows)
	}
	for i, b := range old {
		if bytes.Count(b, []byte{0xEE}) != len(b) {
			t.Fatalf("old buffer %d (%d bytes) written after the grow", i, len(b))
		}
	}
}
