package iface

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/tetratelabs/wazero/api"
)

var benchFuncs = map[string]*Func{
	"add":  abiFunc("func(a: u32, b: u32) -> u32"),
	"len":  abiFunc("func(s: string) -> u32"),
	"echo": abiFunc("func(s: string) -> string"),
	"sum":  abiFunc("func(b: list<u8>) -> u32"),
	"rec":  abiFunc("func(r: record { a: u32, b: u64, c: f64, d: s32, e: u8, f: u16, g: f32, h: s64 }) -> record { a: u32, b: u64, c: f64, d: s32, e: u8, f: u16, g: f32, h: s64 }"),
}

// BenchmarkCall compares, side by side, calls from one nanoprocess into
// another (bench_caller.wat into bench_callee.wat), each loop running in
// wasm: a numeric call linked directly, wasm to wasm, and the same call
// through an adapter; then typed calls through adapters, each timed in the
// same loop as a plain Go copy (memmove) of the bytes the call moves:
//
//   - string16: a 16-byte string argument; one memmove of 16 bytes;
//   - string1k-roundtrip: a 1 KiB string argument and a 1 KiB string
//     result; two memmoves of 1 KiB, one each way (2 KiB in all);
//   - list64k: a 64 KiB list<u8> argument; one memmove of 64 KiB;
//   - record8-roundtrip: a record of 8 fields (48 bytes in memory) as
//     argument and result; two memmoves of 48 bytes;
//   - string1k-roundtrip-floor: the 1 KiB round trip again, through a
//     host function written for it that makes the same four calls into
//     the guests and the same two copies, and checks nothing: what any
//     adapter written in Go costs on wazero.
//
// Each typed case reports ns/call (through the adapter), memmove-ns (the
// copies alone) and x-memmove, their ratio. Timing both in one loop keeps
// the ratio steady on a busy machine.
func BenchmarkCall(b *testing.B) {
	ctx := context.Background()
	rt := newRuntime(b)
	callee := instantiate(b, rt, "bench_callee.wasm", "bench:callee")
	caller := wireAdapters(b, rt, "bench:b/api", benchFuncs, callee, "bench_caller.wasm", "caller")
	const str, list = 0x1000, 0x10000
	text := make([]byte, 1024)
	for i := range text {
		text[i] = 'a' + byte(i%26)
	}
	write(b, caller, str, text)

	wasm := func(name string, calls uint64, params ...uint64) func(b *testing.B) {
		return func(b *testing.B) {
			f := caller.ExportedFunction(name)
			params := append(params, calls)
			for b.Loop() {
				if _, err := f.Call(ctx, params...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(calls), "ns/call")
		}
	}
	// typed times, in each iteration, calls through the adapter from
	// wasm, then as many plain copies of sizes bytes each, from one Go
	// buffer to another and on to a third, as a call copies one way and
	// back. The caller's loop returns the sum of a number in each result,
	// which must be want.
	typed := func(caller api.Module, name string, calls uint64, want uint64, sizes []int, params ...uint64) func(b *testing.B) {
		return func(b *testing.B) {
			f := caller.ExportedFunction(name)
			params := append(params, calls)
			var copies [][2][]byte // to, from
			from := make([]byte, 1<<16)
			for _, n := range sizes {
				to := make([]byte, 1<<16)
				copies = append(copies, [2][]byte{to[:n], from[:n]})
				from = to
			}
			var inAdapter, inMemmove time.Duration
			for b.Loop() {
				start := time.Now()
				res, err := f.Call(ctx, params...)
				if err != nil || uint32(res[0]) != uint32(want) {
					b.Fatalf("%s: %v, %v, want %d", name, res, err, want)
				}
				mid := time.Now()
				for range calls {
					for _, c := range copies {
						copy(c[0], c[1])
					}
				}
				inAdapter += mid.Sub(start)
				inMemmove += time.Since(mid)
			}
			n := float64(b.N) * float64(calls)
			b.ReportMetric(float64(inAdapter.Nanoseconds())/n, "ns/call")
			b.ReportMetric(float64(inMemmove.Nanoseconds())/n, "memmove-ns")
			b.ReportMetric(float64(inAdapter)/float64(inMemmove), "x-memmove")
		}
	}
	b.Run("numeric/direct", wasm("direct", 1_000_000))
	b.Run("numeric/adapter", wasm("add", 10_000))
	b.Run("string16", typed(caller, "len", 10_000, 16*10_000, []int{16}, str, 16))
	b.Run("string1k-roundtrip", typed(caller, "echo", 10_000, 1024*10_000, []int{1024, 1024}, str, 1024))
	b.Run("list64k", typed(caller, "sum", 1_000, 1<<16*1_000, []int{1 << 16}, list, 1<<16))
	b.Run("record8-roundtrip", typed(caller, "rec", 10_000, 9_999*10_000/2, []int{48, 48}))

	floor := floorEcho(b)
	write(b, floor, str, text)
	b.Run("string1k-roundtrip-floor", typed(floor, "echo", 10_000, 1024*10_000, []int{1024, 1024}, str, 1024))
}

// floorEcho links bench_caller.wasm's echo to bench_callee.wasm through a
// host function that does what the adapter does for it, with no checks:
// the callee's cabi_realloc, a copy, the export, the caller's
// cabi_realloc, a copy, cabi_post. It returns the caller.
func floorEcho(b *testing.B) api.Module {
	ctx := context.Background()
	rt := newRuntime(b)
	callee := instantiate(b, rt, "bench_callee.wasm", "bench:callee")
	var caller api.Module
	realloc, export, post := callee.ExportedFunction("cabi_realloc"), callee.ExportedFunction("bench:b/api#echo"), callee.ExportedFunction("cabi_post_bench:b/api#echo")
	var callerRealloc api.Function
	st := make([]uint64, 4)
	echo := func(ctx context.Context, _ api.Module, stack []uint64) {
		p, n := uint32(stack[0]), uint32(stack[1])
		st[0], st[1], st[2], st[3] = 0, 0, 1, uint64(n)
		realloc.CallWithStack(ctx, st)
		d := uint32(st[0])
		src, _ := caller.Memory().Read(0, caller.Memory().Size())
		dst, _ := callee.Memory().Read(0, callee.Memory().Size())
		copy(dst[d:d+n], src[p:p+n])
		st[0], st[1] = uint64(d), uint64(n)
		export.CallWithStack(ctx, st)
		r := uint32(st[0])
		dst, _ = callee.Memory().Read(0, callee.Memory().Size())
		rp, rn := binary.LittleEndian.Uint32(dst[r:]), binary.LittleEndian.Uint32(dst[r+4:])
		st[0], st[1], st[2], st[3] = 0, 0, 1, uint64(rn)
		callerRealloc.CallWithStack(ctx, st)
		q := uint32(st[0])
		src, _ = caller.Memory().Read(0, caller.Memory().Size())
		copy(src[q:q+rn], dst[rp:rp+rn])
		ret := uint32(stack[2])
		binary.LittleEndian.PutUint32(src[ret:], q)
		binary.LittleEndian.PutUint32(src[ret+4:], rn)
		st[0] = uint64(r)
		post.CallWithStack(ctx, st)
	}
	hb := rt.NewHostModuleBuilder("bench:b/api")
	for name, f := range benchFuncs {
		params, results := f.CoreImport()
		fn := api.GoModuleFunc(func(context.Context, api.Module, []uint64) { b.Fatal("not linked") })
		if name == "echo" {
			fn = echo
		}
		hb.NewFunctionBuilder().WithGoModuleFunction(fn, params, results).Export(name)
	}
	if _, err := hb.Instantiate(ctx); err != nil {
		b.Fatal(err)
	}
	caller = instantiate(b, rt, "bench_caller.wasm", "caller")
	callerRealloc = caller.ExportedFunction("cabi_realloc")
	return caller
}
