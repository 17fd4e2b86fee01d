package runtime

import (
	"bytes"
	"context"
	"fmt"
	"os"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/nanoproc/nano/limits"
	"github.com/nanoproc/nano/linker"
	"github.com/nanoproc/nano/lockfile"
)

func readWasm(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile("testdata/bench/" + name + ".wasm")
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// bundleOf builds a bundle from (path, module, keys, imports) specs, in
// order: children first.
func bundleOf(specs ...instSpec) *linker.Bundle {
	b := &linker.Bundle{Modules: map[string][]byte{}}
	for _, s := range specs {
		d := lockfile.Digest(s.wasm)
		b.Modules[d] = s.wasm
		pkg := s.path[strings.LastIndex(s.path, " ")+1:]
		b.Instances = append(b.Instances, &linker.Instance{Path: s.path, Package: pkg, Version: "1.0.0", Module: d, Keys: s.keys,
			Imports: s.imports, Spawns: s.spawns, Grant: s.grant, Limits: s.limits})
	}
	return b
}

type instSpec struct {
	path    string
	wasm    []byte
	keys    []string
	imports map[string]int
	spawns  map[string]int
	grant   []string
	limits  limits.Limits
}

// BenchmarkCall compares, side by side, a call from one nanoprocess into
// another's exported function with a call to a function in the same
// module: the loop runs in wasm, calling add a million times.
func BenchmarkCall(b *testing.B) {
	ctx := context.Background()
	bundle := bundleOf(
		instSpec{path: "acme:callee", wasm: readWasm(b, "callee")},
		instSpec{path: "acme:caller", wasm: readWasm(b, "caller"), imports: map[string]int{"acme:callee": 0}},
	)
	p, err := Start(ctx, bundle, &Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close(ctx)
	const calls = 1_000_000
	per := map[string]float64{}
	for _, fn := range []string{"local", "cross"} {
		b.Run(fn, func(b *testing.B) {
			f := p.root.mods[1].ExportedFunction(fn)
			for b.Loop() {
				if _, err := f.Call(ctx, calls); err != nil {
					b.Fatal(err)
				}
			}
			per[fn] = float64(b.Elapsed().Nanoseconds()) / float64(b.N) / calls
			b.ReportMetric(per[fn], "ns/call")
			if fn == "cross" && per["local"] > 0 {
				b.ReportMetric(per["cross"]/per["local"], "x-local")
			}
		})
	}
}

// BenchmarkInstantiate measures instantiating one small nanoprocess with a
// page of memory and its own keys, and closing it, as nano does for every
// dependency edge; side by side with wazero's default instantiation of the
// same module.
func BenchmarkInstantiate(b *testing.B) {
	ctx := context.Background()
	small := readWasm(b, "small")
	bundle := bundleOf(instSpec{path: "acme:small", wasm: small, keys: []string{"clock", "random", "stdio:stdout"}})
	p, err := Start(ctx, bundle, &Config{Stdout: &bytes.Buffer{}})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close(ctx)
	b.Run("wazero", func(b *testing.B) {
		cm, err := p.linked.rt.CompileModule(ctx, small)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			m, err := p.linked.rt.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithName(""))
			if err != nil {
				b.Fatal(err)
			}
			m.Close(ctx)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "µs/instance")
	})
	b.Run("nano", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m, err := p.newInstance(ctx, p.root, 0)
			if err != nil {
				b.Fatal(err)
			}
			m.Close(ctx)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "µs/instance")
	})
}

// BenchmarkRun compares nano running a bundle of 20 nanoprocesses with
// plain wazero running the root module alone, both with a warm compilation
// cache, and reports nano's time per run as a multiple of wazero's.
func BenchmarkRun(b *testing.B) {
	ctx := context.Background()
	cache := wazero.NewCompilationCache()
	defer cache.Close(ctx)
	small := readWasm(b, "small")
	specs := make([]instSpec, 0, 20)
	imports := map[string]int{}
	for i := range 19 {
		name := fmt.Sprintf("acme:dep%d", i)
		specs = append(specs, instSpec{path: "acme:root > " + name, wasm: small})
		imports[name] = i
	}
	specs = append(specs, instSpec{path: "acme:root", wasm: small, keys: []string{"stdio:stdout"}, imports: imports})
	bundle := bundleOf(specs...)
	var out bytes.Buffer
	wazeroRun := func() {
		rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(cache))
		wasi_snapshot_preview1.MustInstantiate(ctx, rt)
		if _, err := rt.InstantiateWithConfig(ctx, small, wazero.NewModuleConfig().WithStdout(&out)); err != nil {
			b.Fatal(err)
		}
		rt.Close(ctx)
	}
	nanoRun := func() {
		p, err := Start(ctx, bundle, &Config{Stdout: &out, Cache: cache})
		if err != nil {
			b.Fatal(err)
		}
		if code, err := p.Main(ctx); err != nil || code != 0 {
			b.Fatal(code, err)
		}
		p.Close(ctx)
	}
	wazeroRun() // warm the cache
	nanoRun()
	// The two alternate, so that the machine's noise falls on both alike.
	var wazeroTime, nanoTime time.Duration
	for b.Loop() {
		t0 := time.Now()
		wazeroRun()
		t1 := time.Now()
		nanoRun()
		wazeroTime += t1.Sub(t0)
		nanoTime += time.Since(t1)
	}
	b.ReportMetric(float64(wazeroTime.Microseconds())/float64(b.N), "wazero-µs/run")
	b.ReportMetric(float64(nanoTime.Microseconds())/float64(b.N), "nano-µs/run")
	b.ReportMetric(float64(nanoTime)/float64(wazeroTime), "x-wazero")
}

// BenchmarkLive holds b.N small nanoprocesses live at once and reports the
// memory each takes. Run it with -benchtime=100000x to see how many one
// process can hold.
func BenchmarkLive(b *testing.B) {
	ctx := context.Background()
	bundle := bundleOf(instSpec{path: "acme:small", wasm: readWasm(b, "small"), keys: []string{"stdio:stdout"}})
	p, err := Start(ctx, bundle, &Config{Stdout: &bytes.Buffer{}})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close(ctx)
	var before, after goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	n := 0
	for b.Loop() {
		if _, err := p.newInstance(ctx, p.root, 0); err != nil {
			b.Fatalf("after %d live nanoprocesses: %v", n, err)
		}
		n++
	}
	goruntime.GC()
	goruntime.ReadMemStats(&after)
	b.ReportMetric(float64(after.Sys-before.Sys)/float64(n)/1024, "KiB/nanoprocess")
	b.ReportMetric(float64(n), "live")
}
