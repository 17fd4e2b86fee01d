package iface

import (
	"context"
	"testing"
	"time"
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
//     argument and result; two memmoves of 48 bytes.
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
	// back.
	typed := func(name string, calls uint64, sizes []int, params ...uint64) func(b *testing.B) {
		return func(b *testing.B) {
			f := caller.ExportedFunction(name)
			params := append(params, calls)
			bufs := [3][]byte{make([]byte, 1<<16), make([]byte, 1<<16), make([]byte, 1<<16)}
			var inAdapter, inMemmove time.Duration
			for b.Loop() {
				start := time.Now()
				if _, err := f.Call(ctx, params...); err != nil {
					b.Fatal(err)
				}
				mid := time.Now()
				for range calls {
					for i, n := range sizes {
						copy(bufs[i+1][:n], bufs[i][:n])
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
	b.Run("string16", typed("len", 10_000, []int{16}, str, 16))
	b.Run("string1k-roundtrip", typed("echo", 10_000, []int{1024, 1024}, str, 1024))
	b.Run("list64k", typed("sum", 1_000, []int{1 << 16}, list, 1<<16))
	b.Run("record8-roundtrip", typed("rec", 10_000, []int{48, 48}))
}
