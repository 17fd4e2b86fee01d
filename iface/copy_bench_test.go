package iface

import (
	"context"
	"testing"
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
// wasm: a numeric call linked directly, wasm to wasm; the same call
// through an adapter; typed calls through adapters (a 16-byte string
// argument; a 1 KiB string argument and a 1 KiB string result; a 64 KiB
// list<u8> argument; a record of 8 fields as argument and result); and a
// plain Go copy (memmove) of the bytes each typed call moves.
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
	memmove := func(sizes ...int) func(b *testing.B) {
		return func(b *testing.B) {
			src, dst := make([]byte, 1<<16), make([]byte, 1<<16)
			for b.Loop() {
				for _, n := range sizes {
					copy(dst[:n], src[:n])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/call")
		}
	}
	b.Run("numeric/direct", wasm("direct", 1_000_000))
	b.Run("numeric/adapter", wasm("add", 10_000))
	b.Run("string16/adapter", wasm("len", 10_000, str, 16))
	b.Run("string16/memmove", memmove(16))
	b.Run("string1k-roundtrip/adapter", wasm("echo", 10_000, str, 1024))
	b.Run("string1k-roundtrip/memmove", memmove(1024, 1024))
	b.Run("list64k/adapter", wasm("sum", 1_000, list, 1<<16))
	b.Run("list64k/memmove", memmove(1<<16))
	b.Run("record8-roundtrip/adapter", wasm("rec", 10_000))
	b.Run("record8-roundtrip/memmove", memmove(48, 48))
}
